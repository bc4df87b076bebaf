/* JSON: generates documents (nested objects and arrays, strings with escapes and
 * UTF-8, integers, decimals with exponents, literals) with irregular whitespace,
 * parses them into a tree (one node array plus a string pool), prints the tree
 * compactly, parses and prints that again and checks the two compact texts agree.
 * Numbers are kept exactly (sign, integer digits, fraction digits, exponent), never
 * as floating point. The checksum covers the compact text and a walk of the tree. */
#include "common.h"

/* ---------- growable byte buffer ---------- */
typedef struct {
  char *p;
  size_t n, cap;
} buf_t;

static void buf_reserve(buf_t *b, size_t extra) {
  if (b->n + extra <= b->cap) return;
  size_t c = b->cap ? b->cap : 4096;
  while (c < b->n + extra) c *= 2;
  char *np = realloc(b->p, c);
  if (!np) bench_fail("out of memory");
  b->p = np;
  b->cap = c;
}
static inline void buf_putc(buf_t *b, char c) {
  buf_reserve(b, 1);
  b->p[b->n++] = c;
}
static void buf_put(buf_t *b, const char *s, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->n, s, n);
  b->n += n;
}
static void buf_puts(buf_t *b, const char *s) { buf_put(b, s, strlen(s)); }
static void buf_putu(buf_t *b, uint64_t v) {
  char tmp[24];
  int k = 0;
  do {
    tmp[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  buf_reserve(b, (size_t)k);
  while (k) b->p[b->n++] = tmp[--k];
}

/* ---------- tree ---------- */
enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct {
  uint8_t type;
  uint8_t neg, has_frac, has_exp;
  uint32_t next;     /* next sibling, 0 = none (node 0 is never a child) */
  uint32_t child;    /* first child for arrays/objects */
  uint32_t key, klen; /* object member key in the string pool */
  uint32_t str, slen; /* string value in the pool */
  uint64_t ipart, fpart;
  uint32_t fdigits;
  int32_t exp;
} jnode;

typedef struct {
  jnode *nodes;
  size_t n, cap;
  buf_t pool;
  const char *s, *end;
  const char *err;
  int depth;
} parser;

static uint32_t new_node(parser *P, uint8_t type) {
  if (P->n == P->cap) {
    P->cap = P->cap ? P->cap * 2 : 1024;
    jnode *nn = realloc(P->nodes, P->cap * sizeof(jnode));
    if (!nn) bench_fail("out of memory");
    P->nodes = nn;
  }
  memset(&P->nodes[P->n], 0, sizeof(jnode));
  P->nodes[P->n].type = type;
  return (uint32_t)P->n++;
}

static void skip_ws(parser *P) {
  while (P->s < P->end && (*P->s == ' ' || *P->s == '\n' || *P->s == '\t' || *P->s == '\r'))
    P->s++;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void put_utf8(buf_t *b, uint32_t cp) {
  if (cp < 0x80) {
    buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    buf_putc(b, (char)(0xc0 | cp >> 6));
    buf_putc(b, (char)(0x80 | (cp & 0x3f)));
  } else {
    buf_putc(b, (char)(0xe0 | cp >> 12));
    buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
    buf_putc(b, (char)(0x80 | (cp & 0x3f)));
  }
}

/* Parses a string at P->s (at the opening quote) into the pool. */
static int parse_string(parser *P, uint32_t *off, uint32_t *len) {
  P->s++;
  *off = (uint32_t)P->pool.n;
  while (P->s < P->end) {
    char c = *P->s++;
    if (c == '"') {
      *len = (uint32_t)(P->pool.n - *off);
      return 1;
    }
    if ((unsigned char)c < 0x20) break;
    if (c != '\\') {
      buf_putc(&P->pool, c);
      continue;
    }
    if (P->s >= P->end) break;
    c = *P->s++;
    switch (c) {
    case '"': buf_putc(&P->pool, '"'); break;
    case '\\': buf_putc(&P->pool, '\\'); break;
    case '/': buf_putc(&P->pool, '/'); break;
    case 'b': buf_putc(&P->pool, '\b'); break;
    case 'f': buf_putc(&P->pool, '\f'); break;
    case 'n': buf_putc(&P->pool, '\n'); break;
    case 'r': buf_putc(&P->pool, '\r'); break;
    case 't': buf_putc(&P->pool, '\t'); break;
    case 'u': {
      if (P->end - P->s < 4) goto bad;
      uint32_t cp = 0;
      for (int i = 0; i < 4; i++) {
        int h = hexval(P->s[i]);
        if (h < 0) goto bad;
        cp = cp << 4 | (uint32_t)h;
      }
      P->s += 4;
      if (cp >= 0xd800 && cp < 0xe000) goto bad; /* surrogates not generated */
      put_utf8(&P->pool, cp);
      break;
    }
    default:
      goto bad;
    }
  }
bad:
  P->err = "bad string";
  return 0;
}

static uint64_t parse_digits(parser *P, uint32_t *count) {
  uint64_t v = 0;
  uint32_t k = 0;
  while (P->s < P->end && *P->s >= '0' && *P->s <= '9') {
    v = v * 10 + (uint64_t)(*P->s - '0');
    P->s++;
    k++;
  }
  *count = k;
  return v;
}

static uint32_t parse_value(parser *P);

static uint32_t parse_number(parser *P) {
  uint32_t id = new_node(P, J_NUM);
  jnode nd;
  memset(&nd, 0, sizeof nd);
  nd.type = J_NUM;
  if (*P->s == '-') {
    nd.neg = 1;
    P->s++;
  }
  uint32_t k;
  nd.ipart = parse_digits(P, &k);
  if (k == 0 || k > 18) goto bad;
  if (P->s < P->end && *P->s == '.') {
    P->s++;
    nd.has_frac = 1;
    nd.fpart = parse_digits(P, &nd.fdigits);
    if (nd.fdigits == 0 || nd.fdigits > 18) goto bad;
  }
  if (P->s < P->end && (*P->s == 'e' || *P->s == 'E')) {
    P->s++;
    nd.has_exp = 1;
    int eneg = 0;
    if (P->s < P->end && (*P->s == '-' || *P->s == '+')) eneg = *P->s++ == '-';
    uint64_t e = parse_digits(P, &k);
    if (k == 0 || k > 6) goto bad;
    nd.exp = eneg ? -(int32_t)e : (int32_t)e;
  }
  P->nodes[id] = nd;
  return id;
bad:
  P->err = "bad number";
  return 0;
}

static int expect_lit(parser *P, const char *lit) {
  size_t l = strlen(lit);
  if ((size_t)(P->end - P->s) < l || memcmp(P->s, lit, l) != 0) {
    P->err = "bad literal";
    return 0;
  }
  P->s += l;
  return 1;
}

static uint32_t parse_value(parser *P) {
  skip_ws(P);
  if (P->s >= P->end) {
    P->err = "unexpected end";
    return 0;
  }
  char c = *P->s;
  if (c == '{' || c == '[') {
    if (++P->depth > 200) {
      P->err = "too deep";
      return 0;
    }
    int obj = c == '{';
    char close = obj ? '}' : ']';
    uint32_t id = new_node(P, obj ? J_OBJ : J_ARR);
    P->s++;
    skip_ws(P);
    uint32_t last = 0;
    if (P->s < P->end && *P->s == close) {
      P->s++;
      P->depth--;
      return id;
    }
    for (;;) {
      uint32_t key = 0, klen = 0;
      if (obj) {
        skip_ws(P);
        if (P->s >= P->end || *P->s != '"') {
          P->err = "expected key";
          return 0;
        }
        if (!parse_string(P, &key, &klen)) return 0;
        skip_ws(P);
        if (P->s >= P->end || *P->s != ':') {
          P->err = "expected colon";
          return 0;
        }
        P->s++;
      }
      uint32_t v = parse_value(P);
      if (P->err) return 0;
      P->nodes[v].key = key;
      P->nodes[v].klen = klen;
      if (last) P->nodes[last].next = v;
      else P->nodes[id].child = v;
      last = v;
      skip_ws(P);
      if (P->s < P->end && *P->s == ',') {
        P->s++;
        continue;
      }
      if (P->s < P->end && *P->s == close) {
        P->s++;
        break;
      }
      P->err = "expected comma or close";
      return 0;
    }
    P->depth--;
    return id;
  }
  if (c == '"') {
    uint32_t id = new_node(P, J_STR);
    uint32_t off, len;
    if (!parse_string(P, &off, &len)) return 0;
    P->nodes[id].str = off;
    P->nodes[id].slen = len;
    return id;
  }
  if (c == '-' || (c >= '0' && c <= '9')) return parse_number(P);
  if (c == 't') return expect_lit(P, "true") ? new_node(P, J_TRUE) : 0;
  if (c == 'f') return expect_lit(P, "false") ? new_node(P, J_FALSE) : 0;
  if (c == 'n') return expect_lit(P, "null") ? new_node(P, J_NULL) : 0;
  P->err = "unexpected character";
  return 0;
}

/* Parses text; the root is node 1 (node 0 is a sentinel). */
static void parse(parser *P, const char *text, size_t n) {
  P->n = 0;
  P->pool.n = 0;
  P->s = text;
  P->end = text + n;
  P->err = NULL;
  P->depth = 0;
  new_node(P, J_NULL); /* sentinel */
  parse_value(P);
  skip_ws(P);
  if (!P->err && P->s != P->end) P->err = "trailing characters";
  if (P->err) bench_fail(P->err);
}

/* ---------- printer ---------- */
static void print_string(buf_t *o, const char *s, size_t n) {
  static const char hexd[] = "0123456789abcdef";
  buf_putc(o, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"') buf_put(o, "\\\"", 2);
    else if (c == '\\') buf_put(o, "\\\\", 2);
    else if (c == '\n') buf_put(o, "\\n", 2);
    else if (c == '\t') buf_put(o, "\\t", 2);
    else if (c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
      buf_put(o, e, 6);
    } else buf_putc(o, (char)c);
  }
  buf_putc(o, '"');
}

static void print_node(const parser *P, uint32_t id, buf_t *o) {
  const jnode *nd = &P->nodes[id];
  switch (nd->type) {
  case J_NULL: buf_puts(o, "null"); break;
  case J_TRUE: buf_puts(o, "true"); break;
  case J_FALSE: buf_puts(o, "false"); break;
  case J_NUM:
    if (nd->neg) buf_putc(o, '-');
    buf_putu(o, nd->ipart);
    if (nd->has_frac) {
      char d[20];
      uint64_t f = nd->fpart;
      for (uint32_t i = nd->fdigits; i > 0; i--) {
        d[i - 1] = (char)('0' + f % 10);
        f /= 10;
      }
      buf_putc(o, '.');
      buf_put(o, d, nd->fdigits);
    }
    if (nd->has_exp) {
      buf_putc(o, 'e');
      if (nd->exp < 0) buf_putc(o, '-');
      buf_putu(o, (uint64_t)(nd->exp < 0 ? -(int64_t)nd->exp : nd->exp));
    }
    break;
  case J_STR: print_string(o, P->pool.p + nd->str, nd->slen); break;
  case J_ARR:
  case J_OBJ: {
    int obj = nd->type == J_OBJ;
    buf_putc(o, obj ? '{' : '[');
    for (uint32_t c = nd->child; c; c = P->nodes[c].next) {
      if (c != nd->child) buf_putc(o, ',');
      if (obj) {
        print_string(o, P->pool.p + P->nodes[c].key, P->nodes[c].klen);
        buf_putc(o, ':');
      }
      print_node(P, c, o);
    }
    buf_putc(o, obj ? '}' : ']');
    break;
  }
  }
}

/* ---------- tree walk for the checksum ---------- */
typedef struct {
  uint64_t ints, keys_hash, strs_hash, counts[7];
  int max_depth;
} stats_t;

static void walk(const parser *P, uint32_t id, int depth, stats_t *st) {
  const jnode *nd = &P->nodes[id];
  st->counts[nd->type]++;
  if (depth > st->max_depth) st->max_depth = depth;
  if (nd->klen) st->keys_hash = fnv1a64(P->pool.p + nd->key, nd->klen, st->keys_hash);
  if (nd->type == J_NUM)
    st->ints += (nd->neg ? (uint64_t)0 - nd->ipart : nd->ipart) ^ nd->fpart ^ (uint64_t)nd->exp;
  if (nd->type == J_STR) st->strs_hash = fnv1a64(P->pool.p + nd->str, nd->slen, st->strs_hash);
  for (uint32_t c = nd->child; c; c = P->nodes[c].next) walk(P, c, depth + 1, st);
}

/* ---------- generator ---------- */
static void gen_ws(buf_t *o) {
  switch (rng_below(8)) {
  case 0: buf_putc(o, ' '); break;
  case 1: buf_puts(o, "\n  "); break;
  case 2: buf_putc(o, '\t'); break;
  default: break;
  }
}

static void gen_string(buf_t *o, int key) {
  static const char *const parts[] = {"id", "name", "value", "items", "tag", "created",
                                      "owner", "size", "hash", "node", "é", "→",
                                      "\\\"q\\\"", "\\n", "\\t", "\\u0001"};
  buf_putc(o, '"');
  int n = 1 + (int)rng_below(key ? 2 : 5);
  for (int i = 0; i < n; i++) {
    uint32_t r = rng_below(key ? 10 : 16);
    buf_puts(o, parts[r]);
    if (!key && rng_below(3) == 0) buf_putu(o, rng_below(1000));
  }
  if (key) buf_putu(o, rng_below(20));
  buf_putc(o, '"');
}

static void gen_number(buf_t *o) {
  if (rng_below(3) == 0) buf_putc(o, '-');
  uint32_t kind = rng_below(4);
  buf_putu(o, kind == 0 ? rng_next() >> 12 : rng_below(100000));
  if (kind == 1) {
    buf_putc(o, '.');
    int fd = 1 + (int)rng_below(6);
    for (int i = 0; i < fd; i++) buf_putc(o, (char)('0' + rng_below(10)));
  } else if (kind == 2) {
    buf_putc(o, '.');
    buf_putc(o, (char)('0' + rng_below(10)));
    buf_putc(o, 'e');
    if (rng_below(2)) buf_putc(o, '-');
    buf_putu(o, 1 + rng_below(300));
  }
}

static void gen_value(buf_t *o, int depth) {
  uint32_t r = rng_below(depth < 5 ? 10 : 6);
  gen_ws(o);
  if (r < 2) gen_number(o);
  else if (r < 4) gen_string(o, 0);
  else if (r == 4) buf_puts(o, rng_below(2) ? "true" : "false");
  else if (r == 5) buf_puts(o, "null");
  else if (r < 8) {
    buf_putc(o, '[');
    int n = (int)rng_below(6);
    for (int i = 0; i < n; i++) {
      if (i) buf_putc(o, ',');
      gen_value(o, depth + 1);
    }
    gen_ws(o);
    buf_putc(o, ']');
  } else {
    buf_putc(o, '{');
    int n = (int)rng_below(7);
    for (int i = 0; i < n; i++) {
      if (i) buf_putc(o, ',');
      gen_ws(o);
      gen_string(o, 1);
      gen_ws(o);
      buf_putc(o, ':');
      gen_value(o, depth + 1);
    }
    gen_ws(o);
    buf_putc(o, '}');
  }
  gen_ws(o);
}

int main(int argc, char **argv) {
  int docs = bench_scale(argc, argv, 250);
  buf_t doc = {0}, out1 = {0}, out2 = {0};
  parser P;
  memset(&P, 0, sizeof P);
  stats_t st;
  memset(&st, 0, sizeof st);
  uint64_t h = FNV64_INIT, bytes = 0;
  rng_seed(1234);
  for (int d = 0; d < docs; d++) {
    doc.n = 0;
    buf_putc(&doc, '[');
    for (int i = 0; i < 200; i++) {
      if (i) buf_putc(&doc, ',');
      buf_putc(&doc, '{');
      gen_string(&doc, 1);
      buf_putc(&doc, ':');
      gen_value(&doc, 1);
      buf_puts(&doc, ",\"seq\":");
      buf_putu(&doc, (uint64_t)d * 1000 + (uint64_t)i);
      buf_putc(&doc, '}');
    }
    buf_putc(&doc, ']');
    bytes += doc.n;
    parse(&P, doc.p, doc.n);
    out1.n = 0;
    print_node(&P, 1, &out1);
    walk(&P, 1, 0, &st);
    parse(&P, out1.p, out1.n);
    out2.n = 0;
    print_node(&P, 1, &out2);
    if (out1.n != out2.n || memcmp(out1.p, out2.p, out1.n) != 0) bench_fail("print/parse round trip");
    h = fnv1a64(out2.p, out2.n, h);
  }
  uint64_t nodes = 0;
  for (int i = 0; i < 7; i++) nodes += st.counts[i];
  printf("json docs=%d bytes=%" PRIu64 " nodes=%" PRIu64 " depth=%d ints=%016" PRIx64
         " keys=%016" PRIx64 " strs=%016" PRIx64 " text=%016" PRIx64 "\n",
         docs, bytes, nodes, st.max_depth, st.ints, st.keys_hash, st.strs_hash, h);
  free(doc.p); free(out1.p); free(out2.p); free(P.nodes); free(P.pool.p);
  return 0;
}
