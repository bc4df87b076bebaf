/* Unit tests for the module decoder (src/wasm/decode.c): hand-assembled
 * binaries, one or two sections at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wasm/module.h"

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00
/* () -> () as the only type */
#define TYPE_VOID 0x01, 0x04, 0x01, 0x60, 0x00, 0x00
/* one function of type 0 */
#define FUNC_1 0x03, 0x02, 0x01, 0x00
/* one empty body */
#define CODE_1 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b

static tea_wasm_module *decode_ok(const uint8_t *b, size_t n) {
  tea_wasm_module *m = NULL;
  tea_error err;
  tea_code c = tea_decode_module(b, n, &m, &err);
  if (c != TEA_OK) print_error("unexpected failure: %s\n", err.msg);
  assert_int_equal(c, TEA_OK);
  assert_non_null(m);
  assert_non_null(m->func_declared);
  return m;
}

static void expect_err(const uint8_t *b, size_t n, tea_code code, const char *frag) {
  tea_wasm_module *m = (tea_wasm_module *)1;
  tea_error err;
  tea_code c = tea_decode_module(b, n, &m, &err);
  if (c != code || !strstr(err.msg, frag))
    print_error("expected %s '%s', got %s '%s'\n", tea_code_name(code), frag, tea_code_name(c),
                err.msg);
  assert_int_equal(c, code);
  assert_int_equal(err.code, code);
  assert_null(m);
  assert_non_null(strstr(err.msg, frag));
  assert_non_null(strstr(err.msg, "section "));
  assert_non_null(strstr(err.msg, ", offset "));
}

#define OK(...)                                                     \
  do {                                                              \
    static const uint8_t bytes_[] = {__VA_ARGS__};                  \
    tea_module_free_decoded(decode_ok(bytes_, sizeof bytes_));      \
  } while (0)
#define BAD(code, frag, ...)                                        \
  do {                                                              \
    static const uint8_t bytes_[] = {__VA_ARGS__};                  \
    expect_err(bytes_, sizeof bytes_, code, frag);                  \
  } while (0)
#define MALFORMED(frag, ...) BAD(TEA_ERR_MALFORMED, frag, __VA_ARGS__)
#define INVALID(frag, ...) BAD(TEA_ERR_INVALID, frag, __VA_ARGS__)

/* ---- well-formed modules --------------------------------------------------- */

static void test_minimal(void **state) {
  (void)state;
  static const uint8_t b[] = {HDR};
  tea_wasm_module *m = decode_ok(b, sizeof b);
  assert_int_equal(m->len, 8);
  assert_memory_equal(m->bytes, b, 8);
  assert_true(m->bytes != b);
  assert_int_equal(m->ntypes + m->nimports + m->nfuncs + m->ntables + m->nmemories +
                       m->nglobals + m->nexports + m->nelems + m->ndatas + m->ncustoms,
                   0);
  assert_false(m->has_start);
  assert_false(m->has_data_count);
  tea_module_free_decoded(m);
  tea_module_free_decoded(NULL);
}

static void test_types(void **state) {
  (void)state;
  static const uint8_t b[] = {HDR, 0x01, 0x0c, 0x03,
                              0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d, /* (i32 i64) -> f32 */
                              0x60, 0x00, 0x00,                   /* () -> () */
                              0x60, 0x00, 0x02};                  /* truncated below */
  /* the last type is cut short: its result count exceeds the file */
  expect_err(b, sizeof b, TEA_ERR_MALFORMED, "length out of bounds");
  static const uint8_t c[] = {HDR,  0x01, 0x10, 0x03, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d,
                              0x60, 0x00, 0x00, 0x60, 0x00, 0x02, 0x70, 0x6f};
  /* section size 0x10 is one more than the content */
  expect_err(c, sizeof c, TEA_ERR_MALFORMED, "unexpected end");
  static const uint8_t d[] = {HDR,  0x01, 0x0f, 0x03, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d,
                              0x60, 0x00, 0x00, 0x60, 0x00, 0x02, 0x70, 0x6f};
  tea_wasm_module *m = decode_ok(d, sizeof d);
  assert_int_equal(m->ntypes, 3);
  assert_int_equal(m->types[0].nparams, 2);
  assert_int_equal(m->types[0].nresults, 1);
  assert_int_equal(tea_functype_params(&m->types[0])[1], TEA_WASM_I64);
  assert_int_equal(tea_functype_results(&m->types[0])[0], TEA_WASM_F32);
  assert_int_equal(m->types[0].param_slots, 2);
  assert_int_equal(m->types[2].nresults, 2);
  assert_int_equal(tea_functype_results(&m->types[2])[1], TEA_WASM_EXTERNREF);
  assert_false(tea_functype_equal(&m->types[0], &m->types[1]));
  assert_true(tea_functype_equal(&m->types[1], &m->types[1]));
  tea_functype same = m->types[1];
  assert_true(tea_functype_equal(&same, &m->types[1]));
  tea_module_free_decoded(m);
}

static void test_imports(void **state) {
  (void)state;
  static const uint8_t b[] = {
      HDR, TYPE_VOID,
      0x02, 0x20, 0x04,
      0x01, 'm', 0x01, 'f', 0x00, 0x00,                   /* func type 0 */
      0x01, 'm', 0x01, 't', 0x01, 0x6f, 0x01, 0x01, 0x05, /* table externref 1..5 */
      0x01, 'm', 0x01, 'y', 0x02, 0x00, 0x02,             /* memory 2.. */
      0x03, 'm', 0xc3, 0xa9, 0x01, 'g', 0x03, 0x7e, 0x01, /* global mut i64, "mé" */
      FUNC_1, CODE_1};
  tea_wasm_module *m = decode_ok(b, sizeof b);
  assert_int_equal(m->nimports, 4);
  assert_string_equal(m->imports[0].module, "m");
  assert_string_equal(m->imports[0].name, "f");
  assert_int_equal(m->imports[0].kind, TEA_WASM_EXTERN_FUNC);
  assert_int_equal(m->imports[1].kind, TEA_WASM_EXTERN_TABLE);
  assert_int_equal(m->imports[1].table.elem, TEA_WASM_EXTERNREF);
  assert_int_equal(m->imports[1].table.limits.max, 5);
  assert_true(m->imports[2].memory.min == 2 && !m->imports[2].memory.has_max);
  assert_string_equal(m->imports[3].module, "m\xc3\xa9");
  assert_true(m->imports[3].global.mutable_);
  assert_int_equal(m->nfuncs, 2);
  assert_int_equal(m->nfunc_imports, 1);
  assert_int_equal(m->ntables, 1);
  assert_int_equal(m->ntable_imports, 1);
  assert_int_equal(m->nmemories, 1);
  assert_int_equal(m->nmemory_imports, 1);
  assert_int_equal(m->nglobals, 1);
  assert_int_equal(m->nglobal_imports, 1);
  assert_int_equal(m->global_types[0].type, TEA_WASM_I64);
  assert_int_equal(m->func_types[0], 0);
  assert_int_equal(m->func_types[1], 0);
  assert_int_equal(m->tables[0].elem, TEA_WASM_EXTERNREF);
  tea_module_free_decoded(m);
}

static void test_code(void **state) {
  (void)state;
  static const uint8_t b[] = {HDR,  TYPE_VOID, 0x03, 0x03, 0x02, 0x00, 0x00,
                              0x0a, 0x0c,      0x02,
                              0x07, 0x02, 0x02, 0x7f, 0x03, 0x7c, 0x01, 0x0b, /* 2 runs */
                              0x02, 0x00, 0x0b};
  tea_wasm_module *m = decode_ok(b, sizeof b);
  assert_int_equal(m->nfuncs, 2);
  assert_int_equal(m->funcs[0].nlocal_runs, 2);
  assert_int_equal(m->funcs[0].nlocals, 5);
  assert_int_equal(m->funcs[0].local_runs[1].type, TEA_WASM_F64);
  assert_int_equal(m->funcs[0].body_len, 2);
  assert_int_equal(m->funcs[0].body_offset, 28);
  assert_ptr_equal(m->funcs[0].body, m->bytes + 28);
  assert_int_equal(m->funcs[0].body[0], 0x01);
  assert_int_equal(m->funcs[1].nlocals, 0);
  assert_int_equal(m->funcs[1].body_len, 1);
  assert_int_equal(m->funcs[1].body[0], 0x0b);
  assert_null(m->funcs[1].code);
  tea_module_free_decoded(m);
}

static void test_table_memory_global_export_start(void **state) {
  (void)state;
  static const uint8_t c[] = {
      HDR, TYPE_VOID, 0x03, 0x03, 0x02, 0x00, 0x00,
      0x04, 0x08, 0x02, 0x70, 0x00, 0x01, 0x6f, 0x01, 0x00, 0x00, /* funcref 1.., externref 0..0 */
      0x05, 0x04, 0x01, 0x01, 0x01, 0x02,                         /* memory 1..2 */
      0x06, 0x0b, 0x02,
      0x7f, 0x01, 0x41, 0x7f, 0x0b,                               /* mut i32 = -1 */
      0x70, 0x00, 0xd2, 0x01, 0x0b,                               /* funcref = ref.func 1 */
      0x07, 0x09, 0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'b', 0x03, 0x01,
      0x08, 0x01, 0x00,
      0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b};
  tea_wasm_module *m = decode_ok(c, sizeof c);
  assert_int_equal(m->ntables, 2);
  assert_int_equal(m->tables[1].elem, TEA_WASM_EXTERNREF);
  assert_true(m->tables[1].limits.has_max);
  assert_int_equal(m->nmemories, 1);
  assert_int_equal(m->memories[0].max, 2);
  assert_int_equal(m->nglobals, 2);
  assert_int_equal(m->globals[0].init.op, TEA_CONST_I32);
  assert_int_equal(m->globals[0].init.bits, 0xffffffffu);
  assert_true(m->global_types[0].mutable_);
  assert_int_equal(m->globals[1].init.op, TEA_CONST_REF_FUNC);
  assert_int_equal(m->globals[1].init.index, 1);
  assert_int_equal(m->nexports, 2);
  assert_string_equal(m->exports[1].name, "b");
  assert_int_equal(m->exports[1].kind, TEA_WASM_EXTERN_GLOBAL);
  assert_true(m->has_start);
  assert_int_equal(m->start, 0);
  /* func 0 is exported, func 1 named by a global initializer */
  assert_int_equal(m->func_declared[0], 1);
  assert_int_equal(m->func_declared[1], 1);
  tea_module_free_decoded(m);
}

static void test_consts(void **state) {
  (void)state;
  static const uint8_t b[] = {
      HDR, 0x06, 0x21, 0x04,
      0x7e, 0x00, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, 0x0b,
      0x7d, 0x00, 0x43, 0x00, 0x00, 0x80, 0x3f, 0x0b,
      0x6f, 0x00, 0xd0, 0x6f, 0x0b,
      0x7f, 0x00, 0x41, 0x00, 0x0b};
  tea_wasm_module *m = decode_ok(b, sizeof b);
  assert_int_equal(m->globals[0].init.op, TEA_CONST_I64);
  assert_true(m->globals[0].init.bits == 0x8000000000000000ull);
  assert_int_equal(m->globals[1].init.bits, 0x3f800000u);
  assert_int_equal(m->globals[2].init.op, TEA_CONST_REF_NULL);
  assert_int_equal(m->globals[2].init.type, TEA_WASM_EXTERNREF);
  tea_module_free_decoded(m);
}

static void test_elements(void **state) {
  (void)state;
  static const uint8_t b[] = {
      HDR, TYPE_VOID, 0x03, 0x04, 0x03, 0x00, 0x00, 0x00,
      0x04, 0x07, 0x02, 0x70, 0x00, 0x02, 0x6f, 0x00, 0x02,
      0x09, 0x31, 0x08,
      0x00, 0x41, 0x00, 0x0b, 0x01, 0x00,                   /* 0: active t0, funcs */
      0x01, 0x00, 0x01, 0x01,                               /* 1: passive, funcs */
      0x02, 0x00, 0x41, 0x01, 0x0b, 0x00, 0x00,             /* 2: active t0, kind, none */
      0x03, 0x00, 0x01, 0x02,                               /* 3: declarative, funcs */
      0x04, 0x41, 0x00, 0x0b, 0x01, 0xd0, 0x70, 0x0b,       /* 4: active t0, exprs */
      0x05, 0x6f, 0x01, 0xd0, 0x6f, 0x0b,                   /* 5: passive externref */
      0x06, 0x01, 0x41, 0x00, 0x0b, 0x6f, 0x00,             /* 6: active t1 externref */
      0x07, 0x70, 0x01, 0xd2, 0x00, 0x0b,                   /* 7: declarative exprs */
      0x0a, 0x0a, 0x03, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b};
  tea_wasm_module *m = decode_ok(b, sizeof b);
  assert_int_equal(m->nelems, 8);
  static const tea_segmode modes[8] = {TEA_SEG_ACTIVE, TEA_SEG_PASSIVE, TEA_SEG_ACTIVE,
                                       TEA_SEG_DECLARATIVE, TEA_SEG_ACTIVE, TEA_SEG_PASSIVE,
                                       TEA_SEG_ACTIVE, TEA_SEG_DECLARATIVE};
  for (int i = 0; i < 8; i++) assert_int_equal(m->elems[i].mode, modes[i]);
  assert_int_equal(m->elems[0].count, 1);
  assert_int_equal(m->elems[0].items[0].op, TEA_CONST_REF_FUNC);
  assert_int_equal(m->elems[2].offset.bits, 1);
  assert_int_equal(m->elems[2].count, 0);
  assert_int_equal(m->elems[4].items[0].op, TEA_CONST_REF_NULL);
  assert_int_equal(m->elems[5].type, TEA_WASM_EXTERNREF);
  assert_int_equal(m->elems[6].table, 1);
  assert_int_equal(m->elems[6].type, TEA_WASM_EXTERNREF);
  assert_int_equal(m->elems[7].items[0].index, 0);
  for (int i = 0; i < 3; i++) assert_int_equal(m->func_declared[i], 1);
  tea_module_free_decoded(m);
}

static void test_data_and_custom(void **state) {
  (void)state;
  static const uint8_t b[] = {
      HDR, 0x00, 0x06, 0x03, 'a', 'b', 'c', 0x01, 0x02, /* custom "abc" payload 01 02 */
      0x05, 0x03, 0x01, 0x00, 0x01,
      0x0c, 0x01, 0x03,
      0x0b, 0x11, 0x03,
      0x00, 0x41, 0x08, 0x0b, 0x02, 'h', 'i',
      0x01, 0x01, 'x',
      0x02, 0x00, 0x41, 0x00, 0x0b, 0x00,
      0x00, 0x04, 0x01, 'z', 0xaa, 0xbb};
  tea_wasm_module *m = decode_ok(b, sizeof b);
  assert_true(m->has_data_count);
  assert_int_equal(m->data_count, 3);
  assert_int_equal(m->ndatas, 3);
  assert_int_equal(m->datas[0].mode, TEA_SEG_ACTIVE);
  assert_int_equal(m->datas[0].offset.bits, 8);
  assert_int_equal(m->datas[0].len, 2);
  assert_memory_equal(m->datas[0].bytes, "hi", 2);
  assert_true(m->datas[0].bytes >= m->bytes && m->datas[0].bytes < m->bytes + m->len);
  assert_int_equal(m->datas[1].mode, TEA_SEG_PASSIVE);
  assert_int_equal(m->datas[2].len, 0);
  assert_int_equal(m->ncustoms, 2);
  assert_string_equal(m->customs[0].name, "abc");
  assert_int_equal(m->customs[0].len, 2);
  assert_ptr_equal(m->customs[0].data, m->bytes + 14);
  assert_string_equal(m->customs[1].name, "z");
  assert_int_equal(m->customs[1].data[1], 0xbb);
  tea_module_free_decoded(m);
}

/* ---- malformed --------------------------------------------------------------- */

static void test_header(void **state) {
  (void)state;
  expect_err((const uint8_t *)"", 0, TEA_ERR_MALFORMED, "unexpected end");
  MALFORMED("unexpected end", 0x00, 0x61, 0x73);
  MALFORMED("magic header not detected", 0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00);
  MALFORMED("unexpected end", 0x00, 0x61, 0x73, 0x6d, 0x01);
  MALFORMED("unknown binary version", 0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00);
  MALFORMED("offset 0: magic", 'a', 's', 'm', 0x00);
}

static void test_sections_malformed(void **state) {
  (void)state;
  MALFORMED("malformed section id", HDR, 0x0d, 0x00);
  MALFORMED("unexpected content after last section", HDR, FUNC_1, TYPE_VOID);
  MALFORMED("unexpected content after last section", HDR, TYPE_VOID, TYPE_VOID);
  MALFORMED("unexpected content after last section", HDR, 0x0a, 0x01, 0x00, 0x0c, 0x01, 0x00);
  MALFORMED("section size mismatch", HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00);
  MALFORMED("length out of bounds", HDR, 0x01, 0x09, 0x01, 0x60, 0x00, 0x00);
  MALFORMED("length out of bounds", HDR, 0x00, 0x02, 0x05, 'a');
  MALFORMED("unexpected end", HDR, 0x00, 0x00);
  MALFORMED("unexpected end", HDR, 0x01);
  /* a count larger than the rest of the file */
  MALFORMED("length out of bounds", HDR, 0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f);
  /* a huge count that fits in the file but has no entries behind it */
  MALFORMED("unexpected end", HDR, 0x03, 0x01, 0x04, 0, 0, 0);
  /* a custom section at the end after all others is fine; junk is not */
  OK(HDR, TYPE_VOID, FUNC_1, CODE_1, 0x00, 0x01, 0x00);
  MALFORMED("unexpected end", HDR, TYPE_VOID, FUNC_1, CODE_1, 0x0b);
}

static void test_leb(void **state) {
  (void)state;
  /* u32 in 5 bytes is fine, 6 is too long, the 5th byte's high bits must be 0 */
  OK(HDR, 0x01, 0x08, 0x81, 0x80, 0x80, 0x80, 0x00, 0x60, 0x00, 0x00);
  MALFORMED("integer representation too long", HDR, 0x01, 0x09, 0x81, 0x80, 0x80, 0x80, 0x80,
            0x00, 0x60, 0x00, 0x00);
  MALFORMED("integer too large", HDR, 0x05, 0x07, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10);
  /* s32: the unused bits must repeat the sign */
  OK(HDR, 0x06, 0x0a, 0x01, 0x7f, 0x00, 0x41, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x0b);
  MALFORMED("integer too large", HDR, 0x06, 0x0a, 0x01, 0x7f, 0x00, 0x41, 0xff, 0xff, 0xff,
            0xff, 0x4f, 0x0b);
  MALFORMED("integer too large", HDR, 0x06, 0x0a, 0x01, 0x7f, 0x00, 0x41, 0x80, 0x80, 0x80,
            0x80, 0x10, 0x0b);
  /* s64: 10 bytes at most */
  MALFORMED("integer representation too long", HDR, 0x06, 0x10, 0x01, 0x7e, 0x00, 0x42, 0x80,
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b);
  MALFORMED("integer too large", HDR, 0x06, 0x0f, 0x01, 0x7e, 0x00, 0x42, 0x80, 0x80, 0x80,
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0x0b);
  /* limits flags are a 1-bit LEB */
  MALFORMED("integer too large", HDR, 0x05, 0x03, 0x01, 0x02, 0x00);
  MALFORMED("integer representation too long", HDR, 0x05, 0x04, 0x01, 0x81, 0x00, 0x00);
}

static void test_entries_malformed(void **state) {
  (void)state;
  MALFORMED("malformed UTF-8 encoding", HDR, 0x02, 0x07, 0x01, 0x01, 0xff, 0x01, 'f', 0x00,
            0x00);
  MALFORMED("malformed UTF-8 encoding", HDR, 0x00, 0x03, 0x02, 0xc0, 0x80); /* overlong */
  MALFORMED("malformed UTF-8 encoding", HDR, 0x00, 0x04, 0x03, 0xed, 0xa0, 0x80); /* surrogate */
  MALFORMED("malformed import kind", HDR, 0x02, 0x07, 0x01, 0x01, 'm', 0x01, 'f', 0x04, 0x00);
  MALFORMED("malformed export kind", HDR, 0x07, 0x05, 0x01, 0x01, 'e', 0x04, 0x00);
  MALFORMED("malformed mutability", HDR, 0x06, 0x06, 0x01, 0x7f, 0x02, 0x41, 0x00, 0x0b);
  MALFORMED("malformed reference type", HDR, 0x04, 0x04, 0x01, 0x7f, 0x00, 0x00);
  MALFORMED("malformed value type", HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x40, 0x00);
  MALFORMED("malformed function type", HDR, 0x01, 0x04, 0x01, 0x61, 0x00, 0x00);
  MALFORMED("illegal opcode", HDR, 0x06, 0x05, 0x01, 0x7f, 0x00, 0xff, 0x0b);
  MALFORMED("malformed elements segment kind", HDR, TYPE_VOID, FUNC_1, 0x09, 0x03, 0x01, 0x08,
            0x00, CODE_1);
  MALFORMED("malformed element kind", HDR, TYPE_VOID, FUNC_1, 0x09, 0x04, 0x01, 0x01, 0x01,
            0x00, CODE_1);
  MALFORMED("malformed data segment kind", HDR, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0b, 0x03, 0x01,
            0x03, 0x00);
}

static void test_code_malformed(void **state) {
  (void)state;
  MALFORMED("function and code section have inconsistent lengths", HDR, TYPE_VOID, FUNC_1);
  MALFORMED("function and code section have inconsistent lengths", HDR, TYPE_VOID, 0x0a, 0x04,
            0x01, 0x02, 0x00, 0x0b);
  MALFORMED("function and code section have inconsistent lengths", HDR, TYPE_VOID, FUNC_1, 0x0a,
            0x01, 0x00);
  MALFORMED("data count and data section have inconsistent lengths", HDR, 0x0c, 0x01, 0x01);
  MALFORMED("data count and data section have inconsistent lengths", HDR, 0x0c, 0x01, 0x00,
            0x0b, 0x04, 0x01, 0x01, 0x01, 'x');
  /* 50001 locals */
  MALFORMED("too many locals", HDR, TYPE_VOID, FUNC_1, 0x0a, 0x08, 0x01, 0x06, 0x01, 0xd1, 0x86,
            0x03, 0x7f, 0x0b);
  MALFORMED("too many locals", HDR, TYPE_VOID, FUNC_1, 0x0a, 0x0f, 0x01, 0x0d, 0x02, 0xff, 0xff,
            0xff, 0xff, 0x0f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7e, 0x0b);
  OK(HDR, TYPE_VOID, FUNC_1, 0x0a, 0x08, 0x01, 0x06, 0x01, 0xd0, 0x86, 0x03, 0x7f, 0x0b);
  /* a body must hold at least its `end` */
  MALFORMED("unexpected end of section or function", HDR, TYPE_VOID, FUNC_1, 0x0a, 0x03, 0x01,
            0x01, 0x00);
  MALFORMED("section size mismatch", HDR, TYPE_VOID, FUNC_1, 0x0a, 0x05, 0x01, 0x01, 0x01, 0x01,
            0x7f);
}

/* v128 is a value type like the others (SIMD is part of WebAssembly 2.0). */
static void test_v128_types(void **state) {
  (void)state;
  OK(HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7b, 0x00);
  OK(HDR, TYPE_VOID, FUNC_1, 0x0a, 0x06, 0x01, 0x04, 0x01, 0x01, 0x7b, 0x0b);
}

/* ---- invalid ------------------------------------------------------------------ */

static void test_invalid(void **state) {
  (void)state;
  INVALID("unknown type", HDR, FUNC_1, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b);
  INVALID("unknown type 3", HDR, 0x02, 0x07, 0x01, 0x01, 'm', 0x01, 'f', 0x00, 0x03);
  INVALID("multiple memories", HDR, 0x05, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00);
  INVALID("multiple memories", HDR, 0x02, 0x08, 0x01, 0x01, 'm', 0x01, 'm', 0x02, 0x00, 0x00,
          0x05, 0x03, 0x01, 0x00, 0x00);
  INVALID("memory size must be at most 65536 pages (4GiB)", HDR, 0x05, 0x05, 0x01, 0x00, 0x81,
          0x80, 0x04);
  INVALID("memory size must be at most 65536 pages (4GiB)", HDR, 0x05, 0x06, 0x01, 0x01, 0x00,
          0x81, 0x80, 0x04);
  OK(HDR, 0x05, 0x06, 0x01, 0x01, 0x00, 0x80, 0x80, 0x04);
  INVALID("size minimum must not be greater than maximum", HDR, 0x05, 0x04, 0x01, 0x01, 0x02,
          0x01);
  INVALID("size minimum must not be greater than maximum", HDR, 0x04, 0x05, 0x01, 0x70, 0x01,
          0x02, 0x01);
  INVALID("duplicate export name", HDR, TYPE_VOID, FUNC_1, 0x07, 0x09, 0x02, 0x01, 'a', 0x00,
          0x00, 0x01, 'a', 0x00, 0x00, CODE_1);
  OK(HDR, TYPE_VOID, FUNC_1, 0x07, 0x0a, 0x02, 0x01, 'a', 0x00, 0x00, 0x02, 'a', 'a', 0x00,
     0x00, CODE_1);
  INVALID("unknown function 1", HDR, TYPE_VOID, FUNC_1, 0x07, 0x05, 0x01, 0x01, 'a', 0x00, 0x01,
          CODE_1);
  INVALID("unknown table 0", HDR, 0x07, 0x05, 0x01, 0x01, 'a', 0x01, 0x00);
  INVALID("unknown memory 0", HDR, 0x07, 0x05, 0x01, 0x01, 'a', 0x02, 0x00);
  INVALID("unknown global 0", HDR, 0x07, 0x05, 0x01, 0x01, 'a', 0x03, 0x00);
  INVALID("unknown function 1", HDR, TYPE_VOID, FUNC_1, 0x08, 0x01, 0x01, CODE_1);
  INVALID("start function", HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, FUNC_1, 0x08, 0x01,
          0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b);
}

static void test_invalid_const(void **state) {
  (void)state;
  INVALID("type mismatch", HDR, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x42, 0x00, 0x0b);
  INVALID("type mismatch", HDR, 0x06, 0x04, 0x01, 0x7f, 0x00, 0x0b);
  INVALID("type mismatch", HDR, 0x06, 0x08, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x41, 0x00, 0x0b);
  INVALID("type mismatch", HDR, 0x06, 0x06, 0x01, 0x70, 0x00, 0xd0, 0x6f, 0x0b);
  INVALID("constant expression required", HDR, 0x06, 0x07, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x68,
          0x0b);
  INVALID("constant expression required", HDR, 0x06, 0x05, 0x01, 0x7f, 0x00, 0x01, 0x0b);
  /* global.get of a defined global, or of a mutable import */
  INVALID("unknown global 0", HDR, 0x06, 0x0b, 0x02, 0x7f, 0x00, 0x41, 0x00, 0x0b, 0x7f, 0x00,
          0x23, 0x00, 0x0b);
  INVALID("constant expression required", HDR, 0x02, 0x08, 0x01, 0x01, 'm', 0x01, 'g', 0x03,
          0x7f, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b);
  tea_wasm_module *m;
  static const uint8_t ok[] = {HDR,  0x02, 0x08, 0x01, 0x01, 'm',  0x01, 'g', 0x03,
                               0x7f, 0x00, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b};
  m = decode_ok(ok, sizeof ok);
  assert_int_equal(m->nglobals, 2);
  assert_int_equal(m->globals[0].init.op, TEA_CONST_GLOBAL_GET);
  assert_int_equal(m->globals[0].init.type, TEA_WASM_I32);
  tea_module_free_decoded(m);
  INVALID("type mismatch", HDR, 0x02, 0x08, 0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7e, 0x00, 0x06,
          0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b);
  INVALID("unknown function 0", HDR, 0x06, 0x06, 0x01, 0x70, 0x00, 0xd2, 0x00, 0x0b);
}

static void test_invalid_segments(void **state) {
  (void)state;
  INVALID("unknown table 0", HDR, TYPE_VOID, FUNC_1, 0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b,
          0x01, 0x00, CODE_1);
  INVALID("unknown function 5", HDR, TYPE_VOID, FUNC_1, 0x04, 0x04, 0x01, 0x70, 0x00, 0x01,
          0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x05, CODE_1);
  INVALID("type mismatch", HDR, TYPE_VOID, FUNC_1, 0x04, 0x04, 0x01, 0x6f, 0x00, 0x01, 0x09,
          0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, CODE_1);
  INVALID("type mismatch", HDR, TYPE_VOID, FUNC_1, 0x04, 0x04, 0x01, 0x70, 0x00, 0x01, 0x09,
          0x07, 0x01, 0x00, 0x42, 0x00, 0x0b, 0x01, 0x00, CODE_1);
  INVALID("type mismatch", HDR, 0x09, 0x07, 0x01, 0x05, 0x70, 0x01, 0xd0, 0x6f, 0x0b);
  INVALID("unknown memory 0", HDR, 0x0b, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 'x');
  INVALID("unknown memory 1", HDR, 0x05, 0x03, 0x01, 0x00, 0x00, 0x0b, 0x08, 0x01, 0x02, 0x01,
          0x41, 0x00, 0x0b, 0x01, 'x');
  /* passive data needs no memory */
  OK(HDR, 0x0b, 0x04, 0x01, 0x01, 0x01, 'x');
}

/* A malformation anywhere wins over an earlier validation error. */
static void test_malformed_wins(void **state) {
  (void)state;
  MALFORMED("malformed section id", HDR, 0x05, 0x04, 0x01, 0x01, 0x02, 0x01, 0x0e);
  MALFORMED("function and code section have inconsistent lengths", HDR, FUNC_1);
  INVALID("size minimum", HDR, 0x05, 0x04, 0x01, 0x01, 0x02, 0x01, 0x06, 0x04, 0x01, 0x7f, 0x00,
          0x0b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_minimal),
      cmocka_unit_test(test_types),
      cmocka_unit_test(test_imports),
      cmocka_unit_test(test_code),
      cmocka_unit_test(test_table_memory_global_export_start),
      cmocka_unit_test(test_consts),
      cmocka_unit_test(test_elements),
      cmocka_unit_test(test_data_and_custom),
      cmocka_unit_test(test_header),
      cmocka_unit_test(test_sections_malformed),
      cmocka_unit_test(test_leb),
      cmocka_unit_test(test_entries_malformed),
      cmocka_unit_test(test_code_malformed),
      cmocka_unit_test(test_v128_types),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_invalid_const),
      cmocka_unit_test(test_invalid_segments),
      cmocka_unit_test(test_malformed_wins),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
