/* The module decoder: the WebAssembly 2.0 binary format into struct
 * tea_wasm_module, plus module-level validation. Function bodies are only
 * delimited here; tea_compile_function decodes and validates them.
 *
 * Error reporting mirrors the spec's reference interpreter so that the spec
 * suite's expected messages appear in ours:
 *  - reads are bounded by the end of the file, not of the section; a section
 *    that reads past its declared size fails afterwards with "section size
 *    mismatch" (this is what makes e.g. a length read from the next section
 *    fail as "length out of bounds", as the suite expects);
 *  - a length or count may not exceed the bytes left in the file, counted
 *    from where its LEB128 starts ("length out of bounds");
 *  - all malformations win over validation errors: the first validation
 *    error is remembered and decoding goes on, so a later malformation is
 *    still reported as such. Code after a remembered validation error must
 *    therefore tolerate out-of-range indices. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/module.h"

enum {
  SEC_CUSTOM, SEC_TYPE, SEC_IMPORT, SEC_FUNCTION, SEC_TABLE, SEC_MEMORY, SEC_GLOBAL,
  SEC_EXPORT, SEC_START, SEC_ELEMENT, SEC_CODE, SEC_DATA, SEC_DATACOUNT, SEC_COUNT
};

static const char *const sec_names[SEC_COUNT] = {
    "custom", "type",  "import",  "function", "table", "memory",   "global",
    "export", "start", "element", "code",     "data",  "datacount"};

/* Position of each section id in the required order; datacount (12) sits
 * between element (9) and code (10). */
static const int sec_rank[SEC_COUNT] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

typedef struct D {
  const uint8_t *b;
  size_t len, pos;
  const char *sec;
  tea_error *err;
  tea_wasm_module *m;
  bool has_inv;
  tea_error inv; /* the first validation error, reported if nothing is malformed */
  /* capacities of the arrays that grow as entries are decoded */
  size_t cap_types, cap_imports, cap_func_types, cap_funcs, cap_tables, cap_mems,
      cap_gtypes, cap_globals, cap_exports, cap_elems, cap_datas, cap_customs;
  bool has_code;
  uint32_t ncode;
} D;

/* ---- errors ------------------------------------------------------------ */

static bool vreport(D *d, tea_error *err, tea_code code, size_t off, const char *fmt,
                    va_list ap) {
  char reason[192];
  vsnprintf(reason, sizeof reason, fmt, ap);
  tea_fail(err, code, "section %s, offset %zu: %s", d->sec, off, reason);
  return false;
}

__attribute__((format(printf, 3, 4))) static bool fail(D *d, size_t off, const char *fmt,
                                                       ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(d, d->err, TEA_ERR_MALFORMED, off, fmt, ap);
  va_end(ap);
  return false;
}

/* Remembers a validation error; decoding continues. */
__attribute__((format(printf, 3, 4))) static void invalid(D *d, size_t off, const char *fmt,
                                                          ...) {
  if (d->has_inv) return;
  d->has_inv = true;
  va_list ap;
  va_start(ap, fmt);
  vreport(d, &d->inv, TEA_ERR_INVALID, off, fmt, ap);
  va_end(ap);
}

/* A validation error after which the rest cannot be decoded (e.g. a
 * non-constant instruction whose length we do not know). */
__attribute__((format(printf, 3, 4))) static bool invalid_stop(D *d, size_t off,
                                                               const char *fmt, ...) {
  if (!d->has_inv) {
    d->has_inv = true;
    va_list ap;
    va_start(ap, fmt);
    vreport(d, &d->inv, TEA_ERR_INVALID, off, fmt, ap);
    va_end(ap);
  }
  if (d->err) *d->err = d->inv;
  return false;
}

static bool nomem(D *d) {
  tea_fail(d->err, TEA_ERR_NOMEM, "section %s, offset %zu: out of memory", d->sec, d->pos);
  return false;
}

static bool eof(D *d) { return fail(d, d->pos, "unexpected end of section or function"); }

/* Grows the array *arrp (elements of sz bytes) to hold need elements, zeroing
 * new ones. Growing by doubling keeps memory proportional to what was
 * actually decoded, whatever count a (hostile) module declares. */
static bool reserve(D *d, void *arrp, size_t *cap, size_t need, size_t sz) {
  if (need <= *cap) return true;
  void *old;
  memcpy(&old, arrp, sizeof old);
  size_t ncap = *cap ? *cap * 2 : 4;
  if (ncap < need) ncap = need;
  if (ncap > SIZE_MAX / sz) return nomem(d);
  void *p = realloc(old, ncap * sz);
  if (!p) return nomem(d);
  memset((char *)p + *cap * sz, 0, (ncap - *cap) * sz);
  memcpy(arrp, &p, sizeof p);
  *cap = ncap;
  return true;
}

/* ---- primitive readers --------------------------------------------------- */

/* Outputs are set even on failure: gcc -O2 cannot see that callers never
 * read them then, and warns. */
static bool u8(D *d, uint8_t *out) {
  *out = 0;
  if (d->pos >= d->len) return eof(d);
  *out = d->b[d->pos++];
  return true;
}

static bool take(D *d, size_t n, const uint8_t **out) {
  *out = NULL;
  if (n > d->len - d->pos) return eof(d);
  *out = d->b + d->pos;
  d->pos += n;
  return true;
}

/* LEB128 of at most ceil(bits/7) bytes. In the last byte, the bits beyond
 * `bits` must be zero (unsigned) or copies of the sign bit (signed). */
static bool leb(D *d, unsigned bits, bool sign, uint64_t *out) {
  size_t start = d->pos;
  unsigned maxbytes = (bits + 6) / 7;
  uint64_t v = 0;
  *out = 0;
  for (unsigned i = 0;; i++) {
    uint8_t byte;
    if (!u8(d, &byte)) return false;
    unsigned shift = 7 * i;
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (i == maxbytes - 1) {
      if (byte & 0x80) return fail(d, start, "integer representation too long");
      unsigned used = bits - shift; /* payload bits in this byte, 1..7 */
      if (sign) {
        uint8_t mask = (uint8_t)((0x7fu >> (used - 1)) << (used - 1));
        if ((byte & mask) != 0 && (byte & mask) != mask)
          return fail(d, start, "integer too large");
      } else if ((byte & 0x7f) >> used) {
        return fail(d, start, "integer too large");
      }
      if (sign && (byte & (1u << (used - 1))) && bits < 64) v |= ~(uint64_t)0 << bits;
      break;
    }
    if (!(byte & 0x80)) {
      if (sign && (byte & 0x40) && shift + 7 < 64) v |= ~(uint64_t)0 << (shift + 7);
      break;
    }
  }
  if (bits < 64) v &= ((uint64_t)1 << bits) - 1;
  *out = v;
  return true;
}

static bool u32(D *d, uint32_t *out) {
  uint64_t v;
  *out = 0;
  if (!leb(d, 32, false, &v)) return false;
  *out = (uint32_t)v;
  return true;
}

/* A length or vector count: it cannot exceed the bytes left in the file. */
static bool len32(D *d, uint32_t *out) {
  size_t start = d->pos;
  if (!u32(d, out)) return false;
  if (*out > d->len - start) return fail(d, start, "length out of bounds");
  return true;
}

static bool utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t k;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
      k = 1, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      k = 2, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      k = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (n - i - 1 < k) return false;
    for (size_t j = 1; j <= k; j++) {
      uint8_t cc = s[i + j];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += k + 1;
  }
  return true;
}

static bool name(D *d, const uint8_t **p, uint32_t *n) {
  size_t start = d->pos;
  if (!len32(d, n) || !take(d, *n, p)) return false;
  if (!utf8_valid(*p, *n)) return fail(d, start, "malformed UTF-8 encoding");
  return true;
}

static bool name_copy(D *d, char **out) {
  const uint8_t *p;
  uint32_t n;
  if (!name(d, &p, &n)) return false;
  char *s = malloc((size_t)n + 1);
  if (!s) return nomem(d);
  memcpy(s, p, n);
  s[n] = '\0';
  *out = s;
  return true;
}

/* ---- types --------------------------------------------------------------- */

static bool valtype(D *d, tea_valtype *t) {
  size_t at = d->pos;
  uint8_t b;
  if (!u8(d, &b)) return false;
  /* type bytes are one-byte s7 LEB128s: a continuation bit is an overlong
   * encoding rather than an unknown type */
  if (b & 0x80) return fail(d, at, "integer representation too long");
  switch (b) {
  case TEA_WASM_I32: case TEA_WASM_I64: case TEA_WASM_F32: case TEA_WASM_F64:
  case TEA_WASM_FUNCREF: case TEA_WASM_EXTERNREF: case TEA_WASM_V128:
    *t = b;
    return true;
  default: return fail(d, at, "malformed value type");
  }
}

static bool reftype(D *d, tea_valtype *t) {
  size_t at = d->pos;
  uint8_t b;
  if (!u8(d, &b)) return false;
  if (b & 0x80) return fail(d, at, "integer representation too long");
  if (b != TEA_WASM_FUNCREF && b != TEA_WASM_EXTERNREF)
    return fail(d, at, "malformed reference type");
  *t = b;
  return true;
}

static bool limits(D *d, tea_limits *l) {
  size_t at = d->pos;
  uint64_t flags;
  uint32_t v;
  /* The flags are a 1-bit LEB128 (as the reference interpreter reads them),
   * so 0x02 is "integer too large" and 0x81 "integer representation too long". */
  if (!leb(d, 1, false, &flags)) return false;
  if (!u32(d, &v)) return false;
  l->min = v;
  l->has_max = flags == 1;
  l->max = 0;
  if (l->has_max) {
    if (!u32(d, &v)) return false;
    l->max = v;
  }
  if (l->has_max && l->min > l->max)
    invalid(d, at, "size minimum must not be greater than maximum");
  return true;
}

static bool memtype(D *d, tea_limits *l) {
  size_t at = d->pos;
  if (!limits(d, l)) return false;
  if (l->min > TEA_MAX_PAGES || (l->has_max && l->max > TEA_MAX_PAGES))
    invalid(d, at, "memory size must be at most 65536 pages (4GiB)");
  return true;
}

static bool tabletype(D *d, tea_tabletype *t) {
  return reftype(d, &t->elem) && limits(d, &t->limits);
}

static bool globaltype(D *d, tea_globaltype *g) {
  if (!valtype(d, &g->type)) return false;
  size_t at = d->pos;
  uint8_t mut;
  if (!u8(d, &mut)) return false;
  if (mut > 1) return fail(d, at, "malformed mutability");
  g->mutable_ = mut == 1;
  return true;
}

bool tea_functype_equal(const tea_functype *a, const tea_functype *b) {
  if (a == b) return true;
  if (a->nparams != b->nparams || a->nresults != b->nresults) return false;
  size_t n = (size_t)a->nparams + a->nresults;
  return n == 0 || memcmp(a->types, b->types, n) == 0;
}

/* ---- index spaces -------------------------------------------------------- */

static bool push_func(D *d, uint32_t type) {
  tea_wasm_module *m = d->m;
  if (m->nfuncs == UINT32_MAX) return fail(d, d->pos, "too many functions");
  if (!reserve(d, &m->func_types, &d->cap_func_types, (size_t)m->nfuncs + 1,
               sizeof *m->func_types))
    return false;
  m->func_types[m->nfuncs++] = type;
  return true;
}

static bool push_table(D *d, const tea_tabletype *t) {
  tea_wasm_module *m = d->m;
  if (m->ntables == UINT32_MAX) return fail(d, d->pos, "too many tables");
  if (!reserve(d, &m->tables, &d->cap_tables, (size_t)m->ntables + 1, sizeof *m->tables))
    return false;
  m->tables[m->ntables++] = *t;
  return true;
}

static bool push_memory(D *d, const tea_limits *l, size_t at) {
  tea_wasm_module *m = d->m;
  if (m->nmemories >= 1) invalid(d, at, "multiple memories");
  if (m->nmemories == UINT32_MAX) return fail(d, d->pos, "too many memories");
  if (!reserve(d, &m->memories, &d->cap_mems, (size_t)m->nmemories + 1, sizeof *m->memories))
    return false;
  m->memories[m->nmemories++] = *l;
  return true;
}

static bool push_global(D *d, const tea_globaltype *g) {
  tea_wasm_module *m = d->m;
  if (m->nglobals == UINT32_MAX) return fail(d, d->pos, "too many globals");
  if (!reserve(d, &m->global_types, &d->cap_gtypes, (size_t)m->nglobals + 1,
               sizeof *m->global_types))
    return false;
  m->global_types[m->nglobals++] = *g;
  return true;
}

/* Allocated on first use: by then (global section or later) the function
 * index space is complete. */
static bool declare(D *d, uint32_t func) {
  tea_wasm_module *m = d->m;
  if (!m->func_declared) {
    m->func_declared = calloc(m->nfuncs ? m->nfuncs : 1, 1);
    if (!m->func_declared) return nomem(d);
  }
  if (func < m->nfuncs) m->func_declared[func] = 1;
  return true;
}

static bool check_func_index(D *d, uint32_t idx, size_t at) {
  if (idx >= d->m->nfuncs) {
    invalid(d, at, "unknown function %u", idx);
    return true;
  }
  return declare(d, idx);
}

/* ---- constant expressions ------------------------------------------------ */

/* Single-byte opcodes (and prefixes) that WebAssembly 2.0 defines, so that a
 * known but non-constant instruction is "constant expression required"
 * (invalid) and anything else "illegal opcode" (malformed). */
static bool known_opcode(uint8_t op) {
  return op <= 0x05 || (op >= 0x0b && op <= 0x11) || (op >= 0x1a && op <= 0x1c) ||
         (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xc4) ||
         (op >= 0xd0 && op <= 0xd2) || op == 0xfc || op == 0xfd;
}

/* A constant expression producing `expect`. In 2.0, global.get may only name
 * an imported, immutable global (the context holds only imported globals). */
static bool const_expr(D *d, tea_valtype expect, tea_constexpr *out) {
  tea_wasm_module *m = d->m;
  size_t start = d->pos;
  unsigned n = 0;
  memset(out, 0, sizeof *out);
  for (;;) {
    size_t at = d->pos;
    uint8_t op;
    if (!u8(d, &op)) return false;
    if (op == 0x0b) break;
    tea_constexpr c;
    memset(&c, 0, sizeof c);
    uint64_t v;
    const uint8_t *p;
    switch (op) {
    case 0x41:
      if (!leb(d, 32, true, &v)) return false;
      c.op = TEA_CONST_I32, c.type = TEA_WASM_I32, c.bits = (uint32_t)v;
      break;
    case 0x42:
      if (!leb(d, 64, true, &v)) return false;
      c.op = TEA_CONST_I64, c.type = TEA_WASM_I64, c.bits = v;
      break;
    case 0x43:
      if (!take(d, 4, &p)) return false;
      c.op = TEA_CONST_F32, c.type = TEA_WASM_F32;
      c.bits = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
      break;
    case 0x44:
      if (!take(d, 8, &p)) return false;
      c.op = TEA_CONST_F64, c.type = TEA_WASM_F64;
      for (int i = 7; i >= 0; i--) c.bits = c.bits << 8 | p[i];
      break;
    case 0xd0:
      if (!reftype(d, &c.type)) return false;
      c.op = TEA_CONST_REF_NULL;
      break;
    case 0xd2: {
      uint32_t idx;
      if (!u32(d, &idx)) return false;
      c.op = TEA_CONST_REF_FUNC, c.type = TEA_WASM_FUNCREF, c.index = idx;
      if (!check_func_index(d, idx, at)) return false;
      break;
    }
    case 0x23: {
      uint32_t idx;
      if (!u32(d, &idx)) return false;
      c.op = TEA_CONST_GLOBAL_GET, c.index = idx;
      if (idx >= m->nglobal_imports || idx >= m->nglobals) {
        invalid(d, at, "unknown global %u", idx);
      } else {
        c.type = m->global_types[idx].type;
        if (m->global_types[idx].mutable_) invalid(d, at, "constant expression required");
      }
      break;
    }
    case 0xfd: {
      uint32_t sub;
      if (!u32(d, &sub)) return false;
      if (sub != 12) return invalid_stop(d, at, "constant expression required");
      if (!take(d, 16, &p)) return false;
      c.op = TEA_CONST_V128, c.type = TEA_WASM_V128;
      for (int i = 7; i >= 0; i--) c.bits = c.bits << 8 | p[i];
      for (int i = 15; i >= 8; i--) c.bits_hi = c.bits_hi << 8 | p[i];
      break;
    }
    default:
      if (known_opcode(op)) return invalid_stop(d, at, "constant expression required");
      return fail(d, at, "illegal opcode 0x%02x", op);
    }
    if (n++ == 0) *out = c;
  }
  /* Zero or several values on the stack is a type error, as is the wrong
   * type (an unknown global's type is 0 and already reported). */
  if (n != 1 || (out->type && out->type != expect)) invalid(d, start, "type mismatch");
  return true;
}

/* ---- sections ------------------------------------------------------------ */

static bool sec_type(D *d) {
  tea_wasm_module *m = d->m;
  uint32_t count;
  if (!len32(d, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    size_t at = d->pos;
    uint64_t form;
    /* an s7 LEB128, as every type constructor byte */
    if (!leb(d, 7, true, &form)) return false;
    if ((form & 0x7f) != 0x60) return fail(d, at, "malformed function type");
    if (!reserve(d, &m->types, &d->cap_types, (size_t)i + 1, sizeof *m->types)) return false;
    tea_functype *t = &m->types[i];
    m->ntypes = i + 1;
    uint32_t np, nr;
    if (!len32(d, &np)) return false;
    /* np <= bytes left, so this allocation is bounded by the input */
    t->types = malloc((size_t)np + 1);
    if (!t->types) return nomem(d);
    for (uint32_t j = 0; j < np; j++)
      if (!valtype(d, &t->types[j])) return false;
    t->nparams = np;
    if (!len32(d, &nr)) return false;
    tea_valtype *all = realloc(t->types, (size_t)np + nr + 1);
    if (!all) return nomem(d);
    t->types = all;
    for (uint32_t j = 0; j < nr; j++)
      if (!valtype(d, &t->types[np + j])) return false;
    t->nresults = nr;
    t->param_slots = tea_slots_of(t->types, np);
    t->result_slots = tea_slots_of(t->types + np, nr);
  }
  return true;
}

static bool sec_import(D *d) {
  tea_wasm_module *m = d->m;
  uint32_t count;
  if (!len32(d, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    if (!reserve(d, &m->imports, &d->cap_imports, (size_t)i + 1, sizeof *m->imports))
      return false;
    tea_import *im = &m->imports[i];
    m->nimports = i + 1;
    if (!name_copy(d, &im->module) || !name_copy(d, &im->name)) return false;
    size_t at = d->pos;
    uint8_t kind;
    if (!u8(d, &kind)) return false;
    switch (kind) {
    case TEA_WASM_EXTERN_FUNC: {
      size_t tat = d->pos;
      if (!u32(d, &im->func_type)) return false;
      if (im->func_type >= m->ntypes) invalid(d, tat, "unknown type %u", im->func_type);
      if (!push_func(d, im->func_type)) return false;
      m->nfunc_imports++;
      break;
    }
    case TEA_WASM_EXTERN_TABLE:
      if (!tabletype(d, &im->table) || !push_table(d, &im->table)) return false;
      m->ntable_imports++;
      break;
    case TEA_WASM_EXTERN_MEMORY: {
      size_t mat = d->pos;
      if (!memtype(d, &im->memory) || !push_memory(d, &im->memory, mat)) return false;
      m->nmemory_imports++;
      break;
    }
    case TEA_WASM_EXTERN_GLOBAL:
      if (!globaltype(d, &im->global) || !push_global(d, &im->global)) return false;
      m->nglobal_imports++;
      break;
    default: return fail(d, at, "malformed import kind");
    }
    im->kind = (tea_wasm_extern_kind)kind;
  }
  return true;
}

static bool sec_function(D *d) {
  tea_wasm_module *m = d->m;
  uint32_t count;
  if (!len32(d, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    size_t at = d->pos;
    uint32_t type;
    if (!u32(d, &type)) return false;
    if (type >= m->ntypes) invalid(d, at, "unknown type %u", type);
    if (!reserve(d, &m->funcs, &d->cap_funcs, (size_t)i + 1, sizeof *m->funcs)) return false;
    m->funcs[i].type = type;
    if (!push_func(d, type)) return false;
  }
  return true;
}

static bool sec_table(D *d) {
  uint32_t count;
  if (!len32(d, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    tea_tabletype t;
    if (!tabletype(d, &t) || !push_table(d, &t)) return false;
  }
  return true;
}

static bool sec_memory(D *d) {
  uint32_t count;
  if (!len32(d, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    size_t at = d->pos;
    tea_limits l;
    if (!memtype(d, &l) || !push_memory(d, &l, at)) return false;
  }
  return true;
}

static bool sec_global(D *d) {
  tea_wasm_module *m = d->m;
  uint32_t count;
  if (!len32(d, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    if (!reserve(d, &m->globals, &d->cap_globals, (size_t)i + 1, sizeof *m->globals))
      return false;
    tea_global_def *g = &m->globals[i];
    if (!globaltype(d, &g->type)) return false;
    if (!const_expr(d, g->type.type, &g->init)) return false;
    if (!push_global(d, &g->type)) return false;
  }
  return true;
}

typedef struct export_name {
  const uint8_t *p;
  uint32_t n;
  uint32_t off;
} export_name;

static int cmp_export_name(const void *a, const void *b) {
  const export_name *x = a, *y = b;
  if (x->n != y->n) return x->n < y->n ? -1 : 1;
  int c = x->n ? memcmp(x->p, y->p, x->n) : 0;
  if (c) return c;
  return x->off < y->off ? -1 : x->off > y->off;
}

static bool sec_export(D *d) {
  tea_wasm_module *m = d->m;
  uint32_t count;
  if (!len32(d, &count)) return false;
  export_name *names = NULL;
  size_t cap_names = 0;
  bool ok = false;
  for (uint32_t i = 0; i < count; i++) {
    if (!reserve(d, &m->exports, &d->cap_exports, (size_t)i + 1, sizeof *m->exports) ||
        !reserve(d, &names, &cap_names, (size_t)i + 1, sizeof *names))
      goto out;
    tea_export *ex = &m->exports[i];
    m->nexports = i + 1;
    size_t nat = d->pos;
    const uint8_t *p;
    uint32_t n;
    if (!name(d, &p, &n)) goto out;
    names[i] = (export_name){p, n, (uint32_t)nat};
    ex->name = malloc((size_t)n + 1);
    if (!ex->name) {
      nomem(d);
      goto out;
    }
    memcpy(ex->name, p, n);
    ex->name[n] = '\0';
    size_t at = d->pos;
    uint8_t kind;
    if (!u8(d, &kind)) goto out;
    if (kind > TEA_WASM_EXTERN_GLOBAL) {
      fail(d, at, "malformed export kind");
      goto out;
    }
    ex->kind = (tea_wasm_extern_kind)kind;
    size_t iat = d->pos;
    if (!u32(d, &ex->index)) goto out;
    switch (ex->kind) {
    case TEA_WASM_EXTERN_FUNC:
      if (!check_func_index(d, ex->index, iat)) goto out;
      break;
    case TEA_WASM_EXTERN_TABLE:
      if (ex->index >= m->ntables) invalid(d, iat, "unknown table %u", ex->index);
      break;
    case TEA_WASM_EXTERN_MEMORY:
      if (ex->index >= m->nmemories) invalid(d, iat, "unknown memory %u", ex->index);
      break;
    case TEA_WASM_EXTERN_GLOBAL:
      if (ex->index >= m->nglobals) invalid(d, iat, "unknown global %u", ex->index);
      break;
    }
  }
  /* Sorting keeps duplicate detection O(n log n) for modules with many exports. */
  if (count > 1) {
    qsort(names, count, sizeof *names, cmp_export_name);
    for (uint32_t i = 1; i < count; i++)
      if (names[i].n == names[i - 1].n &&
          (names[i].n == 0 || memcmp(names[i].p, names[i - 1].p, names[i].n) == 0)) {
        invalid(d, names[i].off, "duplicate export name");
        break;
      }
  }
  ok = true;
out:
  free(names);
  return ok;
}

static bool sec_start(D *d) {
  tea_wasm_module *m = d->m;
  size_t at = d->pos;
  if (!u32(d, &m->start)) return false;
  m->has_start = true;
  if (m->start >= m->nfuncs) {
    invalid(d, at, "unknown function %u", m->start);
  } else {
    uint32_t t = m->func_types[m->start];
    if (t < m->ntypes && (m->types[t].nparams != 0 || m->types[t].nresults != 0))
      invalid(d, at, "start function");
  }
  return true;
}

static bool sec_element(D *d) {
  tea_wasm_module *m = d->m;
  uint32_t count;
  if (!len32(d, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    if (!reserve(d, &m->elems, &d->cap_elems, (size_t)i + 1, sizeof *m->elems)) return false;
    tea_elem_segment *e = &m->elems[i];
    m->nelems = i + 1;
    size_t at = d->pos;
    uint32_t flags;
    if (!u32(d, &flags)) return false;
    if (flags > 7) return fail(d, at, "malformed elements segment kind");
    /* bit 0: passive or declarative; bit 1: explicit table index (active) or
     * declarative (otherwise); bit 2: items are expressions */
    bool active = !(flags & 1);
    bool exprs = flags & 4;
    e->mode = active ? TEA_SEG_ACTIVE : (flags & 2) ? TEA_SEG_DECLARATIVE : TEA_SEG_PASSIVE;
    e->type = TEA_WASM_FUNCREF;
    size_t tat = d->pos;
    if (active) {
      if ((flags & 2) && !u32(d, &e->table)) return false;
      if (!const_expr(d, TEA_WASM_I32, &e->offset)) return false;
    }
    if (flags & 3) { /* an element kind or reference type is present */
      if (exprs) {
        if (!reftype(d, &e->type)) return false;
      } else {
        size_t kat = d->pos;
        uint8_t kind;
        if (!u8(d, &kind)) return false;
        if (kind != 0x00) return fail(d, kat, "malformed element kind");
      }
    }
    if (active) {
      if (e->table >= m->ntables)
        invalid(d, tat, "unknown table %u", e->table);
      else if (m->tables[e->table].elem != e->type)
        invalid(d, tat, "type mismatch");
    }
    uint32_t n;
    if (!len32(d, &n)) return false;
    size_t cap_items = 0;
    for (uint32_t j = 0; j < n; j++) {
      if (!reserve(d, &e->items, &cap_items, (size_t)j + 1, sizeof *e->items)) return false;
      tea_constexpr *it = &e->items[j];
      e->count = j + 1;
      if (exprs) {
        if (!const_expr(d, e->type, it)) return false;
      } else {
        size_t fat = d->pos;
        uint32_t f;
        if (!u32(d, &f)) return false;
        memset(it, 0, sizeof *it);
        it->op = TEA_CONST_REF_FUNC, it->type = TEA_WASM_FUNCREF, it->index = f;
        if (!check_func_index(d, f, fat)) return false;
      }
    }
  }
  return true;
}

static bool sec_datacount(D *d) {
  tea_wasm_module *m = d->m;
  if (!u32(d, &m->data_count)) return false;
  m->has_data_count = true;
  return true;
}

static bool sec_code(D *d) {
  tea_wasm_module *m = d->m;
  uint32_t count;
  size_t at = d->pos;
  if (!len32(d, &count)) return false;
  if (count != m->nfuncs - m->nfunc_imports)
    return fail(d, at, "function and code section have inconsistent lengths");
  d->has_code = true;
  d->ncode = count;
  for (uint32_t i = 0; i < count; i++) {
    tea_func_def *f = &m->funcs[i];
    uint32_t size;
    if (!len32(d, &size)) return false;
    if (size > d->len - d->pos) return eof(d);
    size_t end = d->pos + size;
    size_t lat = d->pos;
    uint32_t nruns;
    if (!len32(d, &nruns)) return false;
    size_t cap_runs = 0;
    uint64_t total = 0;
    for (uint32_t j = 0; j < nruns; j++) {
      if (!reserve(d, &f->local_runs, &cap_runs, (size_t)j + 1, sizeof *f->local_runs))
        return false;
      tea_local_run *r = &f->local_runs[j];
      f->nlocal_runs = j + 1;
      if (!u32(d, &r->count) || !valtype(d, &r->type)) return false;
      total += r->count;
      if (total > TEA_MAX_FUNC_LOCALS) return fail(d, lat, "too many locals");
    }
    f->nlocals = total;
    if (d->pos > end) return fail(d, lat, "section size mismatch");
    if (d->pos == end) return fail(d, d->pos, "unexpected end of section or function");
    f->body = d->b + d->pos;
    f->body_len = (uint32_t)(end - d->pos);
    f->body_offset = (uint32_t)d->pos;
    d->pos = end;
  }
  return true;
}

static bool sec_data(D *d) {
  tea_wasm_module *m = d->m;
  uint32_t count;
  if (!len32(d, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    if (!reserve(d, &m->datas, &d->cap_datas, (size_t)i + 1, sizeof *m->datas)) return false;
    tea_data_segment *s = &m->datas[i];
    m->ndatas = i + 1;
    size_t at = d->pos;
    uint32_t flags;
    if (!u32(d, &flags)) return false;
    if (flags > 2) return fail(d, at, "malformed data segment kind");
    s->mode = flags == 1 ? TEA_SEG_PASSIVE : TEA_SEG_ACTIVE;
    if (s->mode == TEA_SEG_ACTIVE) {
      size_t mat = d->pos;
      if (flags == 2 && !u32(d, &s->memory)) return false;
      if (!const_expr(d, TEA_WASM_I32, &s->offset)) return false;
      if (s->memory >= m->nmemories) invalid(d, mat, "unknown memory %u", s->memory);
    }
    uint32_t n;
    if (!len32(d, &n) || !take(d, n, &s->bytes)) return false;
    s->len = n;
  }
  return true;
}

static bool sec_custom(D *d, size_t end) {
  tea_wasm_module *m = d->m;
  size_t i = m->ncustoms;
  if (!reserve(d, &m->customs, &d->cap_customs, i + 1, sizeof *m->customs)) return false;
  tea_custom_section *c = &m->customs[i];
  m->ncustoms = (uint32_t)i + 1;
  if (!name_copy(d, &c->name)) return false;
  if (d->pos > end) return fail(d, d->pos, "unexpected end of section or function");
  c->data = d->b + d->pos;
  c->len = (uint32_t)(end - d->pos);
  d->pos = end;
  return true;
}

/* ---- the module ---------------------------------------------------------- */

static bool decode(D *d) {
  tea_wasm_module *m = d->m;
  static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
  static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
  d->sec = "header";
  if (d->len < 4) return fail(d, d->len, "unexpected end");
  if (memcmp(d->b, magic, 4) != 0) return fail(d, 0, "magic header not detected");
  if (d->len < 8) return fail(d, d->len, "unexpected end");
  if (memcmp(d->b + 4, version, 4) != 0) return fail(d, 4, "unknown binary version");
  d->pos = 8;

  int last_rank = 0;
  while (d->pos < d->len) {
    size_t id_at = d->pos;
    uint8_t id = d->b[d->pos++];
    if (id >= SEC_COUNT) {
      d->sec = "unknown";
      return fail(d, id_at, "malformed section id");
    }
    d->sec = sec_names[id];
    if (id != SEC_CUSTOM) {
      if (sec_rank[id] <= last_rank)
        return fail(d, id_at, "unexpected content after last section");
      last_rank = sec_rank[id];
    }
    uint32_t size;
    if (!len32(d, &size)) return false;
    if (size > d->len - d->pos) return eof(d);
    size_t start = d->pos, end = start + size;
    bool ok = false;
    switch (id) {
    case SEC_CUSTOM: ok = sec_custom(d, end); break;
    case SEC_TYPE: ok = sec_type(d); break;
    case SEC_IMPORT: ok = sec_import(d); break;
    case SEC_FUNCTION: ok = sec_function(d); break;
    case SEC_TABLE: ok = sec_table(d); break;
    case SEC_MEMORY: ok = sec_memory(d); break;
    case SEC_GLOBAL: ok = sec_global(d); break;
    case SEC_EXPORT: ok = sec_export(d); break;
    case SEC_START: ok = sec_start(d); break;
    case SEC_ELEMENT: ok = sec_element(d); break;
    case SEC_CODE: ok = sec_code(d); break;
    case SEC_DATA: ok = sec_data(d); break;
    case SEC_DATACOUNT: ok = sec_datacount(d); break;
    }
    if (!ok) return false;
    if (d->pos != end) return fail(d, start, "section size mismatch");
  }

  if (!d->has_code && m->nfuncs != m->nfunc_imports) {
    d->sec = "code";
    return fail(d, d->len, "function and code section have inconsistent lengths");
  }
  if (m->has_data_count && m->data_count != m->ndatas) {
    d->sec = "data";
    return fail(d, d->len, "data count and data section have inconsistent lengths");
  }
  d->sec = "module";
  if (!declare(d, UINT32_MAX)) return false; /* ensure func_declared exists */
  if (d->has_inv) {
    if (d->err) *d->err = d->inv;
    return false;
  }
  return true;
}

tea_code tea_decode_module(const uint8_t *bytes, size_t len, tea_wasm_module **out,
                           tea_error *err) {
  *out = NULL;
  if (len > UINT32_MAX)
    return tea_fail(err, TEA_ERR_LIMIT, "section header, offset 0: module too large");
  tea_wasm_module *m = calloc(1, sizeof *m);
  if (!m) return tea_fail(err, TEA_ERR_NOMEM, "section header, offset 0: out of memory");
  m->bytes = malloc(len ? len : 1);
  if (!m->bytes) {
    free(m);
    return tea_fail(err, TEA_ERR_NOMEM, "section header, offset 0: out of memory");
  }
  if (len) memcpy(m->bytes, bytes, len);
  m->len = len;

  tea_error local;
  D d;
  memset(&d, 0, sizeof d);
  d.b = m->bytes;
  d.len = len;
  d.err = err ? err : &local;
  d.m = m;
  d.sec = "header";
  if (!decode(&d)) {
    tea_code code = d.err->code;
    tea_module_free_decoded(m);
    return code;
  }
  if (err) tea_error_clear(err);
  *out = m;
  return TEA_OK;
}

void tea_module_free_decoded(tea_wasm_module *m) {
  if (!m) return;
  for (uint32_t i = 0; i < m->ntypes; i++) free(m->types[i].types);
  free(m->types);
  for (uint32_t i = 0; i < m->nimports; i++) {
    free(m->imports[i].module);
    free(m->imports[i].name);
  }
  free(m->imports);
  free(m->func_types);
  if (m->funcs) {
    for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) free(m->funcs[i].local_runs);
  }
  free(m->funcs);
  free(m->tables);
  free(m->memories);
  free(m->global_types);
  free(m->globals);
  for (uint32_t i = 0; i < m->nexports; i++) free(m->exports[i].name);
  free(m->exports);
  for (uint32_t i = 0; i < m->nelems; i++) free(m->elems[i].items);
  free(m->elems);
  free(m->datas);
  for (uint32_t i = 0; i < m->ncustoms; i++) free(m->customs[i].name);
  free(m->customs);
  free(m->func_declared);
  free(m->bytes);
  free(m);
}
