/* Snapshots of an instance's mutable state, so that a pool can hand out an
 * instance that is exactly as it was right after instantiation (and its
 * initializers) without instantiating again: memory 0's bytes and size,
 * mutable globals, tables and which passive segments were dropped. Only
 * instances that own all of that can be snapshotted: an imported memory,
 * table or global is state shared with others, which a restore must not
 * touch. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wasm/runtime.h"

/* Memory is kept as its non-zero 4 KiB pages, in one buffer, with a table
 * from each page to its bytes (NULL for a zero page): a restore puts back
 * only the pages written since (tea_memory_reset). */
#define PAGE TEA_MARK_PAGE

typedef struct table_copy {
  tea_wasm_ref *elems;
  uint32_t size;
} table_copy;

struct tea_wasm_snapshot {
  const tea_wasm_instance *of;
  uint64_t memory_size; /* memory 0 */
  uint8_t *bytes;       /* its non-zero pages */
  const uint8_t **page; /* per page: its bytes, or NULL for zeros */
  tea_wasm_slot *globals; /* two slots per global: value, value_hi */
  table_copy *tables;
  uint32_t *elem_len, *data_len;
};

void tea_wasm_snapshot_free(tea_wasm_snapshot *s) {
  if (!s) return;
  free(s->bytes);
  free(s->page);
  free(s->globals);
  if (s->tables)
    for (uint32_t i = 0; i < s->of->module->ntables; i++) free(s->tables[i].elems);
  free(s->tables);
  free(s->elem_len);
  free(s->data_len);
  free(s);
}

static bool page_is_zero(const uint8_t *p) {
  uint64_t acc = 0;
  for (uint64_t i = 0; i < PAGE; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    acc |= w;
  }
  return acc == 0;
}

/* The non-zero pages are copied; from now on a page's mark says whether it
 * was written since (tea_memory_reset). */
static bool take_memory(tea_wasm_snapshot *s, tea_wasm_memory *mem) {
  s->memory_size = mem->size;
  uint64_t npages = mem->size / PAGE, nonzero = 0;
  if (!(s->page = calloc(npages + 1, sizeof *s->page))) return false;
  for (uint64_t p = 0; p < npages; p++) nonzero += !page_is_zero(mem->data + p * PAGE);
  if (!(s->bytes = malloc(nonzero * PAGE + 1))) return false;
  uint8_t *to = s->bytes, *marks = tea_memory_marks(mem);
  for (uint64_t p = 0; p < npages; p++) {
    bool zero = page_is_zero(mem->data + p * PAGE);
    if (!zero) {
      memcpy(to, mem->data + p * PAGE, PAGE);
      s->page[p] = to;
      to += PAGE;
    }
    marks[p] = zero ? 0 : TEA_MARK_KEPT;
  }
  mem->all_written = false;
  return true;
}

tea_code tea_wasm_snapshot_take(const tea_wasm_instance *in, tea_wasm_snapshot **out, tea_error *err) {
  *out = NULL;
  const tea_wasm_module *m = in->module;
  if (m->nmemory_imports || m->ntable_imports || m->nglobal_imports)
    return tea_fail(err, TEA_ERR_UNSUPPORTED,
                    "cannot snapshot an instance that imports a memory, table or global");
  tea_wasm_snapshot *s = calloc(1, sizeof *s);
  if (!s) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  s->of = in;
  bool ok = (s->globals = calloc(2 * (size_t)m->nglobals + 1, sizeof *s->globals)) &&
            (s->tables = calloc((size_t)m->ntables + 1, sizeof *s->tables)) &&
            (s->elem_len = calloc((size_t)m->nelems + 1, sizeof *s->elem_len)) &&
            (s->data_len = calloc((size_t)m->ndatas + 1, sizeof *s->data_len));
  if (ok && in->memory) ok = take_memory(s, in->memory);
  for (uint32_t i = 0; ok && i < m->nglobals; i++) {
    s->globals[2 * i] = in->globals[i]->value;
    s->globals[2 * i + 1] = in->globals[i]->value_hi;
  }
  for (uint32_t i = 0; ok && i < m->ntables; i++) {
    const tea_wasm_table *t = in->tables[i];
    s->tables[i].size = t->size;
    ok = (s->tables[i].elems = malloc(((size_t)t->size + 1) * sizeof *t->elems)) != NULL;
    if (ok) memcpy(s->tables[i].elems, t->elems, (size_t)t->size * sizeof *t->elems);
  }
  if (ok) {
    memcpy(s->elem_len, in->elem_len, (size_t)m->nelems * sizeof *s->elem_len);
    memcpy(s->data_len, in->data_len, (size_t)m->ndatas * sizeof *s->data_len);
  }
  if (!ok) {
    tea_wasm_snapshot_free(s);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory taking a snapshot");
  }
  *out = s;
  return TEA_OK;
}

/* Memory grown since the snapshot goes back to zero pages (the next grow
 * must see zeros) and, with guard pages, back to faulting. */
static tea_code shrink_memory(tea_wasm_memory *mem, uint64_t size, tea_error *err) {
  if (mem->size <= size) return TEA_OK;
  memset(tea_memory_marks(mem) + size / PAGE, 0, (mem->size - size) / PAGE);
  if (madvise(mem->data + size, mem->size - size, MADV_DONTNEED) != 0)
    return tea_fail(err, TEA_ERR_IO, "cannot reset grown memory");
#ifdef TEA_GUARD_PAGES
  if (mem->committed > size) {
    if (mprotect(mem->data + size, mem->committed - size, PROT_NONE) != 0)
      return tea_fail(err, TEA_ERR_IO, "cannot protect reset memory");
    mem->committed = size;
  }
#endif
  mem->size = size;
  return TEA_OK;
}

tea_code tea_wasm_snapshot_restore(tea_wasm_instance *in, const tea_wasm_snapshot *s, tea_error *err) {
  if (s->of != in) return tea_fail(err, TEA_ERR_ARG, "snapshot of another instance");
  const tea_wasm_module *m = in->module;
  if (in->memory) {
    tea_code rc = shrink_memory(in->memory, s->memory_size, err);
    if (rc != TEA_OK) return rc;
    tea_memory_reset(in->memory, s->page);
  }
  for (uint32_t i = 0; i < m->nglobals; i++) {
    in->globals[i]->value = s->globals[2 * i];
    in->globals[i]->value_hi = s->globals[2 * i + 1];
  }
  for (uint32_t i = 0; i < m->ntables; i++) {
    tea_wasm_table *t = in->tables[i];
    t->size = s->tables[i].size; /* a grown table keeps its allocation */
    memcpy(t->elems, s->tables[i].elems, (size_t)t->size * sizeof *t->elems);
  }
  memcpy(in->elem_len, s->elem_len, (size_t)m->nelems * sizeof *s->elem_len);
  memcpy(in->data_len, s->data_len, (size_t)m->ndatas * sizeof *s->data_len);
  /* a deadline that fired after the last call returned must not stop the next */
  tea_wasm_store_clear_interrupt(in->store);
  return TEA_OK;
}
