/* The linker: a table from (module, name) to the extern an import gets.
 * Entries are kept in definition order (they own their names and, for
 * tea_wasm_linker_define_host, their functions); an open-addressing index
 * over them finds an import in one or two probes, since a fresh instance per
 * request looks up every import of its module each time. */
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
  uint32_t *index; /* entry number + 1, 0 for an empty slot; a power of two long */
  size_t index_cap;
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
  free(l->index);
  free(l);
}

static bool same_key(const entry *e, uint32_t h, const char *module, const char *name) {
  return e->hash == h && strcmp(e->name, name) == 0 && strcmp(e->module, module) == 0;
}

/* The index slot for (module, name): the one holding it, or the empty one
 * where it would go. The index is never full (index() keeps it half empty). */
static uint32_t *slot_of(const tea_wasm_linker *l, uint32_t h, const char *module, const char *name) {
  size_t mask = l->index_cap - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t *s = &l->index[i];
    if (!*s || same_key(&l->entries[*s - 1], h, module, name)) return s;
  }
}

static entry *find(const tea_wasm_linker *l, const char *module, const char *name) {
  if (!l->n) return NULL;
  uint32_t *s = slot_of(l, key_hash(module, name), module, name);
  return *s ? &l->entries[*s - 1] : NULL;
}

/* Points the index at entry k (replacing an earlier definition of its key:
 * the newest wins), growing the index first when it would be over half full. */
static bool index_entry(tea_wasm_linker *l, size_t k) {
  if ((l->n + 1) * 2 > l->index_cap) {
    size_t cap = l->index_cap ? l->index_cap * 2 : 64;
    uint32_t *ix = calloc(cap, sizeof *ix);
    if (!ix) return false;
    free(l->index);
    l->index = ix;
    l->index_cap = cap;
    for (size_t i = 0; i < k; i++) *slot_of(l, l->entries[i].hash, l->entries[i].module, l->entries[i].name) = (uint32_t)i + 1;
  }
  const entry *e = &l->entries[k];
  *slot_of(l, e->hash, e->module, e->name) = (uint32_t)k + 1;
  return true;
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
  l->entries[l->n] = (entry){m, m + ml, key_hash(module, name), owned, ext};
  if (!index_entry(l, l->n)) {
    free(m);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  l->n++;
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
