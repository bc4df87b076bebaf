/* spec_run: the WebAssembly spec conformance harness.
 *
 * Runs the official test suite as wabt's wast2json writes it (one NAME.json per
 * .wast, listing commands, plus the .wasm modules they load) against the public
 * engine API in tea/wasm.h, and nothing else: if the harness needs to reach
 * behind the API to pass a test, the API is missing something.
 *
 * Usage: spec_run [--verbose] [--deterministic] [--track-writes] [--timeout SECS]
 *                 [--known FILE] DIR_OR_JSON...
 *
 * Each .json file runs in its own store and linker, so one file's state (a
 * registered instance, a grown memory) never leaks into the next. See
 * tests/spec/README.md for the output format and the known-failures list. */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec_json.h"
#include "tea/wasm.h"

/* Deep enough for the suite's honest recursion (odd/even to 200, fib 20),
 * shallow enough that assert_exhaustion's runaway recursion ends at once. */
#define SPEC_CALL_DEPTH 1000u
#define SPEC_DEFAULT_TIMEOUT 60u
#define SPEC_REASON_MAX 512
#define SPEC_MAX_VALUES 64 /* results per call; the suite's widest is far below */

/* ---- small utilities ---------------------------------------------------- */

static void *spec_xrealloc(void *ptr, size_t size) {
  void *p = realloc(ptr, size ? size : 1);
  if (!p) {
    fputs("spec_run: out of memory\n", stderr);
    exit(2);
  }
  return p;
}

static char *spec_xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = spec_xrealloc(NULL, n);
  memcpy(p, s, n);
  return p;
}

/* Appends to a fixed buffer, truncating silently: descriptions and reasons are
 * for humans, and a cut-off one is better than a crash. */
static void spec_appendf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void spec_appendf(char *buf, size_t cap, const char *fmt, ...) {
  size_t used = strlen(buf);
  if (used + 1 >= cap) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + used, cap - used, fmt, ap);
  va_end(ap);
}

static void spec_error_reset(tea_error *err) { memset(err, 0, sizeof *err); }

static const char *spec_code_str(tea_code code) {
  const char *name = tea_code_name(code);
  return name ? name : "?";
}

/* "dir/linking/linking.json" -> "linking": the name the known list and the
 * output use. Returned string is malloc'd. */
static char *spec_file_stem(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char *stem = spec_xstrdup(base);
  size_t n = strlen(stem);
  static const char *const exts[] = {".json", ".wast"};
  for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
    size_t e = strlen(exts[i]);
    if (n > e && strcmp(stem + n - e, exts[i]) == 0) {
      stem[n - e] = '\0';
      break;
    }
  }
  return stem;
}

static bool spec_read_file(const char *path, uint8_t **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  uint8_t *buf = NULL;
  size_t size = 0, cap = 0;
  for (;;) {
    if (size == cap) {
      cap = cap ? cap * 2 : 4096;
      buf = spec_xrealloc(buf, cap);
    }
    size_t got = fread(buf + size, 1, cap - size, f);
    size += got;
    if (got == 0) break;
  }
  bool ok = !ferror(f);
  fclose(f);
  if (!ok) {
    free(buf);
    return false;
  }
  *out = buf;
  *len = size;
  return true;
}

/* ---- counts -------------------------------------------------------------- */

typedef struct spec_counts {
  uint64_t passed;
  uint64_t failed;   /* unexpected failures only */
  uint64_t expected; /* failures the known list predicted */
  uint64_t skipped;  /* text-format modules a binary engine cannot load */
  uint64_t msg_mismatch;
  uint64_t code_mismatch;
} spec_counts;

static void spec_counts_add(spec_counts *to, const spec_counts *from) {
  to->passed += from->passed;
  to->failed += from->failed;
  to->expected += from->expected;
  to->skipped += from->skipped;
  to->msg_mismatch += from->msg_mismatch;
  to->code_mismatch += from->code_mismatch;
}

/* The shape is "P passed, F failed, S skipped"; the other columns appear only
 * when non-zero so a clean file reads as plainly as possible. */
static void spec_print_counts(const char *label, const spec_counts *c) {
  printf("%s: %" PRIu64 " passed, %" PRIu64 " failed", label, c->passed, c->failed);
  if (c->expected) printf(", %" PRIu64 " expected failures", c->expected);
  printf(", %" PRIu64 " skipped", c->skipped);
  if (c->msg_mismatch) printf(", %" PRIu64 " message mismatches", c->msg_mismatch);
  if (c->code_mismatch) printf(", %" PRIu64 " code mismatches", c->code_mismatch);
  putchar('\n');
}

/* ---- known failures ------------------------------------------------------ */

typedef struct spec_known_entry {
  char *pattern;     /* file part, a fnmatch glob ("simd_*") */
  long line;         /* command line in the .wast; 0 = the whole file */
  long source_line;  /* where in the known file, for messages */
} spec_known_entry;

typedef struct spec_known {
  spec_known_entry *entries;
  size_t count;
  const char *path;
} spec_known;

static void spec_known_free(spec_known *known) {
  for (size_t i = 0; i < known->count; i++) free(known->entries[i].pattern);
  free(known->entries);
  known->entries = NULL;
  known->count = 0;
}

static char *spec_trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
  return s;
}

/* Lines are "FILE:LINE" or "FILE:*", '#' starts a comment. A malformed line is
 * an error rather than ignored: a typo would otherwise silently turn an
 * expected failure into an unexpected one, or worse, hide nothing. */
static bool spec_known_load(spec_known *known, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "spec_run: cannot open known-failures file %s: %s\n", path,
            strerror(errno));
    return false;
  }
  known->path = path;
  size_t cap = 0;
  char *linebuf = NULL;
  size_t linecap = 0;
  long lineno = 0;
  bool ok = true;
  while (getline(&linebuf, &linecap, f) >= 0) {
    lineno++;
    char *hash = strchr(linebuf, '#');
    if (hash) *hash = '\0';
    char *entry = spec_trim(linebuf);
    if (!*entry) continue;
    char *colon = strrchr(entry, ':');
    if (!colon || colon == entry) {
      fprintf(stderr, "%s:%ld: expected FILE:LINE or FILE:*, got \"%s\"\n", path, lineno, entry);
      ok = false;
      continue;
    }
    *colon = '\0';
    char *file_part = spec_trim(entry);
    char *line_part = spec_trim(colon + 1);
    long line = 0;
    if (strcmp(line_part, "*") != 0) {
      char *end = NULL;
      errno = 0;
      line = strtol(line_part, &end, 10);
      if (errno || end == line_part || *end || line <= 0) {
        fprintf(stderr, "%s:%ld: bad line number \"%s\"\n", path, lineno, line_part);
        ok = false;
        continue;
      }
    }
    if (known->count == cap) {
      cap = cap ? cap * 2 : 16;
      known->entries = spec_xrealloc(known->entries, cap * sizeof *known->entries);
    }
    known->entries[known->count++] = (spec_known_entry){
        .pattern = spec_file_stem(file_part), .line = line, .source_line = lineno};
  }
  free(linebuf);
  fclose(f);
  return ok;
}

/* The entry that covers (file, line): a line entry wins over a whole-file one,
 * so "now passes" can be told per line. NULL if none. */
static const spec_known_entry *spec_known_find(const spec_known *known, const char *file,
                                               long line) {
  const spec_known_entry *whole = NULL;
  for (size_t i = 0; i < known->count; i++) {
    const spec_known_entry *e = &known->entries[i];
    if (fnmatch(e->pattern, file, 0) != 0) continue;
    if (e->line == line) return e;
    if (e->line == 0 && !whole) whole = e;
  }
  return whole;
}

/* ---- options and per-feature totals -------------------------------------- */

typedef struct spec_options {
  bool verbose;
  bool deterministic;
  bool track_writes; /* the interpreter that marks written pages (tea_wasm_limits) */
  unsigned timeout;
  spec_known known;
} spec_options;

typedef struct spec_feature {
  char *name;
  size_t files;
  spec_counts counts;
} spec_feature;

typedef struct spec_features {
  spec_feature *items;
  size_t count, cap;
} spec_features;

/* A file's feature is its name up to the first '_' or '-': simd_lane -> simd,
 * memory_copy -> memory, utf8-import-field -> utf8. Crude, but it groups the
 * suite's families without a table to keep up to date. */
static void spec_features_add(spec_features *fs, const char *file, const spec_counts *c) {
  size_t n = strcspn(file, "_-");
  for (size_t i = 0; i < fs->count; i++) {
    if (strlen(fs->items[i].name) == n && strncmp(fs->items[i].name, file, n) == 0) {
      spec_counts_add(&fs->items[i].counts, c);
      fs->items[i].files++;
      return;
    }
  }
  if (fs->count == fs->cap) {
    fs->cap = fs->cap ? fs->cap * 2 : 32;
    fs->items = spec_xrealloc(fs->items, fs->cap * sizeof *fs->items);
  }
  spec_feature *f = &fs->items[fs->count++];
  f->name = spec_xrealloc(NULL, n + 1);
  memcpy(f->name, file, n);
  f->name[n] = '\0';
  f->files = 1;
  f->counts = *c;
}

static int spec_feature_cmp(const void *a, const void *b) {
  return strcmp(((const spec_feature *)a)->name, ((const spec_feature *)b)->name);
}

/* ---- the hang guard ------------------------------------------------------ */

/* What the SIGALRM handler names. Plain globals: the handler only reads them,
 * and a torn read would at worst garble a message printed just before exit. */
static const char *volatile spec_alarm_file;
static volatile long spec_alarm_line;

static void spec_write_str(const char *s) {
  size_t n = strlen(s);
  while (n) {
    ssize_t w = write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

/* Async-signal-safe: write(2) and _exit(2) only, no stdio. */
static void spec_on_alarm(int sig) {
  (void)sig;
  char num[24];
  size_t i = sizeof num;
  num[--i] = '\0';
  long line = spec_alarm_line;
  if (line <= 0) num[--i] = '0';
  while (line > 0 && i > 0) {
    num[--i] = (char)('0' + line % 10);
    line /= 10;
  }
  spec_write_str("\nspec_run: TIMEOUT in ");
  spec_write_str(spec_alarm_file ? spec_alarm_file : "?");
  spec_write_str(" at line ");
  spec_write_str(num + i);
  spec_write_str(": the command did not finish in time (engine hang?); aborting\n");
  _exit(3);
}

/* ---- values --------------------------------------------------------------- */

typedef enum spec_expect_kind {
  SPEC_EXPECT_BITS,          /* exact bits (ints, floats) */
  SPEC_EXPECT_NAN_CANONICAL, /* the canonical NaN, either sign */
  SPEC_EXPECT_NAN_ARITHMETIC,/* any NaN with the quiet bit set */
  SPEC_EXPECT_REF,           /* exact reference (externref) */
  SPEC_EXPECT_NULL,          /* a null reference */
  SPEC_EXPECT_NONNULL        /* any non-null reference (funcref) */
} spec_expect_kind;

typedef struct spec_value {
  tea_wasm_valtype type;
  spec_expect_kind kind;
  uint64_t bits;
  tea_wasm_ref ref;
  /* v128: the 16 bytes (WebAssembly order), the lane shape, and what each
   * lane expects (BITS, or a NaN class for float lanes) */
  uint8_t v128[16];
  unsigned lane_bytes;
  bool lane_float;
  spec_expect_kind lane_kind[16];
} spec_value;

/* ref.extern N: any unique non-NULL pointer per N will do, the engine never
 * dereferences an externref. */
static tea_wasm_ref spec_extern_ref(uint64_t n) { return (tea_wasm_ref)(uintptr_t)(n + 1); }

static bool spec_parse_type(const char *s, tea_wasm_valtype *out) {
  static const struct {
    const char *name;
    tea_wasm_valtype type;
  } types[] = {{"i32", TEA_WASM_I32},         {"i64", TEA_WASM_I64},
               {"f32", TEA_WASM_F32},         {"f64", TEA_WASM_F64},
               {"v128", TEA_WASM_V128},       {"funcref", TEA_WASM_FUNCREF},
               {"externref", TEA_WASM_EXTERNREF}};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    if (strcmp(s, types[i].name) == 0) {
      *out = types[i].type;
      return true;
    }
  }
  return false;
}

static const char *spec_type_name(tea_wasm_valtype t) {
  switch (t) {
  case TEA_WASM_I32: return "i32";
  case TEA_WASM_I64: return "i64";
  case TEA_WASM_F32: return "f32";
  case TEA_WASM_F64: return "f64";
  case TEA_WASM_V128: return "v128";
  case TEA_WASM_FUNCREF: return "funcref";
  case TEA_WASM_EXTERNREF: return "externref";
  }
  return "?";
}

/* wast2json writes the bits as an unsigned decimal; accept a sign anyway. */
static bool spec_parse_bits(const char *s, unsigned width, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  uint64_t v;
  if (*s == '-') {
    int64_t sv = strtoll(s, &end, 10);
    v = (uint64_t)sv;
  } else {
    v = strtoull(s, &end, 10);
  }
  if (errno || end == s || *end) return false;
  if (width == 32) {
    if (*s != '-' && v > UINT32_MAX) return false;
    v &= UINT32_MAX;
  }
  *out = v;
  return true;
}

/* {"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "4"]}: lanes
 * in order, each an unsigned decimal of the lane's bits, or nan:canonical /
 * nan:arithmetic for a float lane of an expected result. */
static bool spec_parse_v128(sj_value *j, sj_value *jv, spec_value *out, char *why, size_t why_cap) {
  const char *lt = sj_str(sj_get(j, "lane_type"));
  static const struct { const char *name; unsigned bytes; bool fl; } shapes[] = {
      {"i8", 1, false}, {"i16", 2, false}, {"i32", 4, false},
      {"i64", 8, false}, {"f32", 4, true}, {"f64", 8, true}};
  out->lane_bytes = 0;
  for (size_t i = 0; lt && i < sizeof shapes / sizeof shapes[0]; i++)
    if (strcmp(lt, shapes[i].name) == 0) {
      out->lane_bytes = shapes[i].bytes;
      out->lane_float = shapes[i].fl;
    }
  size_t n = out->lane_bytes ? 16 / out->lane_bytes : 0;
  if (!n || !sj_is_array(jv) || sj_len(jv) != n) {
    snprintf(why, why_cap, "bad v128 value (lane_type %s)", lt ? lt : "(none)");
    return false;
  }
  out->kind = SPEC_EXPECT_BITS;
  for (size_t i = 0; i < n; i++) {
    const char *s = sj_str(sj_at(jv, i));
    uint64_t bits = 0;
    out->lane_kind[i] = SPEC_EXPECT_BITS;
    if (!s) {
      snprintf(why, why_cap, "v128 lane %zu is not a string", i);
      return false;
    }
    if (out->lane_float && strcmp(s, "nan:canonical") == 0) {
      out->lane_kind[i] = SPEC_EXPECT_NAN_CANONICAL;
    } else if (out->lane_float && strcmp(s, "nan:arithmetic") == 0) {
      out->lane_kind[i] = SPEC_EXPECT_NAN_ARITHMETIC;
    } else {
      char *end = NULL;
      errno = 0;
      if (*s == '-')
        bits = (uint64_t)strtoll(s, &end, 10);
      else
        bits = strtoull(s, &end, 10);
      if (errno || end == s || *end) {
        snprintf(why, why_cap, "bad v128 lane \"%s\"", s);
        return false;
      }
    }
    for (unsigned b = 0; b < out->lane_bytes; b++)
      out->v128[i * out->lane_bytes + b] = (uint8_t)(bits >> (8 * b));
  }
  return true;
}

/* One JSON value ({"type": ..., "value": ...}) to a spec_value. When
 * types_only, the value field may be absent (assert_trap lists result types). */
static bool spec_parse_value(sj_value *j, bool types_only, spec_value *out, char *why,
                             size_t why_cap) {
  memset(out, 0, sizeof *out);
  const char *type = sj_str(sj_get(j, "type"));
  if (!type || !spec_parse_type(type, &out->type)) {
    snprintf(why, why_cap, "unknown value type \"%s\"", type ? type : "(none)");
    return false;
  }
  sj_value *jv = sj_get(j, "value");
  if (!jv) {
    if (types_only) return true;
    snprintf(why, why_cap, "%s value without \"value\"", type);
    return false;
  }
  if (out->type == TEA_WASM_V128) return spec_parse_v128(j, jv, out, why, why_cap);
  const char *s = sj_str(jv);
  if (!s) {
    snprintf(why, why_cap, "%s value is not a string", type);
    return false;
  }
  switch (out->type) {
  case TEA_WASM_I32:
  case TEA_WASM_I64:
  case TEA_WASM_F32:
  case TEA_WASM_F64: {
    bool is_float = out->type == TEA_WASM_F32 || out->type == TEA_WASM_F64;
    if (is_float && strcmp(s, "nan:canonical") == 0) {
      out->kind = SPEC_EXPECT_NAN_CANONICAL;
      return true;
    }
    if (is_float && strcmp(s, "nan:arithmetic") == 0) {
      out->kind = SPEC_EXPECT_NAN_ARITHMETIC;
      return true;
    }
    unsigned width = (out->type == TEA_WASM_I32 || out->type == TEA_WASM_F32) ? 32 : 64;
    if (!spec_parse_bits(s, width, &out->bits)) {
      snprintf(why, why_cap, "bad %s value \"%s\"", type, s);
      return false;
    }
    out->kind = SPEC_EXPECT_BITS;
    return true;
  }
  case TEA_WASM_FUNCREF:
  case TEA_WASM_EXTERNREF:
    if (strcmp(s, "null") == 0) {
      out->kind = SPEC_EXPECT_NULL;
      return true;
    }
    if (out->type == TEA_WASM_FUNCREF) {
      /* wast2json writes non-null funcrefs without identity; only null-ness
       * can be compared. */
      out->kind = SPEC_EXPECT_NONNULL;
      return true;
    }
    if (!spec_parse_bits(s, 64, &out->bits)) {
      snprintf(why, why_cap, "bad externref value \"%s\"", s);
      return false;
    }
    out->kind = SPEC_EXPECT_REF;
    out->ref = spec_extern_ref(out->bits);
    return true;
  case TEA_WASM_V128:
    break;
  }
  snprintf(why, why_cap, "unhandled value type %s", type);
  return false;
}

/* Builds an argument. Floats go in by bits (memcpy), never through a float
 * conversion, so signalling NaN payloads reach the engine intact. */
static bool spec_value_to_arg(const spec_value *v, tea_wasm_val *out, char *why, size_t why_cap) {
  memset(out, 0, sizeof *out);
  out->type = v->type;
  switch (v->kind) {
  case SPEC_EXPECT_BITS:
    switch (v->type) {
    case TEA_WASM_V128: memcpy(out->v128, v->v128, 16); return true;
    case TEA_WASM_I32: out->of.u32 = (uint32_t)v->bits; return true;
    case TEA_WASM_I64: out->of.u64 = v->bits; return true;
    case TEA_WASM_F32: {
      uint32_t b = (uint32_t)v->bits;
      memcpy(&out->of.f32, &b, sizeof b);
      return true;
    }
    case TEA_WASM_F64: memcpy(&out->of.f64, &v->bits, sizeof v->bits); return true;
    default: break;
    }
    break;
  case SPEC_EXPECT_REF: out->of.ref = v->ref; return true;
  case SPEC_EXPECT_NULL: out->of.ref = NULL; return true;
  case SPEC_EXPECT_NAN_CANONICAL:
  case SPEC_EXPECT_NAN_ARITHMETIC:
  case SPEC_EXPECT_NONNULL: break;
  }
  snprintf(why, why_cap, "cannot pass a %s argument of that form", spec_type_name(v->type));
  return false;
}

static uint64_t spec_val_bits(const tea_wasm_val *v) {
  switch (v->type) {
  case TEA_WASM_I32: return v->of.u32;
  case TEA_WASM_I64: return v->of.u64;
  case TEA_WASM_F32: {
    uint32_t b;
    memcpy(&b, &v->of.f32, sizeof b);
    return b;
  }
  case TEA_WASM_F64: {
    uint64_t b;
    memcpy(&b, &v->of.f64, sizeof b);
    return b;
  }
  default: return (uint64_t)(uintptr_t)v->of.ref;
  }
}

static void spec_format_val(char *buf, size_t cap, const tea_wasm_val *v) {
  uint64_t bits = spec_val_bits(v);
  switch (v->type) {
  case TEA_WASM_I32:
    snprintf(buf, cap, "i32:%" PRIu32 " (0x%08" PRIx32 ")", (uint32_t)bits, (uint32_t)bits);
    break;
  case TEA_WASM_I64:
    snprintf(buf, cap, "i64:%" PRIu64 " (0x%016" PRIx64 ")", bits, bits);
    break;
  case TEA_WASM_F32:
    snprintf(buf, cap, "f32:0x%08" PRIx32 " (%.9g)", (uint32_t)bits, (double)v->of.f32);
    break;
  case TEA_WASM_F64: snprintf(buf, cap, "f64:0x%016" PRIx64 " (%.17g)", bits, v->of.f64); break;
  case TEA_WASM_V128: {
    size_t at = (size_t)snprintf(buf, cap, "v128:0x");
    for (int i = 15; i >= 0 && at + 2 < cap; i--) at += (size_t)snprintf(buf + at, cap - at, "%02x", v->v128[i]);
    break;
  }
  default:
    if (v->of.ref)
      snprintf(buf, cap, "%s:%p", spec_type_name(v->type), v->of.ref);
    else
      snprintf(buf, cap, "%s:null", spec_type_name(v->type));
    break;
  }
}

static void spec_format_expect(char *buf, size_t cap, const spec_value *e) {
  switch (e->kind) {
  case SPEC_EXPECT_NAN_CANONICAL: snprintf(buf, cap, "%s:nan:canonical", spec_type_name(e->type)); return;
  case SPEC_EXPECT_NAN_ARITHMETIC: snprintf(buf, cap, "%s:nan:arithmetic", spec_type_name(e->type)); return;
  case SPEC_EXPECT_NULL: snprintf(buf, cap, "%s:null", spec_type_name(e->type)); return;
  case SPEC_EXPECT_NONNULL: snprintf(buf, cap, "%s:non-null", spec_type_name(e->type)); return;
  case SPEC_EXPECT_REF:
    snprintf(buf, cap, "externref:%" PRIu64 " (%p)", e->bits, e->ref);
    return;
  case SPEC_EXPECT_BITS: {
    tea_wasm_val v;
    char why[8];
    spec_value_to_arg(e, &v, why, sizeof why);
    spec_format_val(buf, cap, &v);
    return;
  }
  }
}

/* One float lane against its expectation (the scalar rules, per lane). */
static bool spec_lane_matches(spec_expect_kind k, unsigned bytes, const uint8_t *exp,
                              const uint8_t *got) {
  uint64_t g = 0;
  for (int b = (int)bytes - 1; b >= 0; b--) g = g << 8 | got[b];
  uint64_t quiet_exp = bytes == 4 ? 0x7fc00000u : 0x7ff8000000000000u;
  uint64_t no_sign = bytes == 4 ? 0x7fffffffu : 0x7fffffffffffffffu;
  switch (k) {
  case SPEC_EXPECT_NAN_CANONICAL: return (g & no_sign) == quiet_exp;
  case SPEC_EXPECT_NAN_ARITHMETIC: return (g & quiet_exp) == quiet_exp;
  default: return memcmp(exp, got, bytes) == 0;
  }
}

static bool spec_value_matches(const spec_value *e, const tea_wasm_val *got) {
  if (got->type != e->type) return false;
  if (e->type == TEA_WASM_V128) {
    for (unsigned i = 0; i < 16 / e->lane_bytes; i++)
      if (!spec_lane_matches(e->lane_kind[i], e->lane_bytes, e->v128 + i * e->lane_bytes,
                             got->v128 + i * e->lane_bytes))
        return false;
    return true;
  }
  uint64_t bits = spec_val_bits(got);
  bool f32 = e->type == TEA_WASM_F32;
  /* exponent all ones + quiet bit, and the canonical payload is just that bit */
  uint64_t quiet_exp = f32 ? 0x7fc00000u : 0x7ff8000000000000u;
  uint64_t no_sign = f32 ? 0x7fffffffu : 0x7fffffffffffffffu;
  switch (e->kind) {
  case SPEC_EXPECT_BITS: return bits == e->bits;
  case SPEC_EXPECT_NAN_CANONICAL: return (bits & no_sign) == quiet_exp;
  case SPEC_EXPECT_NAN_ARITHMETIC: return (bits & quiet_exp) == quiet_exp;
  case SPEC_EXPECT_REF: return got->of.ref == e->ref;
  case SPEC_EXPECT_NULL: return got->of.ref == NULL;
  case SPEC_EXPECT_NONNULL: return got->of.ref != NULL;
  }
  return false;
}

/* ---- the spectest module ------------------------------------------------- */

static bool spec_host_verbose; /* print from spectest.print* only when asked */

typedef struct spec_print_fn {
  const char *name;
  tea_wasm_valtype params[2];
  uint32_t nparams;
} spec_print_fn;

static const spec_print_fn spec_print_fns[] = {
    {"print", {TEA_WASM_I32, TEA_WASM_I32}, 0},
    {"print_i32", {TEA_WASM_I32, TEA_WASM_I32}, 1},
    {"print_i64", {TEA_WASM_I64, TEA_WASM_I64}, 1},
    {"print_f32", {TEA_WASM_F32, TEA_WASM_F32}, 1},
    {"print_f64", {TEA_WASM_F64, TEA_WASM_F64}, 1},
    {"print_i32_f32", {TEA_WASM_I32, TEA_WASM_F32}, 2},
    {"print_f64_f64", {TEA_WASM_F64, TEA_WASM_F64}, 2},
};

static tea_code spec_host_print(tea_wasm_host_call *call, tea_wasm_slot *slots) {
  const spec_print_fn *fn = call->env;
  if (!spec_host_verbose) return TEA_OK;
  printf("spectest.%s(", fn->name);
  for (uint32_t i = 0; i < fn->nparams; i++) {
    tea_wasm_val v = {.type = fn->params[i], .of = slots[i]};
    char buf[96];
    spec_format_val(buf, sizeof buf, &v);
    printf("%s%s", i ? ", " : "", buf);
  }
  printf(")\n");
  return TEA_OK;
}

static tea_code spec_define_global(tea_wasm_linker *linker, tea_wasm_store *store,
                                   const char *name, tea_wasm_val value, tea_error *err) {
  tea_wasm_global *global = NULL;
  tea_code code = tea_wasm_global_new(store, value, false, &global, err);
  if (code != TEA_OK) return code;
  tea_wasm_extern ext = {.kind = TEA_WASM_EXTERN_GLOBAL, .of.global = global};
  return tea_wasm_linker_define(linker, "spectest", name, ext, err);
}

/* The host module every .wast may import from, as the reference interpreter
 * defines it (spec/interpreter/host/spectest.ml). */
static tea_code spec_define_spectest(tea_wasm_linker *linker, tea_wasm_store *store,
                                     tea_error *err) {
  tea_code code;
  for (size_t i = 0; i < sizeof spec_print_fns / sizeof spec_print_fns[0]; i++) {
    const spec_print_fn *fn = &spec_print_fns[i];
    code = tea_wasm_linker_define_func(linker, store, "spectest", fn->name, fn->params,
                                       fn->nparams, NULL, 0, spec_host_print, (void *)fn, err);
    if (code != TEA_OK) return code;
  }
  tea_wasm_val v = {.type = TEA_WASM_I32, .of.i32 = 666};
  if ((code = spec_define_global(linker, store, "global_i32", v, err)) != TEA_OK) return code;
  v = (tea_wasm_val){.type = TEA_WASM_I64, .of.i64 = 666};
  if ((code = spec_define_global(linker, store, "global_i64", v, err)) != TEA_OK) return code;
  v = (tea_wasm_val){.type = TEA_WASM_F32, .of.u64 = 0};
  v.of.f32 = 666.6f;
  if ((code = spec_define_global(linker, store, "global_f32", v, err)) != TEA_OK) return code;
  v = (tea_wasm_val){.type = TEA_WASM_F64, .of.f64 = 666.6};
  if ((code = spec_define_global(linker, store, "global_f64", v, err)) != TEA_OK) return code;

  tea_wasm_table *table = NULL;
  code = tea_wasm_table_new(store, TEA_WASM_FUNCREF, 10, 20, true, &table, err);
  if (code != TEA_OK) return code;
  tea_wasm_extern ext = {.kind = TEA_WASM_EXTERN_TABLE, .of.table = table};
  if ((code = tea_wasm_linker_define(linker, "spectest", "table", ext, err)) != TEA_OK)
    return code;

  tea_wasm_memory *memory = NULL;
  code = tea_wasm_memory_new(store, 1, 2, true, &memory, err);
  if (code != TEA_OK) return code;
  ext = (tea_wasm_extern){.kind = TEA_WASM_EXTERN_MEMORY, .of.memory = memory};
  return tea_wasm_linker_define(linker, "spectest", "memory", ext, err);
}

/* ---- one file's run ------------------------------------------------------- */

typedef struct spec_named {
  char *name;
  tea_wasm_instance *instance; /* NULL if that module failed */
} spec_named;

typedef struct spec_file_run {
  const spec_options *opts;
  const char *path; /* the .json */
  char *dir;        /* where its modules are */
  char *name;       /* file stem: "linking" */
  tea_wasm_config config;
  tea_wasm_store *store;
  tea_wasm_linker *linker;
  tea_wasm_instance *current;
  spec_named *named;
  size_t nnamed, named_cap;
  /* Modules outlive every instance made from them: freed after the store. */
  tea_wasm_module **modules;
  size_t nmodules, modules_cap;
  spec_counts counts;
  bool setup_failed;
} spec_file_run;

typedef enum spec_status { SPEC_PASS, SPEC_FAIL, SPEC_SKIP } spec_status;

/* What one command came to, before the known list has its say. */
typedef struct spec_outcome {
  spec_status status;
  char reason[SPEC_REASON_MAX];
  bool msg_mismatch;
  bool code_mismatch;
  char note[SPEC_REASON_MAX]; /* the mismatch, for --verbose */
} spec_outcome;

static void spec_fail(spec_outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void spec_fail(spec_outcome *o, const char *fmt, ...) {
  o->status = SPEC_FAIL;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(o->reason, sizeof o->reason, fmt, ap);
  va_end(ap);
}

static void spec_remember_module(spec_file_run *run, tea_wasm_module *module) {
  if (run->nmodules == run->modules_cap) {
    run->modules_cap = run->modules_cap ? run->modules_cap * 2 : 16;
    run->modules = spec_xrealloc(run->modules, run->modules_cap * sizeof *run->modules);
  }
  run->modules[run->nmodules++] = module;
}

static void spec_set_named(spec_file_run *run, const char *name, tea_wasm_instance *instance) {
  for (size_t i = 0; i < run->nnamed; i++) {
    if (strcmp(run->named[i].name, name) == 0) {
      run->named[i].instance = instance;
      return;
    }
  }
  if (run->nnamed == run->named_cap) {
    run->named_cap = run->named_cap ? run->named_cap * 2 : 8;
    run->named = spec_xrealloc(run->named, run->named_cap * sizeof *run->named);
  }
  run->named[run->nnamed++] = (spec_named){.name = spec_xstrdup(name), .instance = instance};
}

/* The instance a command addresses: by name, or the current one. NULL (with
 * the reason in o) when there is none, e.g. its module failed to load. */
static tea_wasm_instance *spec_resolve(spec_file_run *run, const char *name, spec_outcome *o) {
  if (!name) {
    if (!run->current) spec_fail(o, "no current module instance (an earlier module failed)");
    return run->current;
  }
  for (size_t i = 0; i < run->nnamed; i++) {
    if (strcmp(run->named[i].name, name) == 0) {
      if (!run->named[i].instance)
        spec_fail(o, "module %s has no instance (it failed earlier)", name);
      return run->named[i].instance;
    }
  }
  spec_fail(o, "unknown module name %s", name);
  return NULL;
}

/* Loads a module file beside the .json. On TEA_OK *out is set and owned by
 * the run. *io_failed tells a missing file from an engine error. */
static tea_code spec_load(spec_file_run *run, const char *filename, tea_wasm_module **out,
                          tea_error *err, bool *io_failed) {
  *out = NULL;
  *io_failed = false;
  size_t n = strlen(run->dir) + strlen(filename) + 2;
  char *path = spec_xrealloc(NULL, n);
  snprintf(path, n, "%s/%s", run->dir, filename);
  uint8_t *bytes = NULL;
  size_t len = 0;
  if (!spec_read_file(path, &bytes, &len)) {
    snprintf(err->msg, sizeof err->msg, "cannot read %s: %s", path, strerror(errno));
    err->code = TEA_ERR_IO;
    *io_failed = true;
    free(path);
    return TEA_ERR_IO;
  }
  free(path);
  tea_wasm_module *module = NULL;
  tea_code code = tea_wasm_module_load(bytes, len, &run->config, &module, err);
  free(bytes);
  if (code == TEA_OK) {
    if (!module) return tea_fail(err, TEA_ERR_STATE, "module_load returned OK but no module");
    spec_remember_module(run, module);
    *out = module;
  }
  return code;
}

static bool spec_is_text_module(sj_value *cmd) {
  const char *mt = sj_str(sj_get(cmd, "module_type"));
  if (mt) return strcmp(mt, "text") == 0;
  const char *fn = sj_str(sj_get(cmd, "filename"));
  size_t n = fn ? strlen(fn) : 0;
  return n > 4 && strcmp(fn + n - 4, ".wat") == 0;
}

/* Runs an invoke or get. Returns the engine's code; a harness-side problem
 * (bad JSON, no instance, arity) is reported in o with *setup_failed set. */
static tea_code spec_do_action(spec_file_run *run, sj_value *action, sj_value *expected_types,
                               tea_wasm_val *results, size_t *nresults, tea_error *err,
                               spec_outcome *o, bool *setup_failed) {
  *setup_failed = true;
  const char *type = sj_str(sj_get(action, "type"));
  sj_value *jfield = sj_get(action, "field");
  const char *field = sj_str(jfield);
  const char *module_name = sj_str(sj_get(action, "module"));
  if (!type || !field) {
    spec_fail(o, "action without type or field");
    return TEA_ERR_ARG;
  }
  if (sj_strlen(jfield) != strlen(field)) {
    /* Legal in wasm (names are any UTF-8), but the API takes C strings. */
    spec_fail(o, "export name contains U+0000: tea_wasm_call/instance_export take a C string");
    return TEA_ERR_ARG;
  }
  size_t nexpected = sj_len(expected_types);
  if (nexpected > SPEC_MAX_VALUES) {
    spec_fail(o, "too many results (%zu)", nexpected);
    return TEA_ERR_ARG;
  }
  /* Results start typed as expected: an engine that writes the type lets the
   * comparison check it, one that does not is not penalised for it. */
  for (size_t i = 0; i < nexpected; i++) {
    spec_value ev;
    char why[SPEC_REASON_MAX];
    if (!spec_parse_value(sj_at(expected_types, i), true, &ev, why, sizeof why)) {
      spec_fail(o, "result %zu: %s", i, why);
      return TEA_ERR_ARG;
    }
    memset(&results[i], 0, sizeof results[i]);
    results[i].type = ev.type;
  }
  *nresults = nexpected;

  tea_wasm_instance *instance = spec_resolve(run, module_name, o);
  if (!instance) return TEA_ERR_NOT_FOUND;

  if (strcmp(type, "get") == 0) {
    if (nexpected != 1) {
      spec_fail(o, "get with %zu expected values", nexpected);
      return TEA_ERR_ARG;
    }
    tea_wasm_extern ext;
    memset(&ext, 0, sizeof ext);
    *setup_failed = false;
    tea_code code = tea_wasm_instance_export(instance, field, &ext, err);
    if (code != TEA_OK) return code;
    if (ext.kind != TEA_WASM_EXTERN_GLOBAL || !ext.of.global) {
      *setup_failed = true;
      spec_fail(o, "export \"%s\" is not a global (kind %d)", field, (int)ext.kind);
      return TEA_ERR_ARG;
    }
    results[0] = tea_wasm_global_get(ext.of.global);
    return TEA_OK;
  }
  if (strcmp(type, "invoke") != 0) {
    spec_fail(o, "unknown action type \"%s\"", type);
    return TEA_ERR_ARG;
  }
  sj_value *jargs = sj_get(action, "args");
  size_t nargs = sj_len(jargs);
  if (nargs > SPEC_MAX_VALUES) {
    spec_fail(o, "too many arguments (%zu)", nargs);
    return TEA_ERR_ARG;
  }
  tea_wasm_val args[SPEC_MAX_VALUES];
  for (size_t i = 0; i < nargs; i++) {
    spec_value av;
    char why[SPEC_REASON_MAX];
    if (!spec_parse_value(sj_at(jargs, i), false, &av, why, sizeof why) ||
        !spec_value_to_arg(&av, &args[i], why, sizeof why)) {
      spec_fail(o, "argument %zu: %s", i, why);
      return TEA_ERR_ARG;
    }
  }
  *setup_failed = false;
  return tea_wasm_call(instance, field, args, nargs, results, nexpected, err);
}

static void spec_check_message(spec_outcome *o, const char *expected_text, const tea_error *err) {
  if (expected_text && !strstr(err->msg, expected_text)) {
    o->msg_mismatch = true;
    snprintf(o->note, sizeof o->note, "message mismatch: expected \"%s\", got \"%s\"",
             expected_text, err->msg);
  }
}

static void spec_cmd_module(spec_file_run *run, sj_value *cmd, spec_outcome *o) {
  const char *filename = sj_str(sj_get(cmd, "filename"));
  const char *name = sj_str(sj_get(cmd, "name"));
  /* Whatever happens, this module is now the current one: commands that
   * follow a failed module must fail, not run against the previous one. */
  run->current = NULL;
  if (name) spec_set_named(run, name, NULL);
  if (!filename) {
    spec_fail(o, "module command without filename");
    return;
  }
  if (spec_is_text_module(cmd)) {
    o->status = SPEC_SKIP;
    return;
  }
  tea_error err;
  spec_error_reset(&err);
  tea_wasm_module *module = NULL;
  bool io_failed;
  tea_code code = spec_load(run, filename, &module, &err, &io_failed);
  if (code != TEA_OK) {
    spec_fail(o, "load %s failed: %s: %s", filename, spec_code_str(code), err.msg);
    return;
  }
  tea_wasm_instance *instance = NULL;
  spec_error_reset(&err);
  code = tea_wasm_instantiate(run->store, module, run->linker, &instance, &err);
  if (code != TEA_OK || !instance) {
    spec_fail(o, "instantiate %s failed: %s: %s", filename, spec_code_str(code), err.msg);
    return;
  }
  run->current = instance;
  if (name) spec_set_named(run, name, instance);
  o->status = SPEC_PASS;
}

static void spec_cmd_register(spec_file_run *run, sj_value *cmd, spec_outcome *o) {
  const char *as = sj_str(sj_get(cmd, "as"));
  const char *name = sj_str(sj_get(cmd, "name"));
  if (!as) {
    spec_fail(o, "register without \"as\"");
    return;
  }
  tea_wasm_instance *instance = spec_resolve(run, name, o);
  if (!instance) return;
  tea_error err;
  spec_error_reset(&err);
  tea_code code = tea_wasm_linker_define_instance(run->linker, as, instance, &err);
  if (code != TEA_OK) {
    spec_fail(o, "register as \"%s\" failed: %s: %s", as, spec_code_str(code), err.msg);
    return;
  }
  o->status = SPEC_PASS;
}

static void spec_cmd_action(spec_file_run *run, sj_value *cmd, spec_outcome *o) {
  tea_wasm_val results[SPEC_MAX_VALUES];
  size_t nresults = 0;
  tea_error err;
  spec_error_reset(&err);
  bool setup_failed;
  tea_code code = spec_do_action(run, sj_get(cmd, "action"),
                                 sj_get(cmd, "expected"), results, &nresults, &err, o,
                                 &setup_failed);
  if (setup_failed) return;
  if (code != TEA_OK) {
    spec_fail(o, "action failed: %s: %s", spec_code_str(code), err.msg);
    return;
  }
  o->status = SPEC_PASS;
}

static void spec_cmd_assert_return(spec_file_run *run, sj_value *cmd, spec_outcome *o) {
  sj_value *expected = sj_get(cmd, "expected");
  tea_wasm_val results[SPEC_MAX_VALUES];
  size_t nresults = 0;
  tea_error err;
  spec_error_reset(&err);
  bool setup_failed;
  tea_code code = spec_do_action(run, sj_get(cmd, "action"), expected, results,
                                 &nresults, &err, o, &setup_failed);
  if (setup_failed) return;
  if (code != TEA_OK) {
    spec_fail(o, "returned %s: %s", spec_code_str(code), err.msg);
    return;
  }
  for (size_t i = 0; i < nresults; i++) {
    spec_value ev;
    char why[SPEC_REASON_MAX];
    if (!spec_parse_value(sj_at(expected, i), false, &ev, why, sizeof why)) {
      spec_fail(o, "result %zu: %s", i, why);
      return;
    }
    if (!spec_value_matches(&ev, &results[i])) {
      char want[128], got[128];
      spec_format_expect(want, sizeof want, &ev);
      spec_format_val(got, sizeof got, &results[i]);
      spec_fail(o, "result %zu: got %s, expected %s", i, got, want);
      return;
    }
  }
  o->status = SPEC_PASS;
}

/* assert_trap and assert_exhaustion: the call must trap. */
static void spec_cmd_assert_trap(spec_file_run *run, sj_value *cmd, spec_outcome *o) {
  const char *text = sj_str(sj_get(cmd, "text"));
  sj_value *action = sj_get(cmd, "action");
  tea_error err;
  spec_error_reset(&err);
  if (!action) {
    /* assert_trap on a module: the instantiation must trap. wast2json turns
     * these into assert_uninstantiable, but older converters did not. */
    const char *filename = sj_str(sj_get(cmd, "filename"));
    if (!filename) {
      spec_fail(o, "assert_trap with neither action nor filename");
      return;
    }
    tea_wasm_module *module = NULL;
    bool io_failed;
    tea_code code = spec_load(run, filename, &module, &err, &io_failed);
    if (code != TEA_OK) {
      spec_fail(o, "load %s failed: %s: %s", filename, spec_code_str(code), err.msg);
      return;
    }
    tea_wasm_instance *instance = NULL;
    spec_error_reset(&err);
    code = tea_wasm_instantiate(run->store, module, run->linker, &instance, &err);
    if (code != TEA_ERR_TRAP) {
      spec_fail(o, "expected a trap (\"%s\"), got %s%s%s", text ? text : "", spec_code_str(code),
                err.msg[0] ? ": " : "", err.msg);
      return;
    }
    spec_check_message(o, text, &err);
    o->status = SPEC_PASS;
    return;
  }
  tea_wasm_val results[SPEC_MAX_VALUES];
  size_t nresults = 0;
  bool setup_failed;
  tea_code code = spec_do_action(run, action, sj_get(cmd, "expected"), results,
                                 &nresults, &err, o, &setup_failed);
  if (setup_failed) return;
  if (code != TEA_ERR_TRAP) {
    spec_fail(o, "expected a trap (\"%s\"), got %s%s%s", text ? text : "", spec_code_str(code),
              err.msg[0] ? ": " : "", err.msg);
    return;
  }
  spec_check_message(o, text, &err);
  o->status = SPEC_PASS;
}

/* assert_invalid and assert_malformed: the load must fail. */
static void spec_cmd_assert_load_fails(spec_file_run *run, sj_value *cmd, tea_code want,
                                       spec_outcome *o) {
  const char *filename = sj_str(sj_get(cmd, "filename"));
  if (!filename) {
    spec_fail(o, "no filename");
    return;
  }
  if (spec_is_text_module(cmd)) {
    o->status = SPEC_SKIP;
    return;
  }
  tea_error err;
  spec_error_reset(&err);
  tea_wasm_module *module = NULL;
  bool io_failed;
  tea_code code = spec_load(run, filename, &module, &err, &io_failed);
  if (io_failed) {
    spec_fail(o, "%s", err.msg);
    return;
  }
  if (code == TEA_OK) {
    const char *text = sj_str(sj_get(cmd, "text"));
    spec_fail(o, "module loaded, expected %s (\"%s\")", spec_code_str(want), text ? text : "");
    return;
  }
  if (code != want) {
    o->code_mismatch = true;
    snprintf(o->note, sizeof o->note, "code mismatch: expected %s, got %s: %s",
             spec_code_str(want), spec_code_str(code), err.msg);
  }
  o->status = SPEC_PASS;
}

/* assert_unlinkable (want TEA_ERR_LINK) and assert_uninstantiable (want
 * TEA_ERR_TRAP): the module loads, its instantiation fails. */
static void spec_cmd_assert_inst_fails(spec_file_run *run, sj_value *cmd, tea_code want,
                                       spec_outcome *o) {
  const char *filename = sj_str(sj_get(cmd, "filename"));
  const char *text = sj_str(sj_get(cmd, "text"));
  if (!filename) {
    spec_fail(o, "no filename");
    return;
  }
  if (spec_is_text_module(cmd)) {
    o->status = SPEC_SKIP;
    return;
  }
  tea_error err;
  spec_error_reset(&err);
  tea_wasm_module *module = NULL;
  bool io_failed;
  tea_code code = spec_load(run, filename, &module, &err, &io_failed);
  if (code != TEA_OK) {
    spec_fail(o, "load %s failed: %s: %s", filename, spec_code_str(code), err.msg);
    return;
  }
  tea_wasm_instance *instance = NULL;
  spec_error_reset(&err);
  code = tea_wasm_instantiate(run->store, module, run->linker, &instance, &err);
  if (code != want) {
    spec_fail(o, "instantiation: expected %s (\"%s\"), got %s%s%s", spec_code_str(want),
              text ? text : "", spec_code_str(code), err.msg[0] ? ": " : "", err.msg);
    return;
  }
  spec_check_message(o, text, &err);
  o->status = SPEC_PASS;
}

/* Appends a name in quotes with control bytes escaped, so a report line stays
 * one line whatever names.wast throws at it. */
static void spec_append_name(char *buf, size_t cap, sj_value *jname) {
  const char *s = sj_str(jname);
  size_t n = sj_strlen(jname);
  spec_appendf(buf, cap, "\"");
  for (size_t i = 0; s && i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f)
      spec_appendf(buf, cap, "\\x%02x", c);
    else if (c == '"' || c == '\\')
      spec_appendf(buf, cap, "\\%c", c);
    else
      spec_appendf(buf, cap, "%c", c);
  }
  spec_appendf(buf, cap, "\"");
}

/* A one-line description of the command for failure reports:
 * `assert_return invoke $M.f(i32:1, f64:4607182418800017408)` or
 * `assert_invalid linking.3.wasm`. */
static void spec_describe(sj_value *cmd, char *buf, size_t cap) {
  buf[0] = '\0';
  const char *type = sj_str(sj_get(cmd, "type"));
  spec_appendf(buf, cap, "%s", type ? type : "?");
  sj_value *action = sj_get(cmd, "action");
  if (action) {
    const char *atype = sj_str(sj_get(action, "type"));
    const char *module = sj_str(sj_get(action, "module"));
    spec_appendf(buf, cap, " %s %s%s", atype ? atype : "?", module ? module : "",
                 module ? "." : "");
    spec_append_name(buf, cap, sj_get(action, "field"));
    sj_value *args = sj_get(action, "args");
    if (args) {
      spec_appendf(buf, cap, "(");
      for (size_t i = 0; i < sj_len(args); i++) {
        sj_value *a = sj_at(args, i);
        const char *t = sj_str(sj_get(a, "type"));
        const char *v = sj_str(sj_get(a, "value"));
        spec_appendf(buf, cap, "%s%s:%s", i ? ", " : "", t ? t : "?", v ? v : "[...]");
      }
      spec_appendf(buf, cap, ")");
    }
    return;
  }
  const char *filename = sj_str(sj_get(cmd, "filename"));
  const char *name = sj_str(sj_get(cmd, "name"));
  const char *as = sj_str(sj_get(cmd, "as"));
  if (filename) spec_appendf(buf, cap, " %s", filename);
  if (name) spec_appendf(buf, cap, " %s", name);
  if (as) spec_appendf(buf, cap, " as \"%s\"", as);
}

static void spec_run_command(spec_file_run *run, sj_value *cmd, spec_outcome *o) {
  const char *type = sj_str(sj_get(cmd, "type"));
  if (!type) {
    spec_fail(o, "command without type");
  } else if (strcmp(type, "module") == 0) {
    spec_cmd_module(run, cmd, o);
  } else if (strcmp(type, "register") == 0) {
    spec_cmd_register(run, cmd, o);
  } else if (strcmp(type, "action") == 0) {
    spec_cmd_action(run, cmd, o);
  } else if (strcmp(type, "assert_return") == 0) {
    spec_cmd_assert_return(run, cmd, o);
  } else if (strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0) {
    spec_cmd_assert_trap(run, cmd, o);
  } else if (strcmp(type, "assert_invalid") == 0) {
    spec_cmd_assert_load_fails(run, cmd, TEA_ERR_INVALID, o);
  } else if (strcmp(type, "assert_malformed") == 0) {
    spec_cmd_assert_load_fails(run, cmd, TEA_ERR_MALFORMED, o);
  } else if (strcmp(type, "assert_unlinkable") == 0) {
    spec_cmd_assert_inst_fails(run, cmd, TEA_ERR_LINK, o);
  } else if (strcmp(type, "assert_uninstantiable") == 0) {
    spec_cmd_assert_inst_fails(run, cmd, TEA_ERR_TRAP, o);
  } else {
    spec_fail(o, "unknown command type \"%s\"", type);
  }
}

/* Books one outcome: known list, counts, and the --verbose report. */
static void spec_record(spec_file_run *run, sj_value *cmd, long line, const spec_outcome *o) {
  const spec_options *opts = run->opts;
  const spec_known_entry *known = spec_known_find(&opts->known, run->name, line);
  char desc[SPEC_REASON_MAX];
  desc[0] = '\0';
  if (opts->verbose || (known && known->line)) spec_describe(cmd, desc, sizeof desc);
  switch (o->status) {
  case SPEC_SKIP: run->counts.skipped++; break;
  case SPEC_PASS:
    run->counts.passed++;
    /* Only a line entry is reported here; a whole-file entry is judged when
     * the file ends (one passing command says little about the file). */
    if (known && known->line)
      printf("%s:%ld: now passes, remove from known list (%s:%ld): %s\n", run->name, line,
             opts->known.path, known->source_line, desc);
    break;
  case SPEC_FAIL:
    if (known) {
      run->counts.expected++;
    } else {
      run->counts.failed++;
      if (opts->verbose) printf("%s:%ld: FAIL %s: %s\n", run->name, line, desc, o->reason);
    }
    break;
  }
  if (o->msg_mismatch) run->counts.msg_mismatch++;
  if (o->code_mismatch) run->counts.code_mismatch++;
  if ((o->msg_mismatch || o->code_mismatch) && opts->verbose)
    printf("%s:%ld: %s: %s\n", run->name, line, desc, o->note);
}

static void spec_file_run_free(spec_file_run *run) {
  /* The linker may hold registered instances' exports: it goes first; the
   * store owns the instances; modules last, as instances point into them. */
  if (run->linker) tea_wasm_linker_free(run->linker);
  if (run->store) tea_wasm_store_free(run->store);
  for (size_t i = 0; i < run->nmodules; i++) tea_wasm_module_free(run->modules[i]);
  free(run->modules);
  for (size_t i = 0; i < run->nnamed; i++) free(run->named[i].name);
  free(run->named);
  free(run->dir);
  free(run->name);
}

/* Runs one .json file; fills *counts. Never exits early on a failure: every
 * command gets its verdict. */
static void spec_run_file(const spec_options *opts, const char *path, spec_counts *counts,
                          char **name_out) {
  spec_file_run run;
  memset(&run, 0, sizeof run);
  run.opts = opts;
  run.path = path;
  run.name = spec_file_stem(path);
  run.config.deterministic = opts->deterministic;
  const char *slash = strrchr(path, '/');
  if (slash) {
    size_t n = (size_t)(slash - path);
    run.dir = spec_xrealloc(NULL, n + 1);
    memcpy(run.dir, path, n);
    run.dir[n] = '\0';
  } else {
    run.dir = spec_xstrdup(".");
  }

  spec_alarm_file = run.name;
  spec_alarm_line = 0;
  alarm(opts->timeout);

  char jwhy[160];
  int jline;
  sj_value *root = sj_load_file(path, jwhy, sizeof jwhy, &jline);
  sj_value *commands = sj_get(root, "commands");
  if (!sj_is_array(commands)) {
    printf("%s: cannot read %s: %s (line %d)\n", run.name, path,
           root ? "no \"commands\" array" : jwhy, root ? 0 : jline);
    run.counts.failed++;
    goto done;
  }

  tea_error err;
  spec_error_reset(&err);
  tea_wasm_limits limits;
  memset(&limits, 0, sizeof limits);
  limits.max_call_depth = SPEC_CALL_DEPTH;
  limits.track_writes = opts->track_writes;
  tea_code code = tea_wasm_store_new(&limits, &run.store, &err);
  if (code == TEA_OK) code = tea_wasm_linker_new(&run.linker, &err);
  if (code == TEA_OK) code = spec_define_spectest(run.linker, run.store, &err);
  if (code != TEA_OK) {
    /* Without a store nothing can run: every command fails, and says why. */
    printf("%s: setting up the store/spectest failed: %s: %s\n", run.name, spec_code_str(code),
           err.msg);
    run.setup_failed = true;
  }

  for (size_t index = 0; index < sj_len(commands); index++) {
    sj_value *cmd = sj_at(commands, index);
    long line = (long)sj_int(sj_get(cmd, "line"));
    spec_alarm_line = line;
    spec_outcome o;
    memset(&o, 0, sizeof o);
    if (run.setup_failed)
      spec_fail(&o, "store setup failed");
    else
      spec_run_command(&run, cmd, &o);
    spec_record(&run, cmd, line, &o);
  }

  /* A whole-file known entry whose file now fails nowhere is stale. */
  const spec_known_entry *whole = spec_known_find(&opts->known, run.name, 0);
  if (whole && whole->line == 0 && run.counts.expected == 0 && run.counts.failed == 0)
    printf("%s: every command now passes, remove \"%s:*\" from known list (%s:%ld)\n", run.name,
           whole->pattern, opts->known.path, whole->source_line);

done:
  alarm(0);
  spec_alarm_file = NULL;
  sj_free(root);
  *counts = run.counts;
  *name_out = run.name;
  run.name = NULL;
  spec_file_run_free(&run);
}

/* ---- arguments to files --------------------------------------------------- */

typedef struct spec_paths {
  char **items;
  size_t count, cap;
} spec_paths;

static void spec_paths_push(spec_paths *p, char *path) {
  if (p->count == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 64;
    p->items = spec_xrealloc(p->items, p->cap * sizeof *p->items);
  }
  p->items[p->count++] = path;
}

static char *spec_join(const char *a, const char *b, const char *c) {
  size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
  char *s = spec_xrealloc(NULL, n);
  snprintf(s, n, "%s%s%s", a, b, c);
  return s;
}

static bool spec_is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int spec_path_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A .json file; a folder NAME holding NAME.json; or a suite folder whose
 * subfolders are such (plus any .json directly in it). Sorted, so runs and
 * their output are reproducible. */
static bool spec_collect(const char *arg, spec_paths *out) {
  struct stat st;
  if (stat(arg, &st) != 0) {
    fprintf(stderr, "spec_run: %s: %s\n", arg, strerror(errno));
    return false;
  }
  if (S_ISREG(st.st_mode)) {
    spec_paths_push(out, spec_xstrdup(arg));
    return true;
  }
  if (!S_ISDIR(st.st_mode)) {
    fprintf(stderr, "spec_run: %s: not a file or directory\n", arg);
    return false;
  }
  char *trimmed = spec_xstrdup(arg);
  size_t tn = strlen(trimmed);
  while (tn > 1 && trimmed[tn - 1] == '/') trimmed[--tn] = '\0';
  char *stem = spec_file_stem(trimmed);
  char *own = spec_join(trimmed, "/", stem);
  char *own_json = spec_join(own, ".json", "");
  free(own);
  free(stem);
  if (spec_is_file(own_json)) {
    spec_paths_push(out, own_json);
    free(trimmed);
    return true;
  }
  free(own_json);

  DIR *d = opendir(trimmed);
  if (!d) {
    fprintf(stderr, "spec_run: %s: %s\n", trimmed, strerror(errno));
    free(trimmed);
    return false;
  }
  size_t first = out->count;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    size_t n = strlen(e->d_name);
    char *p = spec_join(trimmed, "/", e->d_name);
    if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0 && spec_is_file(p)) {
      spec_paths_push(out, p);
      continue;
    }
    char *sub = spec_join(p, "/", e->d_name);
    free(p);
    char *sub_json = spec_join(sub, ".json", "");
    free(sub);
    if (spec_is_file(sub_json))
      spec_paths_push(out, sub_json);
    else
      free(sub_json);
  }
  closedir(d);
  qsort(out->items + first, out->count - first, sizeof *out->items, spec_path_cmp);
  bool found = out->count > first;
  if (!found) fprintf(stderr, "spec_run: %s: no .json test files found\n", trimmed);
  free(trimmed);
  return found;
}

/* ---- main ----------------------------------------------------------------- */

static void spec_usage(FILE *f) {
  fputs("usage: spec_run [--verbose] [--deterministic] [--track-writes] [--timeout SECS] [--known FILE] "
        "DIR_OR_JSON...\n"
        "  --verbose        report every failure (file:line, command, reason) and mismatch;\n"
        "                   spectest.print* functions print to stdout\n"
        "  --deterministic  load modules with tea_wasm_config.deterministic (NaN canonicalization)\n"
        "  --track-writes   run with tea_wasm_limits.track_writes (the interpreter that marks\n"
        "                   the pages it writes)\n"
        "  --timeout SECS   per-file time bound before aborting (default 60, or\n"
        "                   $TEA_SPEC_TIMEOUT; raise it under valgrind)\n"
        "  --known FILE     expected failures, FILE:LINE or FILE:* per line (globs allowed)\n",
        f);
}

int main(int argc, char **argv) {
  spec_options opts;
  memset(&opts, 0, sizeof opts);
  opts.timeout = SPEC_DEFAULT_TIMEOUT;
  /* `meson test --wrapper valgrind` cannot change the test's arguments, but
   * it can set the environment: valgrind needs a longer bound. */
  const char *env_timeout = getenv("TEA_SPEC_TIMEOUT");
  if (env_timeout && *env_timeout) {
    char *end = NULL;
    long t = strtol(env_timeout, &end, 10);
    if (*end == '\0' && t > 0 && t <= 86400) opts.timeout = (unsigned)t;
  }
  spec_paths paths = {0};
  bool args_ok = true;
  bool collect_failed = false;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
      opts.verbose = true;
    } else if (strcmp(a, "--deterministic") == 0) {
      opts.deterministic = true;
    } else if (strcmp(a, "--track-writes") == 0) {
      opts.track_writes = true;
    } else if (strcmp(a, "--known") == 0 && i + 1 < argc) {
      if (opts.known.path) {
        fputs("spec_run: --known given twice\n", stderr);
        args_ok = false;
      } else if (!spec_known_load(&opts.known, argv[++i])) {
        args_ok = false;
      }
    } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
      char *end = NULL;
      long t = strtol(argv[++i], &end, 10);
      if (!end || *end || t <= 0 || t > 86400) {
        fprintf(stderr, "spec_run: bad --timeout \"%s\"\n", argv[i]);
        args_ok = false;
      }
      opts.timeout = (unsigned)t;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      spec_usage(stdout);
      free(paths.items);
      spec_known_free(&opts.known);
      return 0;
    } else if (a[0] == '-' && a[1] == '-') {
      fprintf(stderr, "spec_run: unknown option %s\n", a);
      args_ok = false;
    } else if (!spec_collect(a, &paths)) {
      collect_failed = true;
    }
  }
  if (!args_ok || (paths.count == 0 && !collect_failed)) {
    if (args_ok) spec_usage(stderr);
    for (size_t i = 0; i < paths.count; i++) free(paths.items[i]);
    free(paths.items);
    spec_known_free(&opts.known);
    return 2;
  }
  spec_host_verbose = opts.verbose;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = spec_on_alarm;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);

  /* Failure lines from --verbose and the summary share stdout; keep them in
   * order with anything the engine might write to stderr. */
  setvbuf(stdout, NULL, _IOLBF, 0);

  spec_counts total = {0};
  spec_features features = {0};
  for (size_t i = 0; i < paths.count; i++) {
    spec_counts c;
    char *name = NULL;
    spec_run_file(&opts, paths.items[i], &c, &name);
    spec_print_counts(name, &c);
    spec_counts_add(&total, &c);
    spec_features_add(&features, name, &c);
    free(name);
    free(paths.items[i]);
  }
  free(paths.items);
  if (collect_failed) total.failed++; /* a named input that was not there */

  if (features.count > 1) {
    qsort(features.items, features.count, sizeof *features.items, spec_feature_cmp);
    for (size_t i = 0; i < features.count; i++) {
      char label[128];
      snprintf(label, sizeof label, "feature %s (%zu file%s)", features.items[i].name,
               features.items[i].files, features.items[i].files == 1 ? "" : "s");
      spec_print_counts(label, &features.items[i].counts);
      free(features.items[i].name);
    }
  } else if (features.count == 1) {
    free(features.items[0].name);
  }
  free(features.items);

  spec_print_counts("total", &total);
  printf("spec: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " expected failures, %" PRIu64
         " skipped\n",
         total.passed, total.failed, total.expected, total.skipped);
  spec_known_free(&opts.known);
  return total.failed == 0 ? 0 : 1;
}
