/* Engine guarantees beyond the spec suite: fuel, interruption, stack limits,
 * deterministic NaNs, host functions and their traps, memory helpers,
 * instance isolation, errors for bad modules, and v128 values through the
 * public API and host functions. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tea/wasm.h"

static uint8_t *read_file(const char *name, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", WAT_DIR, name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc((size_t)n);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static tea_code host_fail(tea_wasm_host_call *call, tea_wasm_slot *s) {
  return tea_fail(call->err, TEA_ERR_TRAP, "host refused %d", s[0].i32);
}
static tea_code host_add(tea_wasm_host_call *call, tea_wasm_slot *s) {
  (void)call;
  s[0].i32 = s[0].i32 + s[1].i32;
  return TEA_OK;
}

typedef struct fixture {
  tea_wasm_module *module;
  tea_wasm_store *store;
  tea_wasm_linker *linker;
  tea_wasm_instance *inst;
} fixture;

static void setup_with(fixture *fx, bool deterministic, const tea_wasm_limits *lim) {
  size_t len;
  uint8_t *bytes = read_file("engine.wasm", &len);
  tea_error err;
  tea_wasm_config cfg = {.deterministic = deterministic};
  assert_int_equal(tea_wasm_module_load(bytes, len, &cfg, &fx->module, &err), TEA_OK);
  free(bytes);
  assert_int_equal(tea_wasm_store_new(lim, &fx->store, &err), TEA_OK);
  assert_int_equal(tea_wasm_linker_new(&fx->linker, &err), TEA_OK);
  tea_wasm_valtype i32 = TEA_WASM_I32, two[2] = {TEA_WASM_I32, TEA_WASM_I32};
  assert_int_equal(tea_wasm_linker_define_func(fx->linker, fx->store, "host", "fail", &i32, 1,
                                               &i32, 1, host_fail, NULL, &err), TEA_OK);
  assert_int_equal(tea_wasm_linker_define_func(fx->linker, fx->store, "host", "add", two, 2,
                                               &i32, 1, host_add, NULL, &err), TEA_OK);
  assert_int_equal(tea_wasm_instantiate(fx->store, fx->module, fx->linker, &fx->inst, &err), TEA_OK);
}

static void teardown(fixture *fx) {
  tea_wasm_linker_free(fx->linker);
  tea_wasm_store_free(fx->store);
  tea_wasm_module_free(fx->module);
}

static tea_wasm_val i32v(int32_t v) { return (tea_wasm_val){.type = TEA_WASM_I32, .of.i32 = v}; }

/* ---- write tracking (runtime.h): resets touch only what was written ---- */

#define WRITES_SEGMENT_AT 100000
static const char writes_segment[] = "active segment";

/* Every kind of write, each into pages of its own: stores of each width and
 * form (the fused ones included), vector stores and lane stores, the bulk
 * operations, and the embedder's writes. */
static void write_everywhere(tea_wasm_instance *in, tea_wasm_memory *mem) {
  tea_error err;
  assert_int_equal(tea_wasm_call(in, "scalar", NULL, 0, NULL, 0, &err), TEA_OK);
  assert_int_equal(tea_wasm_call(in, "vector", NULL, 0, NULL, 0, &err), TEA_OK);
  assert_int_equal(tea_wasm_call(in, "bulk", NULL, 0, NULL, 0, &err), TEA_OK);
  /* p = 76000, q = 12000: b at q + 8, q + 16 and p + q (88000) */
  tea_wasm_val args[3] = {i32v(76000), i32v(12000), {.type = TEA_WASM_F64, .of.f64 = 3.0}};
  double one = 1.0;
  static const uint64_t b_at[] = {12008, 12016, 88000};
  for (int k = 0; k < 3; k++) assert_int_equal(tea_wasm_memory_write(mem, b_at[k], &one, 8, &err), TEA_OK);
  assert_int_equal(tea_wasm_call(in, "fused", args, 3, NULL, 0, &err), TEA_OK);
  tea_wasm_val at = i32v(110000);
  assert_int_equal(tea_wasm_call(in, "fused_vector", &at, 1, NULL, 0, &err), TEA_OK);
  assert_int_equal(tea_wasm_memory_write(mem, 96000, "host bytes", 10, &err), TEA_OK);
  uint8_t *span = tea_wasm_memory_span(mem, 124000, 8);
  assert_non_null(span);
  memset(span, 0xee, 8);
}

/* The first byte that is neither zero nor (with_segment) the active data
 * segment's, or -1. */
static int64_t first_difference_from(tea_wasm_memory *mem, bool with_segment) {
  uint64_t size = tea_wasm_memory_size(mem);
  uint8_t *b = malloc(size);
  tea_error err;
  assert_int_equal(tea_wasm_memory_read(mem, 0, b, size, &err), TEA_OK);
  int64_t at = -1;
  for (uint64_t i = 0; i < size && at < 0; i++) {
    uint64_t k = i - WRITES_SEGMENT_AT;
    uint8_t want = with_segment && i >= WRITES_SEGMENT_AT && k < sizeof writes_segment - 1
                       ? (uint8_t)writes_segment[k] : 0;
    if (b[i] != want) at = (int64_t)i;
  }
  free(b);
  return at;
}
static int64_t first_difference(tea_wasm_memory *mem) { return first_difference_from(mem, true); }

static tea_wasm_module *load_wat(const char *file) {
  size_t len;
  uint8_t *bytes = read_file(file, &len);
  tea_error err;
  tea_wasm_module *m;
  assert_int_equal(tea_wasm_module_load(bytes, len, NULL, &m, &err), TEA_OK);
  free(bytes);
  return m;
}

/* First in the list: it needs this thread to hold no spare memory yet, so
 * that the second instance below gets the first one's memory back. */
/* The same sequence with and without tracking (whose resets cover everything). */
static void resets_undo_every_kind_of_write(bool track) {
  tea_wasm_limits lim = {.track_writes = track};
  tea_wasm_module *m = load_wat("writes.wasm"), *blank = load_wat("blank.wasm");
  tea_error err;
  tea_wasm_linker *l;
  assert_int_equal(tea_wasm_linker_new(&l, &err), TEA_OK);
  tea_wasm_store *st;
  tea_wasm_instance *in;
  assert_int_equal(tea_wasm_store_new(&lim, &st, &err), TEA_OK);
  assert_int_equal(tea_wasm_instantiate(st, m, l, &in, &err), TEA_OK);
  tea_wasm_memory *mem = tea_wasm_instance_memory(in);
  const uint8_t *first = tea_wasm_memory_span(mem, 0, 0);
  assert_int_equal(first_difference(mem), -1);
  write_everywhere(in, mem);
  assert_true(first_difference(mem) >= 0);
  tea_wasm_store_free(st);

  /* an instance of another module on this thread gets that memory back,
     zeroed: the data segment went too */
  assert_int_equal(tea_wasm_store_new(&lim, &st, &err), TEA_OK);
  assert_int_equal(tea_wasm_instantiate(st, blank, l, &in, &err), TEA_OK);
  mem = tea_wasm_instance_memory(in);
  assert_ptr_equal(tea_wasm_memory_span(mem, 0, 0), first);
  assert_int_equal(first_difference_from(mem, false), -1);
  tea_wasm_store_free(st);

  assert_int_equal(tea_wasm_store_new(&lim, &st, &err), TEA_OK);
  assert_int_equal(tea_wasm_instantiate(st, m, l, &in, &err), TEA_OK);
  mem = tea_wasm_instance_memory(in);
  assert_ptr_equal(tea_wasm_memory_span(mem, 0, 0), first);
  assert_int_equal(first_difference(mem), -1);

  /* a snapshot restore puts back what was written, twice over */
  tea_wasm_snapshot *snap;
  assert_int_equal(tea_wasm_snapshot_take(in, &snap, &err), TEA_OK);
  for (int round = 0; round < 2; round++) {
    write_everywhere(in, mem);
    assert_true(first_difference(mem) >= 0);
    assert_int_equal(tea_wasm_snapshot_restore(in, snap, &err), TEA_OK);
    assert_int_equal(first_difference(mem), -1);
  }
  /* the raw pointer may have been written anywhere: everything goes back */
  uint8_t *raw = tea_wasm_memory_data(mem);
  raw[5000] = 1;
  raw[130000] = 2;
  assert_int_equal(tea_wasm_snapshot_restore(in, snap, &err), TEA_OK);
  assert_int_equal(first_difference(mem), -1);
  tea_wasm_snapshot_free(snap);
  tea_wasm_store_free(st);
  tea_wasm_linker_free(l);
  tea_wasm_module_free(m);
  tea_wasm_module_free(blank);
}

static void test_resets_undo_every_kind_of_write(void **state) {
  (void)state;
  resets_undo_every_kind_of_write(true);
  resets_undo_every_kind_of_write(false);
}

static void test_fuel_is_deterministic_and_stops(void **state) {
  (void)state;
  fixture fx;
  tea_wasm_limits lim = {.fuel = 1000000};
  setup_with(&fx, false, &lim);
  tea_error err;
  tea_wasm_val arg = i32v(1000), res;
  assert_int_equal(tea_wasm_call(fx.inst, "count", &arg, 1, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.i32, 1000);
  uint64_t used = tea_wasm_store_fuel_used(fx.store);
  assert_true(used >= 1000); /* at least one unit per iteration */
  tea_wasm_store_set_fuel(fx.store, 1000000);
  assert_int_equal(tea_wasm_call(fx.inst, "count", &arg, 1, &res, 1, &err), TEA_OK);
  assert_int_equal(tea_wasm_store_fuel_used(fx.store), used); /* same run, same count */
  /* twice the work costs about twice the fuel */
  arg = i32v(2000);
  tea_wasm_store_set_fuel(fx.store, 1000000);
  assert_int_equal(tea_wasm_call(fx.inst, "count", &arg, 1, &res, 1, &err), TEA_OK);
  uint64_t used2 = tea_wasm_store_fuel_used(fx.store);
  assert_true(used2 > used + 900 && used2 < 2 * used + 100);
  /* a budget too small for the loop traps, and the store stays usable */
  tea_wasm_store_set_fuel(fx.store, 500);
  assert_int_equal(tea_wasm_call(fx.inst, "count", &arg, 1, &res, 1, &err), TEA_ERR_TRAP);
  assert_string_equal(err.msg, "out of fuel");
  tea_wasm_store_set_fuel(fx.store, 10000);
  assert_int_equal(tea_wasm_call(fx.inst, "spin", NULL, 0, NULL, 0, &err), TEA_ERR_TRAP);
  assert_string_equal(err.msg, "out of fuel");
  tea_wasm_store_set_fuel(fx.store, 0); /* unmetered */
  arg = i32v(10);
  assert_int_equal(tea_wasm_call(fx.inst, "count", &arg, 1, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.i32, 10);
  teardown(&fx);
}

static void *interrupt_later(void *p) {
  struct timespec ts = {0, 50 * 1000 * 1000};
  nanosleep(&ts, NULL);
  tea_wasm_store_interrupt(p);
  return NULL;
}

static void test_interrupt_from_another_thread(void **state) {
  (void)state;
  fixture fx;
  setup_with(&fx, false, NULL);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, interrupt_later, fx.store), 0);
  tea_error err;
  assert_int_equal(tea_wasm_call(fx.inst, "spin", NULL, 0, NULL, 0, &err), TEA_ERR_TRAP);
  assert_string_equal(err.msg, "interrupted");
  pthread_join(t, NULL);
  tea_wasm_store_clear_interrupt(fx.store);
  tea_wasm_val arg = i32v(5), res;
  assert_int_equal(tea_wasm_call(fx.inst, "count", &arg, 1, &res, 1, &err), TEA_OK);
  teardown(&fx);
}

static void test_runaway_recursion_traps(void **state) {
  (void)state;
  fixture fx;
  tea_wasm_limits lim = {.max_call_depth = 500};
  setup_with(&fx, false, &lim);
  tea_error err;
  tea_wasm_val arg = i32v(0), res;
  assert_int_equal(tea_wasm_call(fx.inst, "recurse", &arg, 1, &res, 1, &err), TEA_ERR_TRAP);
  assert_string_equal(err.msg, "call stack exhausted");
  /* the stack unwound: normal calls work again */
  arg = i32v(3);
  assert_int_equal(tea_wasm_call(fx.inst, "count", &arg, 1, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.i32, 3);
  teardown(&fx);
  /* a small value stack is exhausted before the depth limit */
  lim = (tea_wasm_limits){.stack_slots = 256};
  setup_with(&fx, false, &lim);
  arg = i32v(0);
  assert_int_equal(tea_wasm_call(fx.inst, "recurse", &arg, 1, &res, 1, &err), TEA_ERR_TRAP);
  assert_string_equal(err.msg, "call stack exhausted");
  teardown(&fx);
}

static void test_deterministic_nans(void **state) {
  (void)state;
  fixture fx;
  setup_with(&fx, true, NULL);
  tea_error err;
  tea_wasm_val args[2] = {{.type = TEA_WASM_F32, .of.f32 = 0.0f}, {.type = TEA_WASM_F32, .of.f32 = 0.0f}}, res;
  assert_int_equal(tea_wasm_call(fx.inst, "div32", args, 2, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.u32, 0x7fc00000u);
  tea_wasm_val d = {.type = TEA_WASM_F64, .of.f64 = -1.0};
  assert_int_equal(tea_wasm_call(fx.inst, "sqrt64", &d, 1, &res, 1, &err), TEA_OK);
  assert_true(res.of.u64 == 0x7ff8000000000000ull);
  /* neg is a bit operation: a NaN's payload and sign pass through unchanged */
  tea_wasm_val n = {.type = TEA_WASM_F32, .of.u64 = 0x7fa00001u};
  assert_int_equal(tea_wasm_call(fx.inst, "neg32", &n, 1, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.u32, 0xffa00001u);
  teardown(&fx);
}

static void test_host_functions_and_traps(void **state) {
  (void)state;
  fixture fx;
  setup_with(&fx, false, NULL);
  tea_error err;
  tea_wasm_val args[2] = {i32v(40), i32v(2)}, res;
  assert_int_equal(tea_wasm_call(fx.inst, "call_add", args, 2, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.i32, 42);
  assert_int_equal(tea_wasm_call(fx.inst, "call_fail", args, 1, &res, 1, &err), TEA_ERR_TRAP);
  assert_string_equal(err.msg, "host refused 40");
  /* wrong arity or types from the embedder are refused before running */
  assert_int_equal(tea_wasm_call(fx.inst, "call_add", args, 1, &res, 1, &err), TEA_ERR_ARG);
  tea_wasm_val bad[2] = {{.type = TEA_WASM_F32, .of.f32 = 1}, i32v(1)};
  assert_int_equal(tea_wasm_call(fx.inst, "call_add", bad, 2, &res, 1, &err), TEA_ERR_ARG);
  assert_int_equal(tea_wasm_call(fx.inst, "nope", NULL, 0, NULL, 0, &err), TEA_ERR_NOT_FOUND);
  teardown(&fx);
}

/* A linker-owned host function: one linker, built once, serves stores on
 * several threads at once; each call finds its own store's state through
 * the store's user pointer, and the env is the one given at definition. */
typedef struct per_store {
  int32_t calls, offset;
} per_store;
static int shared_env_tag;
static tea_code host_add_counted(tea_wasm_host_call *call, tea_wasm_slot *s) {
  if (call->env != &shared_env_tag) return tea_fail(call->err, TEA_ERR_TRAP, "wrong env");
  per_store *ps = tea_wasm_store_user(call->store);
  ps->calls++;
  s[0].i32 = s[0].i32 + s[1].i32 + ps->offset;
  return TEA_OK;
}

/* A linker that owns host.fail and host.add (engine.wat's imports); add is
 * given `params` parameters, so one short makes a mismatch. */
static tea_wasm_linker *owning_linker(uint32_t add_params) {
  tea_error err;
  tea_wasm_linker *l;
  tea_wasm_valtype i32 = TEA_WASM_I32, two[2] = {TEA_WASM_I32, TEA_WASM_I32};
  assert_int_equal(tea_wasm_linker_new(&l, &err), TEA_OK);
  assert_int_equal(tea_wasm_linker_define_host(l, "host", "fail", &i32, 1, &i32, 1, host_fail, NULL, &err), TEA_OK);
  assert_int_equal(tea_wasm_linker_define_host(l, "host", "add", two, add_params, &i32, 1, host_add_counted,
                                               &shared_env_tag, &err), TEA_OK);
  return l;
}

typedef struct shared_run {
  const tea_wasm_module *module;
  tea_wasm_linker *linker;
  int32_t offset;
  int ok; /* rounds that answered right */
} shared_run;

static void *run_shared(void *arg) {
  shared_run *r = arg;
  for (int round = 0; round < 200; round++) {
    tea_error err;
    tea_wasm_store *st;
    tea_wasm_instance *in;
    per_store ps = {0, r->offset};
    if (tea_wasm_store_new(NULL, &st, &err) != TEA_OK) return NULL;
    tea_wasm_store_set_user(st, &ps);
    tea_wasm_val args[2] = {i32v(round), i32v(2)}, res = {0};
    if (tea_wasm_instantiate(st, r->module, r->linker, &in, &err) == TEA_OK &&
        tea_wasm_call(in, "call_add", args, 2, &res, 1, &err) == TEA_OK && res.of.i32 == round + 2 + r->offset &&
        ps.calls == 1)
      r->ok++;
    tea_wasm_store_free(st);
  }
  return NULL;
}

static void test_linker_owned_host_functions_serve_many_stores(void **state) {
  (void)state;
  tea_error err;
  tea_wasm_module *m = load_wat("engine.wasm");
  tea_wasm_linker *l = owning_linker(2);
  tea_wasm_valtype two[2] = {TEA_WASM_I32, TEA_WASM_I32}, i32 = TEA_WASM_I32;
  assert_int_equal(tea_wasm_linker_define_host(l, "host", "null", two, 2, &i32, 1, NULL, NULL, &err), TEA_ERR_ARG);
  shared_run runs[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    runs[i] = (shared_run){m, l, 1000 * (i + 1), 0};
    assert_int_equal(pthread_create(&th[i], NULL, run_shared, &runs[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(runs[i].ok, 200);
  }
  /* a trap from a linker-owned function travels out as from any other */
  tea_wasm_store *st;
  tea_wasm_instance *in;
  assert_int_equal(tea_wasm_store_new(NULL, &st, &err), TEA_OK);
  assert_int_equal(tea_wasm_instantiate(st, m, l, &in, &err), TEA_OK);
  tea_wasm_val a = i32v(9), res;
  assert_int_equal(tea_wasm_call(in, "call_fail", &a, 1, &res, 1, &err), TEA_ERR_TRAP);
  assert_string_equal(err.msg, "host refused 9");
  tea_wasm_store_free(st);
  tea_wasm_linker_free(l);
  tea_wasm_module_free(m);
}

/* Imports resolved once (tea_wasm_linker_resolve) serve every later
 * instance (tea_wasm_instantiate_with); types are still checked there, and
 * an unknown import is named when resolving. */
static void test_resolved_imports(void **state) {
  (void)state;
  tea_error err;
  tea_wasm_module *m = load_wat("engine.wasm");
  tea_wasm_linker *l = owning_linker(2), *wrong = owning_linker(1), *partial;
  tea_wasm_valtype i32 = TEA_WASM_I32;
  assert_int_equal(tea_wasm_linker_new(&partial, &err), TEA_OK);
  assert_int_equal(tea_wasm_linker_define_host(partial, "host", "fail", &i32, 1, &i32, 1, host_fail, NULL, &err),
                   TEA_OK);
  tea_wasm_extern *imports = NULL, *bad = NULL;
  assert_int_equal(tea_wasm_linker_resolve(partial, m, &imports, &err), TEA_ERR_LINK);
  assert_null(imports);
  assert_non_null(strstr(err.msg, "host::add"));
  assert_int_equal(tea_wasm_linker_resolve(l, m, &imports, &err), TEA_OK);
  size_t n = tea_wasm_module_import_count(m);
  for (int round = 0; round < 3; round++) {
    tea_wasm_store *st;
    tea_wasm_instance *in;
    per_store ps = {0, 100 * round};
    assert_int_equal(tea_wasm_store_new(NULL, &st, &err), TEA_OK);
    tea_wasm_store_set_user(st, &ps);
    assert_int_equal(tea_wasm_instantiate_with(st, m, imports, n - 1, &in, &err), TEA_ERR_ARG);
    assert_int_equal(tea_wasm_instantiate_with(st, m, imports, n, &in, &err), TEA_OK);
    tea_wasm_val args[2] = {i32v(40), i32v(2)}, res;
    assert_int_equal(tea_wasm_call(in, "call_add", args, 2, &res, 1, &err), TEA_OK);
    assert_int_equal(res.of.i32, 42 + 100 * round);
    tea_wasm_store_free(st);
  }
  assert_int_equal(tea_wasm_linker_resolve(wrong, m, &bad, &err), TEA_OK);
  tea_wasm_store *st;
  tea_wasm_instance *in;
  assert_int_equal(tea_wasm_store_new(NULL, &st, &err), TEA_OK);
  assert_int_equal(tea_wasm_instantiate_with(st, m, bad, n, &in, &err), TEA_ERR_LINK);
  assert_non_null(strstr(err.msg, "incompatible import type: host::add"));
  tea_wasm_store_free(st);
  free(imports);
  free(bad);
  tea_wasm_linker_free(l);
  tea_wasm_linker_free(partial);
  tea_wasm_linker_free(wrong);
  tea_wasm_module_free(m);
}

static void test_memory_bounds_and_limits(void **state) {
  (void)state;
  fixture fx;
  tea_wasm_limits lim = {.max_memory_pages = 2};
  setup_with(&fx, false, &lim);
  tea_error err;
  tea_wasm_memory *mem = tea_wasm_instance_memory(fx.inst);
  assert_non_null(mem);
  assert_int_equal(tea_wasm_memory_size(mem), 65536);
  uint32_t v = 0x01020304;
  assert_int_equal(tea_wasm_memory_write(mem, 100, &v, 4, &err), TEA_OK);
  tea_wasm_val arg = i32v(100), res;
  assert_int_equal(tea_wasm_call(fx.inst, "load", &arg, 1, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.u32, 0x01020304);
  assert_int_equal(tea_wasm_memory_read(mem, 65534, &v, 4, &err), TEA_ERR_TRAP);
  assert_int_equal(tea_wasm_memory_write(mem, UINT64_MAX - 1, &v, 4, &err), TEA_ERR_TRAP);
  assert_null(tea_wasm_memory_span(mem, 65535, 2));
  arg = i32v(65533);
  assert_int_equal(tea_wasm_call(fx.inst, "load", &arg, 1, &res, 1, &err), TEA_ERR_TRAP);
  assert_string_equal(err.msg, "out of bounds memory access");
  /* the embedder's limit (2 pages) caps the module's maximum (4) */
  arg = i32v(1);
  assert_int_equal(tea_wasm_call(fx.inst, "grow", &arg, 1, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.i32, 1);
  assert_int_equal(tea_wasm_call(fx.inst, "grow", &arg, 1, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.i32, -1);
  arg = i32v(65533);
  assert_int_equal(tea_wasm_call(fx.inst, "load", &arg, 1, &res, 1, &err), TEA_OK);
  teardown(&fx);
}

/* Out-of-bounds loads trap at the memory's current size, also when the
 * memory reuses the mapping of one that had grown further (stores keep a
 * spare per thread), and on several threads at once. */
static void oob_rounds(void) {
  for (int round = 0; round < 8; round++) {
    fixture fx;
    setup_with(&fx, false, NULL);
    tea_error err;
    tea_wasm_val arg, res;
    if (round % 2 == 0) {
      arg = i32v(2);
      assert_int_equal(tea_wasm_call(fx.inst, "grow", &arg, 1, &res, 1, &err), TEA_OK);
      assert_int_equal(res.of.i32, 1);
      arg = i32v(3 * 65536 - 4);
      assert_int_equal(tea_wasm_call(fx.inst, "load", &arg, 1, &res, 1, &err), TEA_OK);
      assert_int_equal(res.of.i32, 0);
      arg = i32v(3 * 65536 - 3);
      assert_int_equal(tea_wasm_call(fx.inst, "load", &arg, 1, &res, 1, &err), TEA_ERR_TRAP);
    } else {
      arg = i32v(65536 - 4);
      assert_int_equal(tea_wasm_call(fx.inst, "load", &arg, 1, &res, 1, &err), TEA_OK);
      arg = i32v(65536);
      assert_int_equal(tea_wasm_call(fx.inst, "load", &arg, 1, &res, 1, &err), TEA_ERR_TRAP);
      assert_string_equal(err.msg, "out of bounds memory access");
      arg = i32v(2 * 65536 + 8); /* inside what the previous round had grown */
      assert_int_equal(tea_wasm_call(fx.inst, "load", &arg, 1, &res, 1, &err), TEA_ERR_TRAP);
    }
    arg = i32v(-1);
    assert_int_equal(tea_wasm_call(fx.inst, "load", &arg, 1, &res, 1, &err), TEA_ERR_TRAP);
    assert_int_equal(tea_wasm_call(fx.inst, "bump", NULL, 0, &res, 1, &err), TEA_OK);
    assert_int_equal(res.of.i32, 8); /* and the instance still runs */
    teardown(&fx);
  }
}

static void *oob_thread(void *unused) {
  (void)unused;
  oob_rounds();
  return NULL;
}

static void test_out_of_bounds_on_every_memory_and_thread(void **state) {
  (void)state;
  oob_rounds();
  pthread_t t[2];
  for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, oob_thread, NULL), 0);
  for (int i = 0; i < 2; i++) assert_int_equal(pthread_join(t[i], NULL), 0);
}

/* A SIGSEGV handler installed after the first memory (a harness catching
 * crashes, say) must not take a guest's faults: the next memory puts the
 * runtime's handler back, so an out-of-bounds access is still a trap. After
 * tea_wasm_guard_check_once the runtime checks once more and then leaves the
 * handler alone. Each case runs in a child: the handler and the setting
 * belong to the whole process. */
static void foreign_handler(int sig) {
  (void)sig;
  _exit(3); /* a guest's fault reached it */
}

static int guard_case(bool once) {
  if (once) tea_wasm_guard_check_once();
  fixture fx;
  setup_with(&fx, false, NULL); /* the first memory */
  struct sigaction foreign = {0}, now;
  foreign.sa_handler = foreign_handler;
  sigemptyset(&foreign.sa_mask);
  if (sigaction(SIGSEGV, &foreign, NULL) != 0) return 4;
  tea_wasm_instance *second;
  tea_error err;
  if (tea_wasm_instantiate(fx.store, fx.module, fx.linker, &second, &err) != TEA_OK) return 5;
  if (sigaction(SIGSEGV, NULL, &now) != 0) return 4;
  bool kept = !(now.sa_flags & SA_SIGINFO) && now.sa_handler == foreign_handler;
  if (once) return kept ? 0 : 6; /* where the runtime has no handler, it never touches it */
  tea_wasm_val arg = i32v(-16), res;
  if (tea_wasm_call(second, "load", &arg, 1, &res, 1, &err) != TEA_ERR_TRAP) return 7;
  if (strcmp(err.msg, "out of bounds memory access") != 0) return 8;
  teardown(&fx);
  return 0;
}

static void test_guard_handler_survives_foreign_handlers(void **state) {
  (void)state;
  for (int once = 0; once < 2; once++) {
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(guard_case(once));
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0) print_error("case once=%d: child exit %d\n", once, WEXITSTATUS(status));
    assert_int_equal(WEXITSTATUS(status), 0);
  }
}

/* Every export found by its index is the one found by its name; an index
 * past the list is an error, not a crash. */
static void test_exports_by_index(void **state) {
  (void)state;
  fixture fx;
  setup_with(&fx, false, NULL);
  tea_error err;
  size_t n = tea_wasm_module_export_count(fx.module);
  assert_true(n > 3);
  for (size_t i = 0; i < n; i++) {
    tea_wasm_extern_kind kind;
    const char *name = tea_wasm_module_export_name(fx.module, i, &kind);
    tea_wasm_extern by_name, by_index;
    assert_int_equal(tea_wasm_instance_export(fx.inst, name, &by_name, &err), TEA_OK);
    assert_int_equal(tea_wasm_instance_export_at(fx.inst, i, &by_index, &err), TEA_OK);
    assert_int_equal(by_index.kind, kind);
    assert_int_equal(by_index.kind, by_name.kind);
    assert_ptr_equal(by_index.of.func, by_name.of.func); /* the union's pointer, whatever the kind */
  }
  tea_wasm_extern ext;
  assert_int_equal(tea_wasm_instance_export_at(fx.inst, n, &ext, &err), TEA_ERR_NOT_FOUND);
  assert_int_equal(tea_wasm_instance_export(fx.inst, "no such export", &ext, &err), TEA_ERR_NOT_FOUND);
  /* a function found by index runs */
  size_t called = 0;
  for (size_t i = 0; i < n; i++) {
    tea_wasm_extern_kind kind;
    if (strcmp(tea_wasm_module_export_name(fx.module, i, &kind), "call_add") != 0) continue;
    assert_int_equal(tea_wasm_instance_export_at(fx.inst, i, &ext, &err), TEA_OK);
    tea_wasm_val args[2] = {i32v(40), i32v(2)}, res;
    assert_int_equal(tea_wasm_func_call(fx.store, ext.of.func, args, 2, &res, 1, &err), TEA_OK);
    assert_int_equal(res.of.i32, 42);
    called++;
  }
  assert_int_equal(called, 1);
  teardown(&fx);
}

/* c[p] += x * b[q]: the fused forms compute exactly what the separate
 * instructions do (two roundings), write the tee'd local, and trap before
 * storing anything when either access is out of bounds. */
static void test_fused_multiply_add_store(void **state) {
  (void)state;
  fixture fx;
  setup_with(&fx, false, NULL);
  tea_error err;
  tea_wasm_memory *mem = tea_wasm_instance_memory(fx.inst);
  const char *names[3] = {"axpy_l", "axpy_k", "axpy_t"};
  const uint32_t boff[3] = {8, 16, 0}; /* where each form reads b from q */
  for (int f = 0; f < 3; f++) {
    double c = 0.1 * (f + 1), b = 1.0 / 3.0, x = 3.0, got;
    uint32_t p = 64, q = f == 2 ? 128 : 128 + 1000; /* axpy_t reads b at p + q */
    uint32_t at = f == 2 ? p + q : q + boff[f];
    assert_int_equal(tea_wasm_memory_write(mem, p, &c, 8, &err), TEA_OK);
    assert_int_equal(tea_wasm_memory_write(mem, at, &b, 8, &err), TEA_OK);
    tea_wasm_val args[3] = {i32v((int32_t)p), i32v((int32_t)q), {.type = TEA_WASM_F64, .of.f64 = x}};
    tea_wasm_val res;
    assert_int_equal(tea_wasm_call(fx.inst, names[f], args, 3, &res, f == 2 ? 1 : 0, &err), TEA_OK);
    if (f == 2) assert_int_equal(res.of.u32, p + q);
    assert_int_equal(tea_wasm_memory_read(mem, p, &got, 8, &err), TEA_OK);
    volatile double prod = x * b; /* rounded on its own, as f64.mul */
    double want = c + prod;
    assert_memory_equal(&got, &want, 8);
    /* b out of bounds: a trap, and c untouched */
    args[1] = i32v(f == 2 ? 65536 - 64 - 4 : 65536 - (int32_t)boff[f] - 4);
    assert_int_equal(tea_wasm_call(fx.inst, names[f], args, 3, &res, f == 2 ? 1 : 0, &err), TEA_ERR_TRAP);
    assert_string_equal(err.msg, "out of bounds memory access");
    assert_int_equal(tea_wasm_memory_read(mem, p, &got, 8, &err), TEA_OK);
    assert_memory_equal(&got, &want, 8);
  }
  teardown(&fx);
}

static void test_instances_share_code_not_state(void **state) {
  (void)state;
  fixture fx;
  setup_with(&fx, false, NULL);
  tea_error err;
  tea_wasm_instance *second;
  assert_int_equal(tea_wasm_instantiate(fx.store, fx.module, fx.linker, &second, &err), TEA_OK);
  tea_wasm_val res;
  assert_int_equal(tea_wasm_call(fx.inst, "bump", NULL, 0, &res, 1, &err), TEA_OK);
  assert_int_equal(tea_wasm_call(fx.inst, "bump", NULL, 0, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.i32, 9);
  assert_int_equal(tea_wasm_call(second, "bump", NULL, 0, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.i32, 8);
  uint32_t v = 7;
  tea_wasm_memory_write(tea_wasm_instance_memory(fx.inst), 0, &v, 4, &err);
  tea_wasm_val arg = i32v(0);
  assert_int_equal(tea_wasm_call(second, "load", &arg, 1, &res, 1, &err), TEA_OK);
  assert_int_equal(res.of.i32, 0);
  teardown(&fx);
}

static void test_bad_modules_are_rejected_with_reasons(void **state) {
  (void)state;
  tea_error err;
  tea_wasm_module *m = NULL;
  const uint8_t junk[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
  assert_int_equal(tea_wasm_module_load(junk, sizeof junk, NULL, &m, &err), TEA_ERR_MALFORMED);
  assert_null(m);
  assert_non_null(strstr(err.msg, "version"));
  /* a function whose body adds an i32 to an f32 */
  const uint8_t bad[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
                         0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x41,
                         0x01, 0x43, 0x00, 0x00, 0x80, 0x3f, 0x6a, 0x1a, 0x0b};
  assert_int_equal(tea_wasm_module_load(bad, sizeof bad, NULL, &m, &err), TEA_ERR_INVALID);
  assert_non_null(strstr(err.msg, "type mismatch"));
  assert_non_null(strstr(err.msg, "offset"));
  size_t len;
  /* a truncated module is refused cleanly, unless the cut falls between
     sections before the exports (a shorter but valid module) */
  uint8_t *good = read_file("engine.wasm", &len);
  int refused = 0;
  for (size_t cut = 0; cut < len; cut++) {
    if (tea_wasm_module_load(good, cut, NULL, &m, &err) == TEA_OK) {
      assert_int_equal(tea_wasm_module_export_count(m), 0);
      tea_wasm_module_free(m);
    } else {
      assert_null(m);
      refused++;
    }
  }
  assert_true(refused > (int)len - 10);
  free(good);
}

/* host "swap"(i32 a, v128 v, i64 b) -> (v128 with its i32 lanes reversed,
 * i32 a + b): a v128 takes two slots, so b is in slot 3 and the i32 result in
 * slot 2. The bytes are in WebAssembly order (lane 0 first, little-endian). */
static tea_code host_swap(tea_wasm_host_call *call, tea_wasm_slot *s) {
  (void)call;
  uint8_t in[16], out[16];
  memcpy(in, &s[1], 16);
  int32_t sum = s[0].i32 + (int32_t)s[3].i64;
  for (int i = 0; i < 4; i++) memcpy(out + 4 * i, in + 4 * (3 - i), 4);
  memcpy(&s[0], out, 16);
  s[2].u64 = (uint32_t)sum;
  return TEA_OK;
}

static tea_wasm_val v128_i32x4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  tea_wasm_val v;
  memset(&v, 0, sizeof v);
  v.type = TEA_WASM_V128;
  uint32_t l[4] = {a, b, c, d};
  for (int i = 0; i < 16; i++) v.v128[i] = (uint8_t)(l[i / 4] >> (8 * (i % 4)));
  return v;
}
static uint32_t lane32(const tea_wasm_val *v, int i) {
  return (uint32_t)v->v128[4 * i] | (uint32_t)v->v128[4 * i + 1] << 8 |
         (uint32_t)v->v128[4 * i + 2] << 16 | (uint32_t)v->v128[4 * i + 3] << 24;
}

static void test_simd_values_cross_the_api(void **state) {
  (void)state;
  size_t len;
  uint8_t *bytes = read_file("simd.wasm", &len);
  tea_error err;
  for (int det = 0; det < 2; det++) {
    tea_wasm_config cfg = {.deterministic = det};
    tea_wasm_module *m;
    tea_wasm_store *st;
    tea_wasm_linker *l;
    tea_wasm_instance *in;
    assert_int_equal(tea_wasm_module_load(bytes, len, &cfg, &m, &err), TEA_OK);
    assert_int_equal(tea_wasm_store_new(NULL, &st, &err), TEA_OK);
    assert_int_equal(tea_wasm_linker_new(&l, &err), TEA_OK);
    tea_wasm_valtype p[3] = {TEA_WASM_I32, TEA_WASM_V128, TEA_WASM_I64};
    tea_wasm_valtype r[2] = {TEA_WASM_V128, TEA_WASM_I32};
    assert_int_equal(tea_wasm_linker_define_func(l, st, "host", "swap", p, 3, r, 2, host_swap,
                                                 NULL, &err), TEA_OK);
    assert_int_equal(tea_wasm_instantiate(st, m, l, &in, &err), TEA_OK);

    tea_wasm_val res[2];
    assert_int_equal(tea_wasm_call(in, "v", NULL, 0, res, 1, &err), TEA_OK);
    assert_int_equal(res[0].of.i32, 1);

    tea_wasm_val args[3] = {v128_i32x4(1, 2, 3, 0xffffffffu), i32v(77), v128_i32x4(10, 20, 30, 2)};
    assert_int_equal(tea_wasm_call(in, "add", args, 3, res, 2, &err), TEA_OK);
    assert_int_equal(res[0].type, TEA_WASM_V128);
    assert_int_equal(lane32(&res[0], 0), 11);
    assert_int_equal(lane32(&res[0], 1), 22);
    assert_int_equal(lane32(&res[0], 2), 33);
    assert_int_equal(lane32(&res[0], 3), 1); /* wraps */
    assert_int_equal(res[1].of.i32, 77);

    tea_wasm_val a1 = v128_i32x4(1, 2, 3, 4);
    assert_int_equal(tea_wasm_call(in, "via_host", &a1, 1, res, 2, &err), TEA_OK);
    for (int i = 0; i < 4; i++) assert_int_equal(lane32(&res[0], i), 4 - i);
    assert_int_equal(res[1].of.i32, 12);

    tea_wasm_extern g;
    assert_int_equal(tea_wasm_instance_export(in, "g", &g, &err), TEA_OK);
    assert_int_equal(tea_wasm_call(in, "bump", NULL, 0, NULL, 0, &err), TEA_OK);
    tea_wasm_val gv = tea_wasm_global_get(g.of.global);
    assert_int_equal(gv.type, TEA_WASM_V128);
    assert_int_equal(lane32(&gv, 0), 11);
    assert_int_equal(lane32(&gv, 3), 41);
    assert_int_equal(tea_wasm_global_set(g.of.global, v128_i32x4(5, 6, 7, 8), &err), TEA_OK);
    assert_int_equal(tea_wasm_call(in, "bump", NULL, 0, NULL, 0, &err), TEA_OK);
    gv = tea_wasm_global_get(g.of.global);
    assert_int_equal(lane32(&gv, 0), 6);
    assert_int_equal(lane32(&gv, 3), 9);

    /* 0/0 lanes are NaN (canonical in deterministic mode), 1/1 lanes are 1 */
    assert_int_equal(tea_wasm_call(in, "nan", NULL, 0, res, 1, &err), TEA_OK);
    assert_int_equal(lane32(&res[0], 1), 0x3f800000u);
    assert_int_equal(lane32(&res[0], 3), 0x3f800000u);
    for (int i = 0; i < 4; i += 2) {
      uint32_t b = lane32(&res[0], i);
      assert_true((b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu));
      if (det) assert_int_equal(b, 0x7fc00000u);
    }
    tea_wasm_linker_free(l);
    tea_wasm_store_free(st);
    tea_wasm_module_free(m);
  }
  free(bytes);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_resets_undo_every_kind_of_write), /* first: see there */
      cmocka_unit_test(test_fuel_is_deterministic_and_stops),
      cmocka_unit_test(test_interrupt_from_another_thread),
      cmocka_unit_test(test_runaway_recursion_traps),
      cmocka_unit_test(test_deterministic_nans),
      cmocka_unit_test(test_host_functions_and_traps),
      cmocka_unit_test(test_linker_owned_host_functions_serve_many_stores),
      cmocka_unit_test(test_resolved_imports),
      cmocka_unit_test(test_memory_bounds_and_limits),
      cmocka_unit_test(test_out_of_bounds_on_every_memory_and_thread),
      cmocka_unit_test(test_guard_handler_survives_foreign_handlers),
      cmocka_unit_test(test_exports_by_index),
      cmocka_unit_test(test_fused_multiply_add_store),
      cmocka_unit_test(test_instances_share_code_not_state),
      cmocka_unit_test(test_bad_modules_are_rejected_with_reasons),
      cmocka_unit_test(test_simd_values_cross_the_api),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
