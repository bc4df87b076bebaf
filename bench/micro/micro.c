/* Engine micro-benchmarks: load throughput of a large module (in process, no
 * start-up), instantiation of a small module, the overhead of calling an empty
 * export from C and an empty host function from the guest, and the cost of
 * fuel metering. Prints one "name value unit" line each.
 * Usage: tea_micro MICRO.wasm [BIG.wasm] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tea/wasm.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return b;
}

static tea_code nop(tea_wasm_host_call *call, tea_wasm_slot *slots) {
  (void)call;
  (void)slots;
  return TEA_OK;
}

static void die(const char *what, const tea_error *err) {
  fprintf(stderr, "tea_micro: %s: %s\n", what, err->msg);
  exit(1);
}

/* Median of repeated timings of fn, in seconds per call of fn. */
typedef double (*timed_fn)(void *ctx);
static double median_of(timed_fn fn, void *ctx, int runs) {
  double t[31];
  if (runs > 31) runs = 31;
  for (int i = 0; i < runs; i++) t[i] = fn(ctx);
  for (int i = 1; i < runs; i++)
    for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
      double x = t[j];
      t[j] = t[j - 1];
      t[j - 1] = x;
    }
  return t[runs / 2];
}

typedef struct ctx {
  const uint8_t *bytes;
  size_t len;
  tea_wasm_module *module;
  tea_wasm_store *store;
  tea_wasm_linker *linker;
  tea_wasm_instance *inst;
  int n;
} ctx;

static double t_load(void *p) {
  ctx *c = p;
  tea_error err;
  tea_wasm_module *m;
  double t0 = now();
  if (tea_wasm_module_load(c->bytes, c->len, NULL, &m, &err) != TEA_OK) die("load", &err);
  double t = now() - t0;
  tea_wasm_module_free(m);
  return t;
}

static double t_instantiate(void *p) {
  ctx *c = p;
  tea_error err;
  double t0 = now();
  for (int i = 0; i < c->n; i++) {
    tea_wasm_store *s;
    tea_wasm_instance *in;
    if (tea_wasm_store_new(NULL, &s, &err) != TEA_OK) die("store", &err);
    if (tea_wasm_linker_define_func(c->linker, s, "env", "nop", NULL, 0, NULL, 0, nop, NULL, &err) !=
        TEA_OK)
      die("define", &err);
    if (tea_wasm_instantiate(s, c->module, c->linker, &in, &err) != TEA_OK) die("instantiate", &err);
    tea_wasm_store_free(s);
  }
  return (now() - t0) / c->n;
}

static double t_call_empty(void *p) {
  ctx *c = p;
  tea_error err;
  tea_wasm_extern ext;
  if (tea_wasm_instance_export(c->inst, "empty", &ext, &err) != TEA_OK) die("export", &err);
  double t0 = now();
  for (int i = 0; i < c->n; i++)
    if (tea_wasm_func_call(c->store, ext.of.func, NULL, 0, NULL, 0, &err) != TEA_OK) die("call", &err);
  return (now() - t0) / c->n;
}

static double t_call_host(void *p) {
  ctx *c = p;
  tea_error err;
  tea_wasm_val arg = {.type = TEA_WASM_I32, .of.i32 = c->n};
  double t0 = now();
  if (tea_wasm_call(c->inst, "call_host", &arg, 1, NULL, 0, &err) != TEA_OK) die("call_host", &err);
  return (now() - t0) / c->n;
}

static double t_spin(void *p) {
  ctx *c = p;
  tea_error err;
  tea_wasm_val arg = {.type = TEA_WASM_I32, .of.i32 = c->n}, res;
  double t0 = now();
  if (tea_wasm_call(c->inst, "spin", &arg, 1, &res, 1, &err) != TEA_OK) die("spin", &err);
  return now() - t0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: tea_micro MICRO.wasm [BIG.wasm]\n");
    return 2;
  }
  tea_error err;
  ctx c = {0};
  uint8_t *micro = slurp(argv[1], &c.len);
  if (!micro) return perror(argv[1]), 1;
  if (tea_wasm_module_load(micro, c.len, NULL, &c.module, &err) != TEA_OK) die("load micro", &err);
  if (tea_wasm_linker_new(&c.linker, &err) != TEA_OK) die("linker", &err);

  if (argc > 2) {
    size_t len;
    uint8_t *big = slurp(argv[2], &len);
    if (!big) return perror(argv[2]), 1;
    c.bytes = big;
    c.len = len;
    double t = median_of(t_load, &c, 7);
    printf("load_big %.1f MB/s (%zu bytes in %.2f ms: decode, validate, compile)\n",
           (double)len / t / 1e6, len, t * 1e3);
    free(big);
  }
  c.n = 2000;
  printf("instantiate %.2f us (store + link + instantiate + free, small module)\n",
         median_of(t_instantiate, &c, 9) * 1e6);

  if (tea_wasm_store_new(NULL, &c.store, &err) != TEA_OK) die("store", &err);
  if (tea_wasm_linker_define_func(c.linker, c.store, "env", "nop", NULL, 0, NULL, 0, nop, NULL,
                                  &err) != TEA_OK)
    die("define", &err);
  if (tea_wasm_instantiate(c.store, c.module, c.linker, &c.inst, &err) != TEA_OK) die("inst", &err);
  c.n = 1000000;
  printf("call_export %.1f ns (empty export called from C)\n", median_of(t_call_empty, &c, 9) * 1e9);
  printf("call_host %.1f ns (empty host function called from the guest)\n",
         median_of(t_call_host, &c, 9) * 1e9);
  c.n = 20000000;
  double unmetered = median_of(t_spin, &c, 7);
  tea_wasm_store_set_fuel(c.store, UINT64_C(1) << 60);
  double metered = 0;
  {
    double t[7];
    for (int i = 0; i < 7; i++) {
      tea_wasm_store_set_fuel(c.store, UINT64_C(1) << 60);
      t[i] = t_spin(&c);
    }
    for (int i = 1; i < 7; i++)
      for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
        double x = t[j];
        t[j] = t[j - 1];
        t[j - 1] = x;
      }
    metered = t[3];
  }
  printf("fuel_overhead %.1f %% (metered %.1f ms vs unmetered %.1f ms, %d loop iterations)\n",
         (metered / unmetered - 1) * 100, metered * 1e3, unmetered * 1e3, c.n);
  tea_wasm_store_free(c.store);
  tea_wasm_linker_free(c.linker);
  tea_wasm_module_free(c.module);
  free(micro);
  return 0;
}
