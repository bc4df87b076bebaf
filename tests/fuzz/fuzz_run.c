/* libFuzzer target: load, instantiate and run fuzzed modules under tight
 * limits. Every import is satisfied with a harmless stand-in of the right
 * type, and every exported function is called with zero arguments. Any
 * result is fine; a crash, a sanitizer report or a hang is a finding. */
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

/* Zero results: env carries the result slot count (a v128 takes two). */
static tea_code stub(tea_wasm_host_call *call, tea_wasm_slot *slots) {
  memset(slots, 0, (size_t)(uintptr_t)call->env * sizeof *slots);
  return TEA_OK;
}

static void define_imports(const tea_wasm_module *m, tea_wasm_store *s, tea_wasm_linker *l) {
  tea_error err;
  for (uint32_t i = 0; i < m->nimports; i++) {
    const tea_import *im = &m->imports[i];
    tea_wasm_extern ext = {.kind = im->kind};
    tea_code rc = TEA_ERR_ARG;
    switch (im->kind) {
    case TEA_WASM_EXTERN_FUNC: {
      const tea_functype *t = &m->types[im->func_type];
      if (t->nresults > 8) continue;
      tea_wasm_valtype p[64], r[8];
      if (t->nparams > 64) continue;
      for (uint32_t k = 0; k < t->nparams; k++) p[k] = (tea_wasm_valtype)t->types[k];
      for (uint32_t k = 0; k < t->nresults; k++) r[k] = (tea_wasm_valtype)t->types[t->nparams + k];
      rc = tea_wasm_func_new_host(s, p, t->nparams, r, t->nresults, stub,
                                  (void *)(uintptr_t)t->result_slots, &ext.of.func, &err);
      break;
    }
    case TEA_WASM_EXTERN_TABLE:
      rc = tea_table_create(s, im->table.elem, im->table.limits.min, im->table.limits.max,
                            im->table.limits.has_max, &ext.of.table, &err);
      break;
    case TEA_WASM_EXTERN_MEMORY:
      rc = tea_memory_create(s, im->memory.min, im->memory.max, im->memory.has_max, &ext.of.memory,
                             &err);
      break;
    case TEA_WASM_EXTERN_GLOBAL: {
      tea_wasm_slot zero = {.u64 = 0};
      rc = tea_global_create(s, im->global.type, im->global.mutable_, zero, &ext.of.global, &err);
      break;
    }
    }
    if (rc == TEA_OK) tea_wasm_linker_define(l, im->module, im->name, ext, &err);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tea_error err;
  tea_wasm_module *m;
  tea_wasm_config cfg = {.deterministic = size & 1};
  if (tea_wasm_module_load(data, size, &cfg, &m, &err) != TEA_OK) return 0;
  tea_wasm_limits lim = {.max_memory_pages = 16, .max_table_elems = 10000, .max_call_depth = 200,
                         .stack_slots = 1 << 16, .fuel = 200000,
                         /* half the inputs through the write-tracking loop, whose
                            resets assert (debug) that every write was marked */
                         .track_writes = (size >> 1) & 1};
  tea_wasm_store *s;
  tea_wasm_linker *l;
  if (tea_wasm_store_new(&lim, &s, &err) != TEA_OK) goto out;
  if (tea_wasm_linker_new(&l, &err) != TEA_OK) goto out_store;
  define_imports(m, s, l);
  tea_wasm_instance *in;
  if (tea_wasm_instantiate(s, m, l, &in, &err) == TEA_OK) {
    for (uint32_t i = 0; i < m->nexports; i++) {
      if (m->exports[i].kind != TEA_WASM_EXTERN_FUNC) continue;
      tea_wasm_func *f = in->funcs[m->exports[i].index];
      const tea_functype *t = f->type;
      if (t->nparams > 16 || t->nresults > 16) continue;
      tea_wasm_val args[16], res[16];
      memset(args, 0, sizeof args); /* zero v128s too */
      for (uint32_t k = 0; k < t->nparams; k++) args[k].type = (tea_wasm_valtype)t->types[k];
      tea_wasm_store_set_fuel(s, 200000);
      tea_wasm_func_call(s, f, args, t->nparams, res, t->nresults, &err);
    }
  }
  tea_wasm_linker_free(l);
out_store:
  tea_wasm_store_free(s);
out:
  tea_wasm_module_free(m);
  return 0;
}
