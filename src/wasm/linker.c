/* The linker: a table from (module, name) to the extern an import gets,
 * entries in definition order (they own their names and, for
 * tea_wasm_linker_define_host, their functions). A scan is enough: an
 * embedder that instantiates often resolves the imports once
 * (tea_wasm_linker_resolve). */
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

typedef struct entry {
  char *module; /* one allocation: "module\0name\0" (name points into it) */
  char *name;
  uint32_t hash; /* of module and name, to skip most string compares */
  bool owned;    /* ext.of.func is the linker's (tea_wasm_linker_define_host) */
  tea_wasm_extern ext;
} entry;

/* FNV-1a over "module\0name". */
static uint32_t key_hash(const char *module, const char *name) {
  uint32_t h = 2166136261u;
  for (const char *p = module; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  h = (h ^ 0u) * 16777619u;
  for (const char *p = name; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  return h;
}

struct tea_wasm_linker {
  entry *entries;
  size_t n, cap;
};

tea_code tea_wasm_linker_new(tea_wasm_linker **out, tea_error *err) {
  *out = calloc(1, sizeof **out);
  return *out ? TEA_OK : tea_fail(err, TEA_ERR_NOMEM, "out of memory");
}

void tea_wasm_linker_free(tea_wasm_linker *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) {
    free(l->entries[i].module);
    if (l->entries[i].owned) free(l->entries[i].ext.of.func);
  }
  free(l->entries);
  free(l);
}

/* The newest definition wins, so add() may simply append. */
static entry *find(const tea_wasm_linker *l, const char *module, const char *name) {
  uint32_t h = key_hash(module, name);
  for (size_t i = l->n; i > 0; i--) {
    entry *e = &l->entries[i - 1];
    if (e->hash == h && strcmp(e->name, name) == 0 && strcmp(e->module, module) == 0) return e;
  }
  return NULL;
}

static tea_code add(tea_wasm_linker *l, const char *module, const char *name, tea_wasm_extern ext,
                    bool owned, tea_error *err) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    entry *ne = realloc(l->entries, cap * sizeof *ne);
    if (!ne) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    l->entries = ne;
    l->cap = cap;
  }
  /* one copy of both names, not two */
  size_t ml = strlen(module) + 1, nl = strlen(name) + 1;
  char *m = malloc(ml + nl);
  if (!m) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  memcpy(m, module, ml);
  memcpy(m + ml, name, nl);
  l->entries[l->n++] = (entry){m, m + ml, key_hash(module, name), owned, ext};
  return TEA_OK;
}

tea_code tea_wasm_linker_define(tea_wasm_linker *l, const char *module, const char *name,
                                tea_wasm_extern ext, tea_error *err) {
  return add(l, module, name, ext, false, err);
}

tea_code tea_wasm_linker_define_host(tea_wasm_linker *l, const char *module, const char *name,
                                     const tea_wasm_valtype *params, uint32_t nparams,
                                     const tea_wasm_valtype *results, uint32_t nresults,
                                     tea_wasm_host_fn fn, void *env, tea_error *err) {
  if (!fn) return tea_fail(err, TEA_ERR_ARG, "host function is NULL");
  tea_wasm_func *f = tea_host_func_alloc(params, nparams, results, nresults, fn, env);
  if (!f) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  tea_code rc = add(l, module, name, (tea_wasm_extern){.kind = TEA_WASM_EXTERN_FUNC, .of.func = f}, true, err);
  if (rc != TEA_OK) free(f);
  return rc;
}

tea_code tea_wasm_linker_define_func(tea_wasm_linker *l, tea_wasm_store *store, const char *module,
                                     const char *name, const tea_wasm_valtype *params,
                                     uint32_t nparams, const tea_wasm_valtype *results,
                                     uint32_t nresults, tea_wasm_host_fn fn, void *env,
                                     tea_error *err) {
  tea_wasm_func *f;
  tea_code rc = tea_wasm_func_new_host(store, params, nparams, results, nresults, fn, env, &f, err);
  if (rc != TEA_OK) return rc;
  tea_wasm_extern ext = {.kind = TEA_WASM_EXTERN_FUNC, .of.func = f};
  return tea_wasm_linker_define(l, module, name, ext, err);
}

tea_code tea_wasm_linker_define_instance(tea_wasm_linker *l, const char *module_name,
                                         tea_wasm_instance *inst, tea_error *err) {
  const tea_wasm_module *m = inst->module;
  for (uint32_t i = 0; i < m->nexports; i++) {
    tea_wasm_extern ext;
    tea_code rc = tea_wasm_instance_export(inst, m->exports[i].name, &ext, err);
    if (rc == TEA_OK) rc = tea_wasm_linker_define(l, module_name, m->exports[i].name, ext, err);
    if (rc != TEA_OK) return rc;
  }
  return TEA_OK;
}

bool tea_linker_lookup(tea_wasm_linker *l, const char *module, const char *name,
                       tea_wasm_extern *out) {
  entry *e = l ? find(l, module, name) : NULL;
  if (e) *out = e->ext;
  return e != NULL;
}
