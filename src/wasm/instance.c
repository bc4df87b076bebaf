/* Instantiation (the spec's "instantiate": resolve imports, allocate,
 * initialize segments, run start) and calls into an instance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

bool tea_linker_lookup(tea_wasm_linker *l, const char *module, const char *name,
                       tea_wasm_extern *out);

static void free_instance(void *p) {
  tea_wasm_instance *in = p;
  for (uint32_t i = 0; i < in->module->nelems; i++) free(in->elem_items[i]);
  free(in); /* its arrays are in the same block (alloc_instance) */
}

static const char *kind_name(tea_wasm_extern_kind k) {
  static const char *names[] = {"function", "table", "memory", "global"};
  return names[k];
}

/* Import matching: limits of the provided object must lie inside the
 * declared ones (spec: "import subtyping"). */
static bool limits_match(uint64_t amin, bool ahas, uint64_t amax, const tea_limits *want) {
  if (amin < want->min) return false;
  if (!want->has_max) return true;
  return ahas && amax <= want->max;
}

static tea_code unknown_import(const tea_import *im, tea_error *err) {
  return tea_fail(err, TEA_ERR_LINK, "unknown import: %s::%s (%s)", im->module, im->name, kind_name(im->kind));
}

/* Checks that ext fits import im and puts it in the instance. */
static tea_code link_import(tea_wasm_instance *in, tea_wasm_extern ext, const tea_import *im, uint32_t *nf,
                            uint32_t *nt, uint32_t *ng, tea_error *err) {
  const tea_wasm_module *m = in->module;
  if (ext.kind != im->kind)
    return tea_fail(err, TEA_ERR_LINK, "incompatible import type: %s::%s is a %s, not a %s",
                    im->module, im->name, kind_name(ext.kind), kind_name(im->kind));
  switch (im->kind) {
  case TEA_WASM_EXTERN_FUNC:
    if (!tea_functype_equal(ext.of.func->type, &m->types[im->func_type]))
      return tea_fail(err, TEA_ERR_LINK, "incompatible import type: %s::%s has another signature",
                      im->module, im->name);
    in->funcs[(*nf)++] = ext.of.func;
    break;
  case TEA_WASM_EXTERN_TABLE: {
    tea_wasm_table *t = ext.of.table;
    if (t->type != im->table.elem ||
        !limits_match(t->size, t->has_max, t->declared_max, &im->table.limits))
      return tea_fail(err, TEA_ERR_LINK, "incompatible import type: table %s::%s", im->module,
                      im->name);
    in->tables[(*nt)++] = t;
    break;
  }
  case TEA_WASM_EXTERN_MEMORY: {
    tea_wasm_memory *mem = ext.of.memory;
    if (!limits_match(mem->size / TEA_WASM_PAGE_SIZE, mem->has_max, mem->declared_max, &im->memory))
      return tea_fail(err, TEA_ERR_LINK, "incompatible import type: memory %s::%s", im->module,
                      im->name);
    in->memory = mem;
    break;
  }
  case TEA_WASM_EXTERN_GLOBAL: {
    tea_wasm_global *g = ext.of.global;
    if (g->type != im->global.type || g->mutable_ != im->global.mutable_)
      return tea_fail(err, TEA_ERR_LINK, "incompatible import type: global %s::%s", im->module,
                      im->name);
    in->globals[(*ng)++] = g;
    break;
  }
  }
  return TEA_OK;
}

static tea_wasm_slot eval_const(const tea_wasm_instance *in, const tea_constexpr *e) {
  tea_wasm_slot v = {.u64 = 0};
  switch (e->op) {
  case TEA_CONST_I32:
  case TEA_CONST_F32:
    v.u64 = 0;
    v.u32 = (uint32_t)e->bits;
    break;
  case TEA_CONST_I64:
  case TEA_CONST_F64: v.u64 = e->bits; break;
  case TEA_CONST_REF_NULL: v.ref = NULL; break;
  case TEA_CONST_REF_FUNC: v.ref = in->funcs[e->index]; break;
  case TEA_CONST_GLOBAL_GET: v = in->globals[e->index]->value; break;
  case TEA_CONST_V128: break; /* two slots: eval_const_v128 */
  }
  return v;
}

/* A v128 constant expression into its two slots. .bits/.bits_hi are the
 * little-endian readings of bytes 0..7 and 8..15; slots hold the bytes in
 * memory order, so each half is stored byte by byte (right on any host). */
static void store_le64(tea_wasm_slot *s, uint64_t x) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(x >> (8 * i));
  memcpy(s, b, 8);
}
static void eval_const_v128(const tea_wasm_instance *in, const tea_constexpr *e, tea_wasm_slot *lo,
                            tea_wasm_slot *hi) {
  if (e->op == TEA_CONST_GLOBAL_GET) {
    *lo = in->globals[e->index]->value;
    *hi = in->globals[e->index]->value_hi;
    return;
  }
  store_le64(lo, e->bits);
  store_le64(hi, e->bits_hi);
}

/* Room for n items of size `size` at *at in a block being laid out, aligned
 * for any of them; returns the offset. */
static size_t carve(size_t *at, size_t n, size_t size) {
  size_t off = (*at + 15) & ~(size_t)15;
  *at = off + n * size;
  return off;
}

/* The instance and all its per-module arrays in one zeroed block: a fresh
 * instance per call makes one allocation here, not eight. */
static tea_code alloc_instance(tea_wasm_store *store, const tea_wasm_module *m,
                               tea_wasm_instance **out, tea_error *err) {
  size_t at = sizeof(tea_wasm_instance);
  size_t o_funcs = carve(&at, m->nfuncs + 1, sizeof(tea_wasm_func *));
  size_t o_tables = carve(&at, m->ntables + 1, sizeof(tea_wasm_table *));
  size_t o_globals = carve(&at, m->nglobals + 1, sizeof(tea_wasm_global *));
  size_t o_items = carve(&at, m->nelems + 1, sizeof(tea_wasm_ref *));
  size_t o_elem_len = carve(&at, m->nelems + 1, sizeof(uint32_t));
  size_t o_data_len = carve(&at, m->ndatas + 1, sizeof(uint32_t));
  size_t o_objects = carve(&at, m->nfuncs - m->nfunc_imports + 1, sizeof(tea_wasm_func));
  uint8_t *block = calloc(1, at);
  if (!block) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  tea_wasm_instance *in = (tea_wasm_instance *)block;
  in->module = m;
  in->store = store;
  in->funcs = (tea_wasm_func **)(block + o_funcs);
  in->tables = (tea_wasm_table **)(block + o_tables);
  in->globals = (tea_wasm_global **)(block + o_globals);
  in->elem_items = (tea_wasm_ref **)(block + o_items);
  in->elem_len = (uint32_t *)(block + o_elem_len);
  in->data_len = (uint32_t *)(block + o_data_len);
  in->func_objects = (tea_wasm_func *)(block + o_objects);
  tea_code rc = tea_store_track(store, in, free_instance, err);
  if (rc != TEA_OK) return rc;
  *out = in;
  return TEA_OK;
}

tea_code tea_wasm_linker_resolve(tea_wasm_linker *linker, const tea_wasm_module *m, tea_wasm_extern **out,
                                 tea_error *err) {
  *out = calloc((size_t)m->nimports + 1, sizeof **out);
  if (!*out) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < m->nimports; i++) {
    if (tea_linker_lookup(linker, m->imports[i].module, m->imports[i].name, &(*out)[i])) continue;
    free(*out);
    *out = NULL;
    return unknown_import(&m->imports[i], err);
  }
  return TEA_OK;
}

/* Imports from linker, or (linker NULL) from imports[], in the module's order. */
static tea_code instantiate(tea_wasm_store *store, const tea_wasm_module *m, tea_wasm_linker *linker,
                            const tea_wasm_extern *imports, tea_wasm_instance **out, tea_error *err) {
  *out = NULL;
  tea_wasm_instance *in = NULL;
  tea_code rc = alloc_instance(store, m, &in, err);
  if (rc != TEA_OK) return rc;

  uint32_t nf = 0, nt = 0, ng = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    const tea_import *im = &m->imports[i];
    tea_wasm_extern ext;
    if (!linker) ext = imports[i];
    else if (!tea_linker_lookup(linker, im->module, im->name, &ext)) return unknown_import(im, err);
    rc = link_import(in, ext, im, &nf, &nt, &ng, err);
    if (rc != TEA_OK) return rc;
  }
  for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
    tea_wasm_func *f = &in->func_objects[i];
    f->type = &m->types[m->funcs[i].type];
    f->instance = in;
    f->code = m->funcs[i].code;
    in->funcs[m->nfunc_imports + i] = f;
  }
  for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
    const tea_tabletype *tt = &m->tables[i];
    rc = tea_table_create(store, tt->elem, tt->limits.min, tt->limits.max, tt->limits.has_max,
                          &in->tables[i], err);
    if (rc != TEA_OK) return rc;
  }
  for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++) {
    const tea_limits *l = &m->memories[i];
    rc = tea_memory_create(store, l->min, l->max, l->has_max, &in->memory, err);
    if (rc != TEA_OK) return rc;
  }
  for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
    const tea_global_def *g = &m->globals[i - m->nglobal_imports];
    rc = tea_global_create(store, g->type.type, g->type.mutable_, eval_const(in, &g->init),
                           &in->globals[i], err);
    if (rc != TEA_OK) return rc;
    if (g->type.type == TEA_WASM_V128)
      eval_const_v128(in, &g->init, &in->globals[i]->value, &in->globals[i]->value_hi);
  }
  for (uint32_t i = 0; i < m->nelems; i++) {
    const tea_elem_segment *seg = &m->elems[i];
    in->elem_items[i] = calloc(seg->count + 1, sizeof(tea_wasm_ref));
    if (!in->elem_items[i]) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; k < seg->count; k++) in->elem_items[i][k] = eval_const(in, &seg->items[k]).ref;
    in->elem_len[i] = seg->mode == TEA_SEG_PASSIVE ? seg->count : 0;
  }
  for (uint32_t i = 0; i < m->ndatas; i++)
    in->data_len[i] = m->datas[i].mode == TEA_SEG_PASSIVE ? m->datas[i].len : 0;

  /* Segments are applied in order; a failing one leaves the earlier ones'
     writes in place (they may be visible through imported tables and
     memories), as the spec requires. */
  for (uint32_t i = 0; i < m->nelems; i++) {
    const tea_elem_segment *seg = &m->elems[i];
    if (seg->mode != TEA_SEG_ACTIVE) continue;
    tea_wasm_table *t = in->tables[seg->table];
    uint64_t off = eval_const(in, &seg->offset).u32;
    if (off + seg->count > t->size) return tea_fail(err, TEA_ERR_TRAP, TEA_TRAP_TABLE);
    memcpy(t->elems + off, in->elem_items[i], (size_t)seg->count * sizeof *t->elems);
  }
  for (uint32_t i = 0; i < m->ndatas; i++) {
    const tea_data_segment *seg = &m->datas[i];
    if (seg->mode != TEA_SEG_ACTIVE) continue;
    uint64_t off = eval_const(in, &seg->offset).u32;
    if (!in->memory || off + seg->len > in->memory->size)
      return tea_fail(err, TEA_ERR_TRAP, TEA_TRAP_MEMORY);
    if (seg->len) memcpy(in->memory->data + off, seg->bytes, seg->len);
    tea_memory_mark(in->memory->data, off, seg->len);
  }
  if (m->has_start) {
    tea_wasm_func *start = in->funcs[m->start];
    rc = tea_interp_call(store, start, store->stack_top, err);
    if (rc != TEA_OK) return rc;
  }
  *out = in;
  return TEA_OK;
}

tea_code tea_wasm_instantiate(tea_wasm_store *store, const tea_wasm_module *m, tea_wasm_linker *linker,
                              tea_wasm_instance **out, tea_error *err) {
  return instantiate(store, m, linker, NULL, out, err);
}

tea_code tea_wasm_instantiate_with(tea_wasm_store *store, const tea_wasm_module *m, const tea_wasm_extern *imports,
                                   size_t nimports, tea_wasm_instance **out, tea_error *err) {
  *out = NULL;
  if (nimports != m->nimports || (nimports && !imports))
    return tea_fail(err, TEA_ERR_ARG, "the module has %u imports, %zu given", m->nimports, nimports);
  return instantiate(store, m, NULL, imports, out, err);
}

const tea_wasm_module *tea_wasm_instance_module(const tea_wasm_instance *in) { return in->module; }
tea_wasm_memory *tea_wasm_instance_memory(tea_wasm_instance *in) { return in ? in->memory : NULL; }

tea_code tea_wasm_instance_export_at(tea_wasm_instance *in, size_t index, tea_wasm_extern *out, tea_error *err) {
  const tea_wasm_module *m = in->module;
  if (index >= m->nexports) return tea_fail(err, TEA_ERR_NOT_FOUND, "no export %zu (the module has %u)", index, m->nexports);
  const tea_export *e = &m->exports[index];
  out->kind = e->kind;
  switch (e->kind) {
  case TEA_WASM_EXTERN_FUNC: out->of.func = in->funcs[e->index]; break;
  case TEA_WASM_EXTERN_TABLE: out->of.table = in->tables[e->index]; break;
  case TEA_WASM_EXTERN_MEMORY: out->of.memory = in->memory; break;
  case TEA_WASM_EXTERN_GLOBAL: out->of.global = in->globals[e->index]; break;
  }
  return TEA_OK;
}

tea_code tea_wasm_instance_export(tea_wasm_instance *in, const char *name, tea_wasm_extern *out,
                                  tea_error *err) {
  const tea_wasm_module *m = in->module;
  for (uint32_t i = 0; i < m->nexports; i++)
    if (strcmp(m->exports[i].name, name) == 0) return tea_wasm_instance_export_at(in, i, out, err);
  return tea_fail(err, TEA_ERR_NOT_FOUND, "no export named \"%s\"", name);
}

tea_code tea_wasm_func_call(tea_wasm_store *store, tea_wasm_func *f, const tea_wasm_val *args,
                            size_t nargs, tea_wasm_val *results, size_t nresults,
                            tea_error *err) {
  const tea_functype *t = f->type;
  if (nargs != t->nparams)
    return tea_fail(err, TEA_ERR_ARG, "function takes %u arguments, %zu given", t->nparams, nargs);
  if (nresults != t->nresults)
    return tea_fail(err, TEA_ERR_ARG, "function returns %u results, room for %zu given",
                    t->nresults, nresults);
  tea_wasm_slot *slots = store->stack_top;
  uint32_t need = t->param_slots > t->result_slots ? t->param_slots : t->result_slots;
  if (slots + need > store->stack_end) return tea_fail(err, TEA_ERR_TRAP, TEA_TRAP_STACK);
  uint32_t at = 0;
  for (size_t i = 0; i < nargs; i++) {
    if ((uint8_t)args[i].type != tea_functype_params(t)[i])
      return tea_fail(err, TEA_ERR_ARG, "argument %zu has the wrong type", i);
    at += tea_val_to_slots(&args[i], slots + at);
  }
  tea_code rc = tea_interp_call(store, f, slots, err);
  if (rc != TEA_OK) return rc;
  at = 0;
  for (size_t i = 0; i < nresults; i++)
    at += tea_val_from_slots(&results[i], tea_functype_results(t)[i], slots + at);
  return TEA_OK;
}

tea_code tea_wasm_call(tea_wasm_instance *in, const char *name, const tea_wasm_val *args,
                       size_t nargs, tea_wasm_val *results, size_t nresults, tea_error *err) {
  tea_wasm_extern ext;
  tea_code rc = tea_wasm_instance_export(in, name, &ext, err);
  if (rc != TEA_OK) return rc;
  if (ext.kind != TEA_WASM_EXTERN_FUNC)
    return tea_fail(err, TEA_ERR_ARG, "export \"%s\" is not a function", name);
  return tea_wasm_func_call(in->store, ext.of.func, args, nargs, results, nresults, err);
}
