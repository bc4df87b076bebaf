/* A volatile store for tests and fuzzing: the same contract as the file store. */
#include <stdlib.h>
#include <string.h>

#include "tea/ledger.h"

typedef struct mem_store {
  tea_ledger_store base;
  tea_ledger_slice *blocks; /* owned copies */
  size_t n, cap;
} mem_store;

static tea_code ms_count(tea_ledger_store *s, uint64_t *n, tea_error *err) {
  (void)err;
  *n = ((mem_store *)s)->n;
  return TEA_OK;
}

static tea_code ms_get(tea_ledger_store *s, uint64_t h, uint8_t **buf, size_t *n, tea_error *err) {
  mem_store *ms = (mem_store *)s;
  if (h >= ms->n) return tea_fail(err, TEA_ERR_NOT_FOUND, "no block %llu in the store", (unsigned long long)h);
  *buf = malloc(ms->blocks[h].n);
  if (!*buf) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  memcpy(*buf, ms->blocks[h].p, ms->blocks[h].n);
  *n = ms->blocks[h].n;
  return TEA_OK;
}

static tea_code ms_append(tea_ledger_store *s, uint64_t h, const uint8_t *buf, size_t n, tea_error *err) {
  mem_store *ms = (mem_store *)s;
  if (h != ms->n)
    return tea_fail(err, TEA_ERR_STATE, "append at height %llu, the store is at %zu", (unsigned long long)h, ms->n);
  if (ms->n == ms->cap) {
    size_t cap = ms->cap ? ms->cap * 2 : 16;
    tea_ledger_slice *b = realloc(ms->blocks, cap * sizeof *b);
    if (!b) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    ms->blocks = b;
    ms->cap = cap;
  }
  uint8_t *copy = malloc(n ? n : 1);
  if (!copy) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  memcpy(copy, buf, n);
  ms->blocks[ms->n++] = (tea_ledger_slice){copy, n};
  return TEA_OK;
}

static void ms_close(tea_ledger_store *s) {
  mem_store *ms = (mem_store *)s;
  for (size_t i = 0; i < ms->n; i++) free((void *)ms->blocks[i].p);
  free(ms->blocks);
  free(ms);
}

static const tea_ledger_store_ops mem_ops = {"memory", ms_count, ms_get, ms_append, ms_close};

tea_code tea_ledger_store_mem_open(tea_ledger_store **out, tea_error *err) {
  mem_store *ms = calloc(1, sizeof *ms);
  if (!ms) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  ms->base.ops = &mem_ops;
  *out = &ms->base;
  return TEA_OK;
}
