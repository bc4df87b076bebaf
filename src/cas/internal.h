/* Shared by the files of src/cas. Internal. */
#ifndef TEA_CAS_INTERNAL_H
#define TEA_CAS_INTERNAL_H

#include "tea/cas.h"

/* An open-addressing set of CIDs (keyed by their v1 form), each optionally
 * holding a copy of its block. */
typedef struct cas_slot {
  bool used;
  tea_cid cid;
  uint8_t *block; /* owned; NULL when only the CID is kept */
  size_t len;
} cas_slot;

typedef struct cas_map {
  cas_slot *slots;
  size_t cap, n;
} cas_map;

/* Adds cid (copying block when it is not NULL); *added (may be NULL) is false when
 * the CID was already there, which leaves the map unchanged. */
tea_code cas_map_put(cas_map *m, const tea_cid *cid, const uint8_t *block, size_t len, bool *added,
                     tea_error *err);
const cas_slot *cas_map_get(const cas_map *m, const tea_cid *cid);
void cas_map_free(cas_map *m);

/* A tea_dag_walk visitor writing a UnixFS file's bytes (tea_unixfs_block_data of each
 * block) to write, then passing the block to sink (may be NULL), counting visits. */
typedef struct cas_cat {
  tea_write_fn write;
  void *wctx;
  tea_block_sink sink;
  void *sink_ctx;
  size_t visits;
} cas_cat;
tea_code cas_cat_visit(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n, tea_error *err);

#endif
