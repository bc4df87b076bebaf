/* Inline storage that spills to the heap. An object that usually needs a few
 * elements (a store's objects, a WASI context's descriptors, a table's
 * elements, a request body) keeps them in storage of its own and moves them
 * to a malloc'd buffer the first time it needs more: the common case makes no
 * allocation for them at all. */
#ifndef TEA_BASE_SPILL_H
#define TEA_BASE_SPILL_H

#include <stdlib.h>
#include <string.h>

/* buf grown to bytes, its first used bytes kept: a realloc once it is on the
 * heap, a copy out of the inline storage the first time. NULL when out of
 * memory (buf is then untouched). */
static inline void *tea_spill_grow(void *buf, const void *inline_buf, size_t used, size_t bytes) {
  if (buf != inline_buf) return realloc(buf, bytes);
  void *p = malloc(bytes);
  if (p && used) memcpy(p, buf, used);
  return p;
}

/* Frees buf unless it is the inline storage. */
static inline void tea_spill_free(void *buf, const void *inline_buf) {
  if (buf != inline_buf) free(buf);
}

#endif
