/* Snapshots of an instance's mutable state, so that a pool can hand out an
 * instance that is exactly as it was right after instantiation (and its
 * initializers) without instantiating again: memory 0's bytes and size,
 * mutable globals, tables and which passive segments were dropped. Only
 * instances that own all of that can be snapshotted: an imported memory,
 * table or global is state shared with others, which a restore must not
 * touch. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wasm/runtime.h"

/* Memory is kept as runs of 4 KiB pages, zero runs as nothing at all, with a
 * table from each page to its bytes: a restore puts back only the pages
 * written since (runtime.h, "Write tracking"). */
#define SNAP_PAGE 4096u
_Static_assert(SNAP_PAGE == TEA_MARK_PAGE, "snapshot pages are the pages writes are tracked by");

typedef struct mem_run {
  uint64_t off, len;
  uint8_t *bytes; /* NULL: the run is zeros */
} mem_run;

typedef struct table_copy {
  tea_wasm_ref *elems;
  uint32_t size;
} table_copy;

struct tea_wasm_snapshot {
  const tea_wasm_instance *of;
  mem_run *runs; /* memory 0 */
  size_t nruns;
  uint64_t memory_size;
  const uint8_t **page; /* per page: its bytes in a run, or NULL for zeros */
  tea_wasm_slot *globals; /* two slots per global: value, value_hi */
  table_copy *tables;
  uint32_t *elem_len, *data_len;
};

void tea_wasm_snapshot_free(tea_wasm_snapshot *s) {
  if (!s) return;
  for (size_t i = 0; i < s->nruns; i++) free(s->runs[i].bytes);
  free(s->runs);
  free(s->page);
  free(s->globals);
  if (s->tables)
    for (uint32_t i = 0; i < s->of->module->ntables; i++) free(s->tables[i].elems);
  free(s->tables);
  free(s->elem_len);
  free(s->data_len);
  free(s);
}

static bool page_is_zero(const uint8_t *p, uint64_t len) {
  uint64_t acc = 0;
  for (uint64_t i = 0; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    acc |= w;
  }
  for (uint64_t i = len & ~(uint64_t)7; i < len; i++) acc |= p[i];
  return acc == 0;
}

static bool take_memory(tea_wasm_snapshot *s, const tea_wasm_memory *mem) {
  s->memory_size = mem->size;
  size_t cap = 0;
  for (uint64_t off = 0; off < mem->size; off += SNAP_PAGE) {
    uint64_t len = mem->size - off < SNAP_PAGE ? mem->size - off : SNAP_PAGE;
    bool zero = page_is_zero(mem->data + off, len);
    mem_run *last = s->nruns ? &s->runs[s->nruns - 1] : NULL;
    if (last && (last->bytes == NULL) == zero) { /* extend the run */
      if (!zero) {
        uint8_t *b = realloc(last->bytes, last->len + len);
        if (!b) return false;
        memcpy(b + last->len, mem->data + off, len);
        last->bytes = b;
      }
      last->len += len;
      continue;
    }
    if (s->nruns == cap) {
      mem_run *r = realloc(s->runs, (cap = cap ? 2 * cap : 8) * sizeof *r);
      if (!r) return false;
      s->runs = r;
    }
    mem_run *r = &s->runs[s->nruns++];
    *r = (mem_run){.off = off, .len = len, .bytes = NULL};
    if (!zero) {
      if (!(r->bytes = malloc(len))) return false;
      memcpy(r->bytes, mem->data + off, len);
    }
  }
  uint64_t npages = mem->size / SNAP_PAGE;
  if (!(s->page = calloc(npages + 1, sizeof *s->page))) return false;
  for (size_t i = 0; i < s->nruns; i++)
    if (s->runs[i].bytes)
      for (uint64_t k = 0; k < s->runs[i].len / SNAP_PAGE; k++)
        s->page[s->runs[i].off / SNAP_PAGE + k] = s->runs[i].bytes + k * SNAP_PAGE;
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
  if (ok && in->memory) { /* what is written from now on is what a restore puts back */
    uint8_t *marks = tea_memory_marks(in->memory);
    for (uint64_t p = 0; p < in->memory->size / SNAP_PAGE; p++) marks[p] = s->page[p] ? TEA_MARK_KEPT : 0;
    in->memory->all_written = false;
  }
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
  memset(tea_memory_marks(mem) + size / SNAP_PAGE, 0, (mem->size - size) / SNAP_PAGE);
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

/* Bytes [off, off + len) of the snapshot's memory, all inside one page. */
static void put_back(uint8_t *data, const tea_wasm_snapshot *s, uint64_t off, uint64_t len) {
  const uint8_t *src = s->page[off / SNAP_PAGE];
  if (src) memcpy(data + off, src + off % SNAP_PAGE, len);
  else memset(data + off, 0, len);
}

#ifndef NDEBUG
static bool memory_matches(const uint8_t *data, const tea_wasm_snapshot *s) {
  for (uint64_t p = 0; p < s->memory_size / SNAP_PAGE; p++) {
    const uint8_t *d = data + p * SNAP_PAGE, *src = s->page[p];
    for (uint64_t i = 0; i < SNAP_PAGE; i++)
      if (d[i] != (src ? src[i] : 0)) return false;
  }
  return true;
}
#endif

/* The pages written since the snapshot (and the bytes a write at the end of
 * one may have put into the next) go back; their marks return to what the
 * snapshot left. */
static void restore_written(tea_wasm_memory *mem, const tea_wasm_snapshot *s) {
  uint8_t *marks = tea_memory_marks(mem);
  uint64_t pages = s->memory_size / SNAP_PAGE;
  if (mem->all_written || !mem->tracked) memset(marks, TEA_MARK_WRITTEN, pages);
  mem->all_written = false;
  for (uint64_t p = 0; p < pages; p++) {
    if (marks[p] != TEA_MARK_WRITTEN) continue;
    put_back(mem->data, s, p * SNAP_PAGE, SNAP_PAGE);
    if (p + 1 < pages) put_back(mem->data, s, (p + 1) * SNAP_PAGE, TEA_MARK_SPILL);
    marks[p] = s->page[p] ? TEA_MARK_KEPT : 0;
  }
  assert(memory_matches(mem->data, s) && "a write into the memory was not marked");
}

tea_code tea_wasm_snapshot_restore(tea_wasm_instance *in, const tea_wasm_snapshot *s, tea_error *err) {
  if (s->of != in) return tea_fail(err, TEA_ERR_ARG, "snapshot of another instance");
  const tea_wasm_module *m = in->module;
  if (in->memory) {
    tea_code rc = shrink_memory(in->memory, s->memory_size, err);
    if (rc != TEA_OK) return rc;
    restore_written(in->memory, s);
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
