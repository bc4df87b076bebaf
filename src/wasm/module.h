/* The decoded form of a module, shared by the decoder (decode.c), the function
 * validator/compiler (compile.c) and instantiation (instance.c). Internal. */
#ifndef TEA_WASM_MODULE_H
#define TEA_WASM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/wasm.h"

/* Value types use the binary encoding (tea_wasm_valtype). */
typedef uint8_t tea_valtype;

typedef struct tea_functype {
  uint32_t nparams;
  uint32_t nresults;
  tea_valtype *types; /* nparams params, then nresults results */
  uint32_t param_slots; /* slots the params take (a v128 takes two, see tea_slot_width) */
  uint32_t result_slots;
} tea_functype;

/* Frame slots a value of type t takes: a v128 is two consecutive 64-bit
 * slots holding its 16 bytes in WebAssembly (little-endian) lane order;
 * everything else is one. */
static inline uint32_t tea_slot_width(tea_valtype t) { return t == TEA_WASM_V128 ? 2u : 1u; }
static inline uint32_t tea_slots_of(const tea_valtype *types, uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = 0; i < n; i++) s += tea_slot_width(types[i]);
  return s;
}

static inline const tea_valtype *tea_functype_params(const tea_functype *t) { return t->types; }
static inline const tea_valtype *tea_functype_results(const tea_functype *t) {
  return t->types + t->nparams;
}
bool tea_functype_equal(const tea_functype *a, const tea_functype *b);

typedef struct tea_limits {
  uint64_t min;
  uint64_t max;
  bool has_max;
} tea_limits;

typedef struct tea_tabletype {
  tea_valtype elem; /* TEA_WASM_FUNCREF or TEA_WASM_EXTERNREF */
  tea_limits limits;
} tea_tabletype;

typedef struct tea_globaltype {
  tea_valtype type;
  bool mutable_;
} tea_globaltype;

/* A constant expression. WebAssembly 2.0 allows exactly one instruction
 * followed by `end`. */
typedef enum tea_constop {
  TEA_CONST_I32,
  TEA_CONST_I64,
  TEA_CONST_F32,
  TEA_CONST_F64,
  TEA_CONST_REF_NULL,   /* type in .type */
  TEA_CONST_REF_FUNC,   /* function index in .index */
  TEA_CONST_GLOBAL_GET, /* (imported) global index in .index */
  TEA_CONST_V128        /* 16 bytes: low 8 in .bits, high 8 in .bits_hi (little-endian) */
} tea_constop;

typedef struct tea_constexpr {
  tea_constop op;
  tea_valtype type; /* the value type the expression produces */
  uint32_t index;
  uint64_t bits; /* i32/i64/f32/f64 payload, zero-extended raw bits */
  uint64_t bits_hi; /* v128: the high 8 bytes */
} tea_constexpr;

typedef struct tea_import {
  char *module; /* NUL-terminated copies (names are validated UTF-8) */
  char *name;
  tea_wasm_extern_kind kind;
  uint32_t func_type;       /* kind FUNC: type index */
  tea_tabletype table;      /* kind TABLE */
  tea_limits memory;        /* kind MEMORY (pages) */
  tea_globaltype global;    /* kind GLOBAL */
} tea_import;

typedef struct tea_export {
  char *name;
  tea_wasm_extern_kind kind;
  uint32_t index;
} tea_export;

typedef struct tea_global_def {
  tea_globaltype type;
  tea_constexpr init;
} tea_global_def;

typedef enum tea_segmode { TEA_SEG_ACTIVE, TEA_SEG_PASSIVE, TEA_SEG_DECLARATIVE } tea_segmode;

typedef struct tea_elem_segment {
  tea_segmode mode;
  uint32_t table;       /* active only */
  tea_constexpr offset; /* active only, type i32 */
  tea_valtype type;     /* funcref or externref */
  uint32_t count;
  tea_constexpr *items; /* count entries: REF_FUNC, REF_NULL or GLOBAL_GET */
} tea_elem_segment;

typedef struct tea_data_segment {
  tea_segmode mode;    /* ACTIVE or PASSIVE */
  uint32_t memory;     /* active only */
  tea_constexpr offset;
  const uint8_t *bytes; /* points into tea_module.bytes */
  uint32_t len;
} tea_data_segment;

/* A run of `count` locals of one type, as the code section declares them. */
typedef struct tea_local_run {
  uint32_t count;
  tea_valtype type;
} tea_local_run;

struct tea_compiled; /* compile.h */

typedef struct tea_func_def {
  uint32_t type;              /* type index */
  uint32_t nlocal_runs;
  tea_local_run *local_runs;  /* declared locals (not params) */
  uint64_t nlocals;           /* total declared locals (not params) */
  const uint8_t *body;        /* the expression after the locals, through its final `end` */
  uint32_t body_len;
  uint32_t body_offset;       /* offset of body within the module bytes, for messages */
  struct tea_compiled *code;  /* filled by the compiler */
} tea_func_def;

typedef struct tea_custom_section {
  char *name;
  const uint8_t *data; /* points into tea_module.bytes */
  uint32_t len;
} tea_custom_section;

struct tea_wasm_module {
  uint8_t *bytes; /* private copy of the binary; everything above points into it */
  size_t len;
  tea_wasm_config config;

  uint32_t ntypes;
  tea_functype *types;

  uint32_t nimports;
  tea_import *imports;

  /* Index spaces: imports come first in each. */
  uint32_t nfuncs, nfunc_imports;     /* nfuncs counts imports too */
  uint32_t *func_types;               /* nfuncs: type index of every function */
  tea_func_def *funcs;                /* nfuncs - nfunc_imports defined functions */

  uint32_t ntables, ntable_imports;
  tea_tabletype *tables;              /* ntables, imports first */

  uint32_t nmemories, nmemory_imports;
  tea_limits *memories;               /* nmemories (at most 1), imports first */

  uint32_t nglobals, nglobal_imports;
  tea_globaltype *global_types;       /* nglobals, imports first */
  tea_global_def *globals;            /* nglobals - nglobal_imports definitions */

  uint32_t nexports;
  tea_export *exports;

  bool has_start;
  uint32_t start;

  uint32_t nelems;
  tea_elem_segment *elems;

  bool has_data_count;
  uint32_t data_count;
  uint32_t ndatas;
  tea_data_segment *datas;

  uint32_t ncustoms;
  tea_custom_section *customs;

  /* Functions that may be named by ref.func inside function bodies: those in
   * element segments, exports, and global initializers (spec: "declared"). */
  uint8_t *func_declared; /* nfuncs bytes, 0 or 1 */

  /* Strings for tea_wasm_module_import(): */
  size_t code_size; /* bytes of compiled code, after compile */
};

/* decode.c: parses and validates everything but function bodies (they are
 * checked and compiled by tea_compile_function). On failure frees what it
 * allocated, fills err (code MALFORMED, INVALID or UNSUPPORTED; message
 * "section NAME, offset N: reason") and leaves *out NULL. */
tea_code tea_decode_module(const uint8_t *bytes, size_t len, tea_wasm_module **out,
                           tea_error *err);
void tea_module_free_decoded(tea_wasm_module *m);

/* Limits of this implementation (the spec leaves them to embedders). */
#define TEA_MAX_FUNC_LOCALS 50000u
#define TEA_MAX_PAGES 65536u

#endif
