/* spec_json: see spec_json.h. A recursive-descent reader over the whole file
 * in memory; nesting is bounded so a hostile file cannot exhaust the C stack. */
#include "spec_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SJ_MAX_DEPTH 64

typedef enum { SJ_NULL, SJ_BOOL, SJ_NUMBER, SJ_STRING, SJ_ARRAY, SJ_OBJECT } sj_kind;

struct sj_value {
  sj_kind kind;
  bool is_int;    /* a number without fraction or exponent that fits */
  long long num;  /* SJ_NUMBER when is_int, SJ_BOOL */
  char *str;      /* SJ_STRING: bytes plus a NUL */
  size_t len;     /* SJ_STRING: bytes; SJ_ARRAY/SJ_OBJECT: elements */
  sj_value **items;
  char **keys;    /* SJ_OBJECT: NUL-terminated member names, parallel to items */
};

typedef struct {
  const char *p, *end, *start;
  char *why;
  size_t why_cap;
  bool failed;
} sj_parser;

static void sj_fail(sj_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sj_fail(sj_parser *ps, const char *fmt, ...) {
  if (ps->failed) return;
  ps->failed = true;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ps->why, ps->why_cap, fmt, ap);
  va_end(ap);
}

static void sj_skip_ws(sj_parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static bool sj_grow(sj_parser *ps, void **arr, size_t elem, size_t n, size_t *cap) {
  if (n < *cap) return true;
  size_t ncap = *cap ? *cap * 2 : 8;
  void *p = realloc(*arr, ncap * elem);
  if (!p) {
    sj_fail(ps, "out of memory");
    return false;
  }
  *arr = p;
  *cap = ncap;
  return true;
}

static int sj_hex4(const char *s) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

static size_t sj_put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* At the opening quote. The decoded string is never longer than its source
 * text (\uXXXX is 6 bytes for at most 3, a surrogate pair 12 for 4). */
static char *sj_parse_string(sj_parser *ps, size_t *len) {
  ps->p++;
  const char *q = ps->p;
  while (q < ps->end && *q != '"') q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
  if (q >= ps->end) {
    sj_fail(ps, "unterminated string");
    return NULL;
  }
  char *out = malloc((size_t)(q - ps->p) + 1);
  if (!out) {
    sj_fail(ps, "out of memory");
    return NULL;
  }
  size_t n = 0;
  while (*ps->p != '"') {
    unsigned char c = (unsigned char)*ps->p;
    if (c < 0x20) {
      sj_fail(ps, "control character in string");
      break;
    }
    if (c != '\\') {
      out[n++] = (char)c;
      ps->p++;
      continue;
    }
    char e = ps->p[1];
    ps->p += 2;
    static const char plain_in[] = "\"\\/bfnrt", plain_out[] = "\"\\/\b\f\n\r\t";
    const char *k = e ? strchr(plain_in, e) : NULL;
    if (k) {
      out[n++] = plain_out[k - plain_in];
      continue;
    }
    int cp = e == 'u' && ps->end - ps->p >= 4 ? sj_hex4(ps->p) : -1;
    if (cp < 0) {
      sj_fail(ps, "bad escape in string");
      break;
    }
    ps->p += 4;
    uint32_t u = (uint32_t)cp;
    if (u >= 0xd800 && u < 0xdc00) {
      int lo = ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' ? sj_hex4(ps->p + 2) : -1;
      if (lo < 0xdc00 || lo >= 0xe000) {
        sj_fail(ps, "unpaired surrogate in string");
        break;
      }
      ps->p += 6;
      u = 0x10000 + ((u - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
    } else if (u >= 0xdc00 && u < 0xe000) {
      sj_fail(ps, "unpaired surrogate in string");
      break;
    }
    n += sj_put_utf8(out + n, u);
  }
  if (ps->failed) {
    free(out);
    return NULL;
  }
  ps->p++;
  out[n] = '\0';
  *len = n;
  return out;
}

static sj_value *sj_parse_value(sj_parser *ps, int depth);

static sj_value *sj_new(sj_parser *ps, sj_kind kind) {
  sj_value *v = calloc(1, sizeof *v);
  if (!v) sj_fail(ps, "out of memory");
  else v->kind = kind;
  return v;
}

/* Arrays and objects share one loop: an object's elements carry a key. */
static sj_value *sj_parse_container(sj_parser *ps, int depth, bool object) {
  sj_value *v = sj_new(ps, object ? SJ_OBJECT : SJ_ARRAY);
  if (!v) return NULL;
  char close = object ? '}' : ']';
  size_t cap = 0, kcap = 0;
  ps->p++;
  sj_skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    return v;
  }
  for (;;) {
    sj_skip_ws(ps);
    char *key = NULL;
    if (object) {
      size_t klen;
      if (ps->p >= ps->end || *ps->p != '"') {
        sj_fail(ps, "expected a member name");
        break;
      }
      if (!(key = sj_parse_string(ps, &klen))) break;
      sj_skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        free(key);
        sj_fail(ps, "expected ':'");
        break;
      }
      ps->p++;
      if (!sj_grow(ps, (void **)&v->keys, sizeof *v->keys, v->len, &kcap)) {
        free(key);
        break;
      }
    }
    sj_value *item = sj_parse_value(ps, depth + 1);
    if (item && !sj_grow(ps, (void **)&v->items, sizeof *v->items, v->len, &cap)) {
      sj_free(item);
      item = NULL;
    }
    if (!item) {
      free(key);
      break;
    }
    if (object) v->keys[v->len] = key;
    v->items[v->len++] = item;
    sj_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == close) {
      ps->p++;
      return v;
    }
    sj_fail(ps, "expected ',' or '%c'", close);
    break;
  }
  sj_free(v);
  return NULL;
}

static sj_value *sj_parse_number(sj_parser *ps) {
  const char *s = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  const char *digits = ps->p;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
  if (ps->p == digits) {
    sj_fail(ps, "unexpected character '%c'", *s);
    return NULL;
  }
  bool integral = true;
  while (ps->p < ps->end && *ps->p && strchr(".eE+-0123456789", *ps->p)) {
    integral = false;
    ps->p++;
  }
  sj_value *v = sj_new(ps, SJ_NUMBER);
  if (v && integral) {
    /* The buffer ends in a NUL (sj_load_file), so strtoll stops in it. */
    errno = 0;
    v->num = strtoll(s, NULL, 10);
    v->is_int = errno == 0;
  }
  return v;
}

static bool sj_literal(sj_parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return false;
  ps->p += n;
  return true;
}

static sj_value *sj_parse_value(sj_parser *ps, int depth) {
  if (depth > SJ_MAX_DEPTH) {
    sj_fail(ps, "nested deeper than %d", SJ_MAX_DEPTH);
    return NULL;
  }
  sj_skip_ws(ps);
  if (ps->p >= ps->end) {
    sj_fail(ps, "unexpected end of file");
    return NULL;
  }
  switch (*ps->p) {
    case '{': return sj_parse_container(ps, depth, true);
    case '[': return sj_parse_container(ps, depth, false);
    case '"': {
      size_t len;
      char *s = sj_parse_string(ps, &len);
      sj_value *v = s ? sj_new(ps, SJ_STRING) : NULL;
      if (!v) {
        free(s);
        return NULL;
      }
      v->str = s;
      v->len = len;
      return v;
    }
    default: break;
  }
  if (sj_literal(ps, "null")) return sj_new(ps, SJ_NULL);
  bool t = sj_literal(ps, "true");
  if (t || sj_literal(ps, "false")) {
    sj_value *v = sj_new(ps, SJ_BOOL);
    if (v) v->num = t;
    return v;
  }
  return sj_parse_number(ps);
}

static int sj_line_of(const char *start, const char *at) {
  int line = 1;
  for (const char *c = start; c < at; c++) line += *c == '\n';
  return line;
}

sj_value *sj_load_file(const char *path, char *why, size_t why_cap, int *line) {
  *line = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, why_cap, "%s", strerror(errno));
    return NULL;
  }
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 1 << 16;
      char *p = realloc(buf, ncap);
      if (!p) break;
      buf = p;
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  bool read_ok = !ferror(f) && n < cap;
  fclose(f);
  if (!read_ok) {
    free(buf);
    snprintf(why, why_cap, "cannot read the file");
    return NULL;
  }
  buf[n] = '\0';
  sj_parser ps = {.p = buf, .end = buf + n, .start = buf, .why = why, .why_cap = why_cap};
  sj_value *v = sj_parse_value(&ps, 0);
  if (v) {
    sj_skip_ws(&ps);
    if (ps.p != ps.end) sj_fail(&ps, "text after the document");
  }
  if (ps.failed) {
    *line = sj_line_of(buf, ps.p < ps.end ? ps.p : ps.end);
    sj_free(v);
    v = NULL;
  }
  free(buf);
  return v;
}

void sj_free(sj_value *v) {
  if (!v) return;
  for (size_t i = 0; i < v->len && v->items; i++) {
    sj_free(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  free(v);
}

sj_value *sj_get(const sj_value *v, const char *key) {
  if (!v || v->kind != SJ_OBJECT) return NULL;
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->keys[i], key) == 0) return v->items[i];
  return NULL;
}

sj_value *sj_at(const sj_value *v, size_t i) {
  return v && v->kind == SJ_ARRAY && i < v->len ? v->items[i] : NULL;
}

size_t sj_len(const sj_value *v) { return v && v->kind == SJ_ARRAY ? v->len : 0; }

bool sj_is_array(const sj_value *v) { return v && v->kind == SJ_ARRAY; }

const char *sj_str(const sj_value *v) { return v && v->kind == SJ_STRING ? v->str : NULL; }

size_t sj_strlen(const sj_value *v) { return v && v->kind == SJ_STRING ? v->len : 0; }

long long sj_int(const sj_value *v) { return v && v->kind == SJ_NUMBER && v->is_int ? v->num : 0; }
