/* Stores and the objects they own: host functions, memories, tables,
 * globals. A store frees everything made in it at once, so objects can refer
 * to each other (tables holding functions of other instances, imported
 * memories) without reference counting. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/spill.h"
#include "wasm/runtime.h"

#define DEFAULT_MAX_PAGES 65536u
#define DEFAULT_MAX_TABLE 10000000u
#define DEFAULT_CALL_DEPTH 10000u
#define DEFAULT_STACK_SLOTS (1u << 20)


/* Per-thread reuse of the two big mappings a store makes. The actor host
 * makes and frees a store per request; mapping, protecting and unmapping each
 * time cost page faults and, in a threaded node, TLB shootdowns on every core.
 * One spare of each is kept per thread (and simply left when a thread ends).
 * A spare stack needs no clearing: locals are zeroed on entry, operand
 * slots are written before they are read, and so are call frames. A spare
 * memory is zeroed where it was written (runtime.h, "Write tracking"). */
static _Thread_local struct {
  void *p;
  size_t bytes;
} spare_stack;
static _Thread_local struct {
  uint8_t *p;
  size_t reserved, committed;
} spare_memory;
#define SPARE_MEMORY_MAX (8u << 20) /* zeroing more than this costs more than a new mapping */

static void *stack_take(size_t bytes) {
  if (spare_stack.p && spare_stack.bytes == bytes) {
    void *p = spare_stack.p;
    spare_stack.p = NULL;
    return p;
  }
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static void stack_give(void *p, size_t bytes) {
  if (!spare_stack.p) {
    spare_stack.p = p;
    spare_stack.bytes = bytes;
  } else {
    munmap(p, bytes);
  }
}

/* The value stack, then one frame per call level (+1 for the entry). */
static size_t stack_mapping_bytes(const tea_wasm_limits *l) {
  return (size_t)l->stack_slots * sizeof(tea_wasm_slot) + ((size_t)l->max_call_depth + 1) * sizeof(tea_frame);
}

tea_code tea_wasm_store_new(const tea_wasm_limits *limits, tea_wasm_store **out, tea_error *err) {
  *out = NULL;
  tea_wasm_store *s = calloc(1, sizeof *s);
  if (!s) return tea_fail(err, TEA_ERR_NOMEM, "out of memory creating a store");
  s->objects = s->inline_objects;
  s->cap_objects = sizeof s->inline_objects / sizeof *s->inline_objects;
  if (limits) s->limits = *limits;
  if (!s->limits.max_memory_pages || s->limits.max_memory_pages > DEFAULT_MAX_PAGES)
    s->limits.max_memory_pages = DEFAULT_MAX_PAGES;
  if (!s->limits.max_table_elems) s->limits.max_table_elems = DEFAULT_MAX_TABLE;
  if (!s->limits.max_call_depth) s->limits.max_call_depth = DEFAULT_CALL_DEPTH;
  if (!s->limits.stack_slots) s->limits.stack_slots = DEFAULT_STACK_SLOTS;
  /* mapped, not calloc'd: the kernel supplies zero pages lazily, so a store
     costs nothing until its stack is used (the actor host makes many); the
     call frames live at the end of the same mapping */
  s->stack = stack_take(stack_mapping_bytes(&s->limits));
  if (!s->stack) {
    tea_wasm_store_free(s);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory allocating a %u-slot stack",
                    s->limits.stack_slots);
  }
  s->frames = (tea_frame *)(s->stack + s->limits.stack_slots);
  s->stack_top = s->stack;
  s->stack_end = s->stack + s->limits.stack_slots;
  tea_wasm_store_set_fuel(s, s->limits.fuel);
  atomic_init(&s->interrupt, 0);
  *out = s;
  return TEA_OK;
}

void tea_wasm_store_free(tea_wasm_store *s) {
  if (!s) return;
  /* objects die in reverse order of creation */
  for (size_t i = s->nobjects; i > 0; i--) s->objects[i - 1].release(s->objects[i - 1].obj);
  tea_spill_free(s->objects, s->inline_objects);
  if (s->stack) stack_give(s->stack, stack_mapping_bytes(&s->limits));
  free(s);
}

tea_code tea_store_track(tea_wasm_store *s, void *obj, void (*release)(void *), tea_error *err) {
  if (s->nobjects == s->cap_objects) {
    size_t cap = s->cap_objects * 2;
    tea_store_object *o = tea_spill_grow(s->objects, s->inline_objects, s->nobjects * sizeof *o, cap * sizeof *o);
    if (!o) {
      release(obj);
      return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    }
    s->objects = o;
    s->cap_objects = cap;
  }
  s->objects[s->nobjects++] = (tea_store_object){obj, release};
  return TEA_OK;
}

void tea_wasm_store_set_fuel(tea_wasm_store *s, uint64_t fuel) {
  s->metered = fuel != 0;
  s->fuel = s->metered ? (fuel > INT64_MAX ? INT64_MAX : (int64_t)fuel) : INT64_MAX;
  s->fuel_start = s->fuel;
}

uint64_t tea_wasm_store_fuel_used(const tea_wasm_store *s) {
  return (uint64_t)(s->fuel_start - s->fuel);
}

void tea_wasm_store_interrupt(tea_wasm_store *s) { atomic_store(&s->interrupt, 1); }
void tea_wasm_store_clear_interrupt(tea_wasm_store *s) { atomic_store(&s->interrupt, 0); }
void tea_wasm_store_set_user(tea_wasm_store *s, void *user) { s->user = user; }
void *tea_wasm_store_user(const tea_wasm_store *s) { return s->user; }

/* ---- host functions ---------------------------------------------------------- */

/* The function and its type's bytes in one block; freed with free(). */
tea_wasm_func *tea_host_func_alloc(const tea_wasm_valtype *params, uint32_t nparams,
                                   const tea_wasm_valtype *results, uint32_t nresults,
                                   tea_wasm_host_fn fn, void *env) {
  tea_wasm_func *f = calloc(1, sizeof *f + (size_t)nparams + nresults + 1);
  if (!f) return NULL;
  uint8_t *types = (uint8_t *)(f + 1);
  for (uint32_t i = 0; i < nparams; i++) types[i] = (uint8_t)params[i];
  for (uint32_t i = 0; i < nresults; i++) types[nparams + i] = (uint8_t)results[i];
  f->own_type = (tea_functype){nparams, nresults, types, tea_slots_of(types, nparams),
                               tea_slots_of(types + nparams, nresults)};
  f->type = &f->own_type;
  f->host = fn;
  f->env = env;
  return f;
}

tea_code tea_wasm_func_new_host(tea_wasm_store *store, const tea_wasm_valtype *params,
                                uint32_t nparams, const tea_wasm_valtype *results,
                                uint32_t nresults, tea_wasm_host_fn fn, void *env,
                                tea_wasm_func **out, tea_error *err) {
  *out = NULL;
  if (!fn) return tea_fail(err, TEA_ERR_ARG, "host function is NULL");
  tea_wasm_func *f = tea_host_func_alloc(params, nparams, results, nresults, fn, env);
  if (!f) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  tea_code rc = tea_store_track(store, f, free, err);
  if (rc == TEA_OK) *out = f;
  return rc;
}

uint32_t tea_wasm_func_param_count(const tea_wasm_func *f) { return f->type->nparams; }
uint32_t tea_wasm_func_result_count(const tea_wasm_func *f) { return f->type->nresults; }
tea_wasm_valtype tea_wasm_func_param_type(const tea_wasm_func *f, uint32_t i) {
  return (tea_wasm_valtype)tea_functype_params(f->type)[i];
}
tea_wasm_valtype tea_wasm_func_result_type(const tea_wasm_func *f, uint32_t i) {
  return (tea_wasm_valtype)tea_functype_results(f->type)[i];
}

/* ---- memories -------------------------------------------------------------------- */

static void unmap_memory(uint8_t *data, size_t reserved) { munmap(data - TEA_MARK_MAP, TEA_MARK_MAP + reserved); }

#ifndef NDEBUG
/* Byte i of the image: its page's bytes, or zero (no image, or a zero page). */
static uint8_t image_byte(const uint8_t *const *image, uint64_t i) {
  const uint8_t *page = image ? image[i >> TEA_MARK_SHIFT] : NULL;
  return page ? page[i & (TEA_MARK_PAGE - 1)] : 0;
}

static bool matches(const tea_wasm_memory *m, const uint8_t *const *image) {
  for (uint64_t i = 0; i < m->size; i++)
    if (m->data[i] != image_byte(image, i)) return false;
  return true;
}
#endif

/* Bytes [off, off + len) of the image, inside one page, into the memory. */
static void put_back(tea_wasm_memory *m, const uint8_t *const *image, uint64_t off, uint64_t len) {
  const uint8_t *page = image ? image[off >> TEA_MARK_SHIFT] : NULL;
  if (page) memcpy(m->data + off, page + (off & (TEA_MARK_PAGE - 1)), len);
  else memset(m->data + off, 0, len);
}

void tea_memory_reset(tea_wasm_memory *m, const uint8_t *const *image) {
  uint8_t *marks = tea_memory_marks(m);
  uint64_t pages = m->size >> TEA_MARK_SHIFT; /* whole wasm pages: no partial one */
#ifdef __linux__
  /* To zeros with no marks to go by: the kernel drops the pages (a private
     anonymous page comes back zero-filled when next touched). Writing zeros
     here would first fault in every page the program never touched, most of
     a small run's memory (`teanode wasm run` spent 30 of its 134 page faults
     on that, at exit). */
  if (!image && (m->all_written || !m->tracked) && m->size &&
      madvise(m->data, m->size, MADV_DONTNEED) == 0) {
    memset(marks, 0, pages);
    m->all_written = false;
    assert(matches(m, NULL));
    return;
  }
#endif
  if (m->all_written || !m->tracked) memset(marks, TEA_MARK_WRITTEN, pages);
  m->all_written = false;
  for (uint64_t p = 0; p < pages; p++) {
    if (!marks[p]) continue;
    const uint8_t *page = image ? image[p] : NULL;
    if (marks[p] == TEA_MARK_KEPT && page) continue; /* unwritten since the image was taken */
    uint64_t off = p << TEA_MARK_SHIFT;
    put_back(m, image, off, TEA_MARK_PAGE);
    if (p + 1 < pages) put_back(m, image, off + TEA_MARK_PAGE, TEA_MARK_SPILL);
    marks[p] = page ? TEA_MARK_KEPT : 0;
  }
  assert(matches(m, image) && "a write into the memory was not marked");
}

static void free_memory(void *p) {
  tea_wasm_memory *m = p;
  if (m->data && !spare_memory.p && m->committed <= SPARE_MEMORY_MAX) {
    tea_memory_reset(m, NULL); /* beyond size nothing could be written */
    spare_memory.p = m->data;
    spare_memory.reserved = m->reserved;
    spare_memory.committed = m->committed;
  } else if (m->data) {
    unmap_memory(m->data, m->reserved);
  }
  free(m);
}

/* Makes the first `bytes` of m readable and writable. */
static bool commit(tea_wasm_memory *m, size_t bytes) {
  if (bytes <= m->committed) return true;
  if (mprotect(m->data + m->committed, bytes - m->committed, PROT_READ | PROT_WRITE) != 0)
    return false;
  m->committed = bytes;
  return true;
}

/* Memory is reserved up front for its maximum, so growing never moves it. */
tea_code tea_memory_create(tea_wasm_store *store, uint64_t min, uint64_t max, bool has_max,
                           tea_wasm_memory **out, tea_error *err) {
  *out = NULL;
  uint32_t cap = store->limits.max_memory_pages;
  if (min > cap)
    return tea_fail(err, TEA_ERR_LIMIT, "memory of %llu pages is over the limit of %u pages",
                    (unsigned long long)min, cap);
  uint64_t eff_max = has_max && max < cap ? max : cap;
#ifdef TEA_GUARD_PAGES
  if (!tea_guard_install())
    return tea_fail(err, TEA_ERR_IO, "cannot install the memory guard-page handler");
#endif
  tea_wasm_memory *m = calloc(1, sizeof *m);
  if (!m) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
#ifdef TEA_GUARD_PAGES
  m->reserved = TEA_GUARD_RESERVE; /* whatever the maximum: see runtime.h */
#else
  m->reserved = (size_t)(eff_max ? eff_max : 1) * TEA_WASM_PAGE_SIZE;
#endif
  if (spare_memory.p && spare_memory.reserved == m->reserved) {
    m->data = spare_memory.p;
    m->committed = spare_memory.committed; /* zeroed when it was given back */
    spare_memory.p = NULL;
#ifdef TEA_GUARD_PAGES
    /* past the size must fault: take back what the last user grew into */
    size_t want = (size_t)min * TEA_WASM_PAGE_SIZE;
    if (m->committed > want) {
      if (mprotect(m->data + want, m->committed - want, PROT_NONE) != 0) {
        unmap_memory(m->data, m->reserved);
        free(m);
        return tea_fail(err, TEA_ERR_NOMEM, "cannot protect a reused memory");
      }
      m->committed = want;
    }
#endif
  } else {
    /* the map of written pages, then the memory */
    uint8_t *p = mmap(NULL, TEA_MARK_MAP + m->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
    if (p == MAP_FAILED || mprotect(p, TEA_MARK_MAP, PROT_READ | PROT_WRITE) != 0) {
      if (p != MAP_FAILED) munmap(p, TEA_MARK_MAP + m->reserved);
      size_t want = m->reserved;
      free(m);
      return tea_fail(err, TEA_ERR_NOMEM, "cannot reserve %zu bytes for a memory", want);
    }
    m->data = p + TEA_MARK_MAP;
  }
  m->tracked = store->limits.track_writes;
  m->max_pages = (uint32_t)eff_max;
  m->has_max = has_max;
  m->declared_max = (uint32_t)(has_max ? max : 0);
  if (!commit(m, (size_t)min * TEA_WASM_PAGE_SIZE)) {
    free_memory(m);
    return tea_fail(err, TEA_ERR_NOMEM, "cannot commit %llu pages", (unsigned long long)min);
  }
  m->size = min * TEA_WASM_PAGE_SIZE;
  tea_code rc = tea_store_track(store, m, free_memory, err);
  if (rc == TEA_OK) *out = m;
  return rc;
}

tea_code tea_wasm_memory_new(tea_wasm_store *store, uint32_t min_pages, uint32_t max_pages,
                             bool has_max, tea_wasm_memory **out, tea_error *err) {
  if (has_max && max_pages < min_pages)
    return tea_fail(err, TEA_ERR_ARG, "size minimum must not be greater than maximum");
  return tea_memory_create(store, min_pages, max_pages, has_max, out, err);
}

int64_t tea_memory_grow(tea_wasm_memory *m, uint32_t delta) {
  uint64_t old = m->size / TEA_WASM_PAGE_SIZE;
  if (delta == 0) return (int64_t)old;
  if (old + delta > m->max_pages) return -1;
  if (!commit(m, (size_t)(m->size + (uint64_t)delta * TEA_WASM_PAGE_SIZE))) return -1;
  m->size += (uint64_t)delta * TEA_WASM_PAGE_SIZE;
  return (int64_t)old;
}

int64_t tea_wasm_memory_grow(tea_wasm_memory *m, uint32_t delta) { return tea_memory_grow(m, delta); }
uint64_t tea_wasm_memory_size(const tea_wasm_memory *m) { return m->size; }
uint8_t *tea_wasm_memory_data(tea_wasm_memory *m) {
  if (!m) return NULL;
  m->all_written = true; /* the caller may write anywhere */
  return m->data;
}

/* The caller may write through the span, so it counts as written. */
uint8_t *tea_wasm_memory_span(tea_wasm_memory *m, uint64_t offset, uint64_t len) {
  if (!m || offset > m->size || len > m->size - offset) return NULL;
  tea_memory_mark(m->data, offset, len);
  return m->data + offset;
}

tea_code tea_wasm_memory_read(const tea_wasm_memory *m, uint64_t offset, void *dst, size_t len,
                              tea_error *err) {
  if (!m || offset > m->size || len > m->size - offset)
    return tea_fail(err, TEA_ERR_TRAP, TEA_TRAP_MEMORY);
  memcpy(dst, m->data + offset, len);
  return TEA_OK;
}

tea_code tea_wasm_memory_write(tea_wasm_memory *m, uint64_t offset, const void *src, size_t len,
                               tea_error *err) {
  if (!m || offset > m->size || len > m->size - offset)
    return tea_fail(err, TEA_ERR_TRAP, TEA_TRAP_MEMORY);
  memcpy(m->data + offset, src, len);
  tea_memory_mark(m->data, offset, len);
  return TEA_OK;
}

/* ---- tables ------------------------------------------------------------------------ */

/* A table's first elements live right after it (one allocation); growing
 * moves them out. */
static tea_wasm_ref *inline_elems(tea_wasm_table *t) { return (tea_wasm_ref *)(t + 1); }

static void free_table(void *p) {
  tea_wasm_table *t = p;
  tea_spill_free(t->elems, inline_elems(t));
  free(t);
}

tea_code tea_table_create(tea_wasm_store *store, tea_valtype type, uint64_t min, uint64_t max,
                          bool has_max, tea_wasm_table **out, tea_error *err) {
  *out = NULL;
  uint32_t cap = store->limits.max_table_elems;
  if (min > cap)
    return tea_fail(err, TEA_ERR_LIMIT, "table of %llu elements is over the limit of %u",
                    (unsigned long long)min, cap);
  tea_wasm_table *t = calloc(1, sizeof *t + (size_t)min * sizeof *t->elems);
  if (!t)
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory for a table of %llu elements", (unsigned long long)min);
  t->elems = inline_elems(t);
  t->size = (uint32_t)min;
  t->max = (uint32_t)(has_max && max < cap ? max : cap);
  t->has_max = has_max;
  t->declared_max = (uint32_t)(has_max ? max : 0);
  t->type = type;
  tea_code rc = tea_store_track(store, t, free_table, err);
  if (rc == TEA_OK) *out = t;
  return rc;
}

tea_code tea_wasm_table_new(tea_wasm_store *store, tea_wasm_valtype elem_type, uint32_t min,
                            uint32_t max, bool has_max, tea_wasm_table **out, tea_error *err) {
  if (elem_type != TEA_WASM_FUNCREF && elem_type != TEA_WASM_EXTERNREF)
    return tea_fail(err, TEA_ERR_ARG, "a table holds funcref or externref");
  if (has_max && max < min)
    return tea_fail(err, TEA_ERR_ARG, "size minimum must not be greater than maximum");
  return tea_table_create(store, (tea_valtype)elem_type, min, max, has_max, out, err);
}

int64_t tea_table_grow(tea_wasm_table *t, uint32_t delta, tea_wasm_ref init) {
  uint32_t old = t->size;
  if ((uint64_t)old + delta > t->max) return -1;
  if (delta == 0) return old;
  tea_wasm_ref *e = tea_spill_grow(t->elems, inline_elems(t), (size_t)old * sizeof *e,
                                   ((size_t)old + delta) * sizeof *e);
  if (!e) return -1;
  for (uint32_t i = 0; i < delta; i++) e[old + i] = init;
  t->elems = e;
  t->size = old + delta;
  return old;
}

uint32_t tea_wasm_table_size(const tea_wasm_table *t) { return t->size; }

/* ---- globals ------------------------------------------------------------------------ */

tea_code tea_global_create(tea_wasm_store *store, tea_valtype type, bool mutable_,
                           tea_wasm_slot value, tea_wasm_global **out, tea_error *err) {
  *out = NULL;
  tea_wasm_global *g = calloc(1, sizeof *g);
  if (!g) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  g->type = type;
  g->mutable_ = mutable_;
  g->value = value;
  tea_code rc = tea_store_track(store, g, free, err);
  if (rc == TEA_OK) *out = g;
  return rc;
}

tea_code tea_wasm_global_new(tea_wasm_store *store, tea_wasm_val value, bool mutable_,
                             tea_wasm_global **out, tea_error *err) {
  tea_code rc = tea_global_create(store, (tea_valtype)value.type, mutable_, value.of, out, err);
  if (rc == TEA_OK && value.type == TEA_WASM_V128)
    tea_v128_to_slots(value.v128, &(*out)->value, &(*out)->value_hi);
  return rc;
}

tea_wasm_val tea_wasm_global_get(const tea_wasm_global *g) {
  tea_wasm_val v;
  memset(&v, 0, sizeof v);
  v.type = (tea_wasm_valtype)g->type;
  if (g->type == TEA_WASM_V128)
    tea_v128_from_slots(v.v128, &g->value, &g->value_hi);
  else
    v.of = g->value;
  return v;
}

tea_code tea_wasm_global_set(tea_wasm_global *g, tea_wasm_val value, tea_error *err) {
  if (!g->mutable_) return tea_fail(err, TEA_ERR_STATE, "global is immutable");
  if ((tea_valtype)value.type != g->type) return tea_fail(err, TEA_ERR_ARG, "type mismatch");
  if (g->type == TEA_WASM_V128)
    tea_v128_to_slots(value.v128, &g->value, &g->value_hi);
  else
    g->value = value.of;
  return TEA_OK;
}
