/* The CID set behind gc's mark phase, CAR writing without duplicates and the
 * blocks of a fetched CAR. Linear probing at most half full; the hash is the
 * digest itself (SHA-256 output needs no further mixing). */
#include "cas/internal.h"

#include <stdlib.h>
#include <string.h>

static size_t slot_of(const cas_map *m, const tea_cid *c) {
  uint64_t h;
  memcpy(&h, c->digest, sizeof h);
  return (size_t)(h ^ c->codec) & (m->cap - 1);
}

const cas_slot *cas_map_get(const cas_map *m, const tea_cid *cid) {
  if (!m->cap) return NULL;
  tea_cid v1 = tea_cid_to_v1(cid);
  for (size_t i = slot_of(m, &v1);; i = (i + 1) & (m->cap - 1)) {
    if (!m->slots[i].used) return NULL;
    if (tea_cid_equal(&m->slots[i].cid, &v1)) return &m->slots[i];
  }
}

static cas_slot *free_slot(cas_map *m, const tea_cid *v1) {
  size_t i = slot_of(m, v1);
  while (m->slots[i].used) i = (i + 1) & (m->cap - 1);
  return &m->slots[i];
}

tea_code cas_map_put(cas_map *m, const tea_cid *cid, const uint8_t *block, size_t len, bool *added,
                     tea_error *err) {
  if (added) *added = false;
  if (cas_map_get(m, cid)) return TEA_OK;
  if ((m->n + 1) * 2 > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 64;
    cas_slot *s = calloc(cap, sizeof *s);
    if (!s) return tea_fail(err, TEA_ERR_NOMEM, "out of memory (CID set of %zu)", m->n);
    cas_map old = *m;
    m->slots = s;
    m->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
      if (old.slots[i].used) *free_slot(m, &old.slots[i].cid) = old.slots[i];
    free(old.slots);
  }
  uint8_t *copy = NULL;
  if (block) {
    copy = malloc(len ? len : 1);
    if (!copy) return tea_fail(err, TEA_ERR_NOMEM, "out of memory (block of %zu bytes)", len);
    if (len) memcpy(copy, block, len);
  }
  tea_cid v1 = tea_cid_to_v1(cid);
  *free_slot(m, &v1) = (cas_slot){.used = true, .cid = v1, .block = copy, .len = len};
  m->n++;
  if (added) *added = true;
  return TEA_OK;
}

void cas_map_free(cas_map *m) {
  for (size_t i = 0; i < m->cap; i++) free(m->slots[i].block);
  free(m->slots);
  memset(m, 0, sizeof *m);
}
