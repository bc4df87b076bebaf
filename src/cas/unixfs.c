/* UnixFS files as `ipfs add --cid-version=1 --raw-leaves` builds them (go-unixfs's
 * size chunker and balanced layout), streamed: memory is one chunk plus at most
 * max_links pending links per tree level.
 *
 * go-unixfs's balanced builder fills a node with max_links children before it starts the
 * next one and only adds a level when the current root is full and data remains. The
 * same tree comes out of grouping bottom-up lazily: a level is turned into a node when a
 * new link arrives and it is already full, and at the end each level is closed into a
 * node and pushed upward, except a lone link on the top level, which is the root (so a
 * one-chunk file is just its leaf). Empty trailing chunks are never made, and the empty
 * file is one empty leaf.
 *
 * Blocks (dag-pb spec, canonical form: Links before Data; a PBLink's Name is written
 * even though empty, as go-merkledag does):
 *   PBNode   { repeated PBLink Links = 2; optional bytes Data = 1; }
 *   PBLink   { bytes Hash = 1; string Name = 2; uint64 Tsize = 3; }
 *   UnixFS   { Type = 1 (File = 2); Data = 2 (legacy leaves only); filesize = 3;
 *              repeated blocksizes = 4 (not packed) }
 * Tsize is the cumulative size of the linked block and everything under it. */
#include "cas/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LEVELS 64

typedef struct ulink {
  tea_cid cid;
  uint64_t tsize; /* block bytes of the whole subtree */
  uint64_t fsize; /* file bytes the subtree covers */
} ulink;

struct tea_unixfs {
  size_t chunk;
  unsigned max_links;
  bool legacy;
  tea_block_sink sink;
  void *ctx;
  uint8_t *buf; /* the chunk being filled */
  size_t fill;
  bool any_leaf, done;
  tea_code failed; /* sticky: a failed builder refuses further use */
  unsigned nlevels;
  ulink *levels[MAX_LEVELS];
  unsigned counts[MAX_LEVELS];
  uint8_t *node; /* scratch for encoding one block */
  size_t node_cap;
};

static size_t put_varint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

static size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

tea_code tea_unixfs_new(tea_unixfs **out, const tea_unixfs_opts *opts, tea_block_sink sink, void *ctx,
                        tea_error *err) {
  *out = NULL;
  tea_unixfs *u = calloc(1, sizeof *u);
  if (!u) return tea_fail(err, TEA_ERR_NOMEM, "unixfs: cannot allocate builder");
  u->chunk = opts && opts->chunk_size ? opts->chunk_size : TEA_UNIXFS_CHUNK;
  u->max_links = opts && opts->max_links ? opts->max_links : TEA_UNIXFS_LINKS;
  u->legacy = opts && opts->legacy_v0;
  u->sink = sink;
  u->ctx = ctx;
  if (u->max_links < 2 || u->max_links > 65536 || u->chunk > TEA_BLOCK_MAX - 64) {
    free(u);
    return tea_fail(err, TEA_ERR_ARG, "unixfs: chunk size or link count out of range");
  }
  /* Largest block built in scratch: a full link node, or a legacy leaf (chunk plus a small
   * header). Raw leaves are emitted straight from the chunk buffer, so only one chunk. */
  size_t per_link = 96; /* a link (<= 65 bytes) plus its blocksizes entry (<= 11) */
  u->node_cap = u->max_links * per_link + 32 + (u->legacy ? u->chunk : 0);
  u->buf = malloc(u->chunk ? u->chunk : 1);
  u->node = malloc(u->node_cap);
  if (!u->buf || !u->node) {
    tea_unixfs_free(u);
    return tea_fail(err, TEA_ERR_NOMEM, "unixfs: cannot allocate buffers");
  }
  *out = u;
  return TEA_OK;
}

void tea_unixfs_free(tea_unixfs *u) {
  if (!u) return;
  for (unsigned i = 0; i < MAX_LEVELS; i++) free(u->levels[i]);
  free(u->buf);
  free(u->node);
  free(u);
}

static tea_code emit(tea_unixfs *u, const uint8_t *block, size_t n, uint64_t codec, tea_cid *cid, tea_error *err) {
  tea_code c;
  if (u->legacy) {
    cid->version = 0;
    cid->codec = TEA_CODEC_DAG_PB;
    c = tea_sha256(block, n, cid->digest, err);
  } else {
    c = tea_cid_of(codec, block, n, cid, err);
  }
  if (c) return c;
  return u->sink ? u->sink(u->ctx, cid, block, n, err) : TEA_OK;
}

static tea_code push_link(tea_unixfs *u, unsigned level, const ulink *l, tea_error *err);

/* Turns the links pending on `level` into one dag-pb node and pushes it a level up. */
static tea_code close_level(tea_unixfs *u, unsigned level, tea_error *err) {
  ulink *ls = u->levels[level];
  unsigned cnt = u->counts[level];
  uint8_t *p = u->node;
  uint64_t fsize = 0, tsize_sum = 0;
  for (unsigned i = 0; i < cnt; i++) {
    uint8_t cidb[TEA_CID_MAX_BYTES];
    size_t cl = tea_cid_encode(&ls[i].cid, cidb);
    size_t linklen = 1 + varint_len(cl) + cl + 2 + 1 + varint_len(ls[i].tsize);
    *p++ = 0x12; /* Links, field 2, length-delimited */
    p += put_varint(p, linklen);
    *p++ = 0x0a; /* Hash */
    p += put_varint(p, cl);
    memcpy(p, cidb, cl);
    p += cl;
    *p++ = 0x12; /* Name: empty but present */
    *p++ = 0x00;
    *p++ = 0x18; /* Tsize */
    p += put_varint(p, ls[i].tsize);
    fsize += ls[i].fsize;
    tsize_sum += ls[i].tsize;
  }
  size_t dlen = 2 + 1 + varint_len(fsize);
  for (unsigned i = 0; i < cnt; i++) dlen += 1 + varint_len(ls[i].fsize);
  *p++ = 0x0a; /* Data, field 1 */
  p += put_varint(p, dlen);
  *p++ = 0x08; /* Type = File */
  *p++ = 0x02;
  *p++ = 0x18; /* filesize */
  p += put_varint(p, fsize);
  for (unsigned i = 0; i < cnt; i++) {
    *p++ = 0x20; /* blocksizes */
    p += put_varint(p, ls[i].fsize);
  }
  size_t n = (size_t)(p - u->node);
  ulink up = {.tsize = n + tsize_sum, .fsize = fsize};
  tea_code c = emit(u, u->node, n, TEA_CODEC_DAG_PB, &up.cid, err);
  if (c) return c;
  u->counts[level] = 0;
  return push_link(u, level + 1, &up, err);
}

static tea_code push_link(tea_unixfs *u, unsigned level, const ulink *l, tea_error *err) {
  if (level >= MAX_LEVELS) return tea_fail(err, TEA_ERR_LIMIT, "unixfs: tree deeper than %d levels", MAX_LEVELS);
  if (!u->levels[level]) {
    u->levels[level] = malloc(u->max_links * sizeof(ulink));
    if (!u->levels[level]) return tea_fail(err, TEA_ERR_NOMEM, "unixfs: cannot allocate a tree level");
    if (level + 1 > u->nlevels) u->nlevels = level + 1;
  }
  if (u->counts[level] == u->max_links) {
    tea_code c = close_level(u, level, err);
    if (c) return c;
  }
  u->levels[level][u->counts[level]++] = *l;
  return TEA_OK;
}

static tea_code flush_leaf(tea_unixfs *u, tea_error *err) {
  ulink l = {.fsize = u->fill};
  tea_code c;
  if (u->legacy) {
    /* A dag-pb node whose Data is UnixFS {Type File, Data chunk, filesize}; go omits the
     * Data field of an empty chunk. */
    uint8_t *p = u->node;
    size_t inner = 2 + (u->fill ? 1 + varint_len(u->fill) + u->fill : 0) + 1 + varint_len(u->fill);
    *p++ = 0x0a;
    p += put_varint(p, inner);
    *p++ = 0x08;
    *p++ = 0x02;
    if (u->fill) {
      *p++ = 0x12;
      p += put_varint(p, u->fill);
      memcpy(p, u->buf, u->fill);
      p += u->fill;
    }
    *p++ = 0x18;
    p += put_varint(p, u->fill);
    size_t n = (size_t)(p - u->node);
    l.tsize = n;
    c = emit(u, u->node, n, TEA_CODEC_DAG_PB, &l.cid, err);
  } else {
    l.tsize = u->fill;
    c = emit(u, u->buf, u->fill, TEA_CODEC_RAW, &l.cid, err);
  }
  if (c) return c;
  u->fill = 0;
  u->any_leaf = true;
  return push_link(u, 0, &l, err);
}

tea_code tea_unixfs_write(tea_unixfs *u, const void *data, size_t n, tea_error *err) {
  if (u->failed) return tea_fail(err, u->failed, "unixfs: builder failed earlier");
  if (u->done) return tea_fail(err, TEA_ERR_STATE, "unixfs: builder already finished");
  if (n && !data) return tea_fail(err, TEA_ERR_ARG, "unixfs: NULL data");
  const uint8_t *p = data;
  while (n) {
    size_t take = u->chunk - u->fill < n ? u->chunk - u->fill : n;
    memcpy(u->buf + u->fill, p, take);
    u->fill += take;
    p += take;
    n -= take;
    /* A full chunk is a leaf whatever follows, so it can go now. */
    if (u->fill == u->chunk) {
      tea_code c = flush_leaf(u, err);
      if (c) return u->failed = c;
    }
  }
  return TEA_OK;
}

tea_code tea_unixfs_finish(tea_unixfs *u, tea_cid *root, tea_error *err) {
  if (u->failed) return tea_fail(err, u->failed, "unixfs: builder failed earlier");
  if (u->done) return tea_fail(err, TEA_ERR_STATE, "unixfs: builder already finished");
  u->done = true;
  tea_code c;
  if (u->fill || !u->any_leaf) {
    if ((c = flush_leaf(u, err))) return u->failed = c;
  }
  for (unsigned level = 0; level < u->nlevels; level++) {
    if (level + 1 == u->nlevels && u->counts[level] == 1) {
      *root = u->levels[level][0].cid;
      return TEA_OK;
    }
    if ((c = close_level(u, level, err))) return u->failed = c;
  }
  return u->failed = tea_fail(err, TEA_ERR_STATE, "unixfs: internal: no root");
}

tea_code tea_unixfs_cid_of(const void *data, size_t n, tea_cid *root, tea_error *err) {
  tea_unixfs *u;
  tea_code c = tea_unixfs_new(&u, NULL, NULL, NULL, err);
  if (c) return c;
  if (!(c = tea_unixfs_write(u, data, n, err))) c = tea_unixfs_finish(u, root, err);
  tea_unixfs_free(u);
  return c;
}

tea_code tea_unixfs_cid_of_fd(int fd, tea_block_sink sink, void *ctx, tea_cid *root, tea_error *err) {
  tea_unixfs *u;
  tea_code c = tea_unixfs_new(&u, NULL, sink, ctx, err);
  if (c) return c;
  uint8_t *buf = malloc(65536);
  if (!buf) {
    tea_unixfs_free(u);
    return tea_fail(err, TEA_ERR_NOMEM, "unixfs: cannot allocate read buffer");
  }
  for (;;) {
    ssize_t r = read(fd, buf, 65536);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      c = tea_fail(err, TEA_ERR_IO, "unixfs: read: %s", strerror(errno));
      break;
    }
    if (r == 0) {
      c = tea_unixfs_finish(u, root, err);
      break;
    }
    if ((c = tea_unixfs_write(u, buf, (size_t)r, err))) break;
  }
  free(buf);
  tea_unixfs_free(u);
  return c;
}

/* ---- dag-pb reading ---- */

static tea_code pb_key(const uint8_t *b, size_t len, size_t *off, uint64_t *key, tea_error *err) {
  size_t used;
  tea_code c = tea_uvarint_decode(b + *off, len - *off, key, &used, err);
  if (c) return c;
  *off += used;
  return TEA_OK;
}

static tea_code pb_bytes(const uint8_t *b, size_t len, size_t *off, const uint8_t **p, size_t *n, tea_error *err) {
  uint64_t l;
  size_t used;
  tea_code c = tea_uvarint_decode(b + *off, len - *off, &l, &used, err);
  if (c) return c;
  *off += used;
  if (l > len - *off) return tea_fail(err, TEA_ERR_MALFORMED, "dag-pb: field at offset %zu runs past the block", *off);
  *p = b + *off;
  *n = (size_t)l;
  *off += (size_t)l;
  return TEA_OK;
}

tea_code tea_dagpb_links(const uint8_t *block, size_t n, tea_link_fn fn, void *ctx, tea_error *err) {
  size_t off = 0;
  bool seen_data = false;
  while (off < n) {
    uint64_t key;
    size_t at = off;
    const uint8_t *p = NULL;
    size_t pl = 0;
    tea_code c = pb_key(block, n, &off, &key, err);
    if (c) return c;
    if (key == 0x0a && !seen_data) { /* Data: must come last and only once */
      if ((c = pb_bytes(block, n, &off, &p, &pl, err))) return c;
      seen_data = true;
      continue;
    }
    if (key != 0x12 || seen_data)
      return tea_fail(err, TEA_ERR_MALFORMED, "dag-pb: unexpected field 0x%llx at offset %zu",
                      (unsigned long long)key, at);
    if ((c = pb_bytes(block, n, &off, &p, &pl, err))) return c;
    /* PBLink: Hash (required), Name, Tsize, in field order. */
    size_t lo = 0;
    const uint8_t *h = NULL;
    size_t hl = 0;
    uint64_t tsize = 0;
    int last = 0;
    while (lo < pl) {
      uint64_t lk;
      if ((c = pb_key(p, pl, &lo, &lk, err))) return c;
      const uint8_t *q;
      size_t ql, used;
      if (lk == 0x0a && last < 1) {
        if ((c = pb_bytes(p, pl, &lo, &h, &hl, err))) return c;
        last = 1;
      } else if (lk == 0x12 && last < 2) {
        if ((c = pb_bytes(p, pl, &lo, &q, &ql, err))) return c;
        last = 2;
      } else if (lk == 0x18 && last < 3) {
        if ((c = tea_uvarint_decode(p + lo, pl - lo, &tsize, &used, err))) return c;
        lo += used;
        last = 3;
      } else {
        return tea_fail(err, TEA_ERR_MALFORMED, "dag-pb: bad link field at offset %zu", at);
      }
    }
    if (!h) return tea_fail(err, TEA_ERR_MALFORMED, "dag-pb: link without Hash at offset %zu", at);
    tea_cid cid;
    size_t used;
    if ((c = tea_cid_decode(h, hl, &cid, &used, err))) return c;
    if (used != hl) return tea_fail(err, TEA_ERR_MALFORMED, "dag-pb: link Hash at offset %zu has trailing bytes", at);
    if (fn && (c = fn(ctx, &cid, tsize, err))) return c;
  }
  return TEA_OK;
}

/* ---- walking a DAG ---- */

typedef struct walker {
  tea_block_get_fn get;
  void *gctx;
  tea_block_sink visit;
  void *vctx;
  unsigned depth;
  uint64_t visits;
} walker;

static tea_code walk_block(void *ctx, const tea_cid *cid, uint64_t tsize, tea_error *err);

static tea_code walk_block(void *ctx, const tea_cid *cid, uint64_t tsize, tea_error *err) {
  (void)tsize; /* claimed by the parent, not verified: sizes come from the blocks themselves */
  walker *w = ctx;
  /* Links may repeat (a file of equal chunks), so a DAG of a few blocks can stand for
   * an exponential number of visits; each visit costs a get, so it is capped. */
  if (++w->visits > TEA_DAG_WALK_MAX)
    return tea_fail(err, TEA_ERR_LIMIT, "dag: more than %u block visits", TEA_DAG_WALK_MAX);
  if (w->depth >= TEA_DAG_DEPTH_MAX)
    return tea_fail(err, TEA_ERR_LIMIT, "dag: deeper than %u levels", TEA_DAG_DEPTH_MAX);
  uint8_t *block = NULL;
  size_t n = 0;
  tea_code c = w->get(w->gctx, cid, &block, &n, err);
  if (c) return c;
  tea_error verr;
  if ((c = tea_cid_verify(cid, block, n, &verr))) {
    char s[TEA_CID_STR_MAX];
    if (tea_cid_format(cid, s, NULL)) s[0] = '\0';
    c = tea_fail(err, c, "dag: block %s does not match its CID", s);
  }
  if (!c && w->visit) c = w->visit(w->vctx, cid, block, n, err);
  if (!c && cid->codec == TEA_CODEC_DAG_PB) {
    w->depth++;
    c = tea_dagpb_links(block, n, walk_block, w, err);
    w->depth--;
  }
  free(block);
  return c;
}

tea_code tea_dag_walk(const tea_cid *root, tea_block_get_fn get, void *gctx, tea_block_sink visit, void *vctx,
                      tea_error *err) {
  walker w = {.get = get, .gctx = gctx, .visit = visit, .vctx = vctx};
  return walk_block(&w, root, 0, err);
}

/* protobuf wire types: 0 varint, 2 length-delimited; UnixFS uses nothing else */
static tea_code pb_skip(const uint8_t *b, size_t len, size_t *off, uint64_t key, tea_error *err) {
  const uint8_t *p;
  size_t n, used;
  uint64_t v;
  if ((key & 7) == 0) {
    tea_code c = tea_uvarint_decode(b + *off, len - *off, &v, &used, err);
    if (!c) *off += used;
    return c;
  }
  if ((key & 7) == 2) return pb_bytes(b, len, off, &p, &n, err);
  return tea_fail(err, TEA_ERR_MALFORMED, "unixfs: wire type %u at offset %zu", (unsigned)(key & 7), *off);
}

tea_code tea_unixfs_block_data(const tea_cid *cid, const uint8_t *block, size_t n, const uint8_t **data,
                               size_t *len, tea_error *err) {
  *data = NULL;
  *len = 0;
  if (cid->codec == TEA_CODEC_RAW) {
    *data = block;
    *len = n;
    return TEA_OK;
  }
  if (cid->codec != TEA_CODEC_DAG_PB)
    return tea_fail(err, TEA_ERR_UNSUPPORTED, "unixfs: a block of codec 0x%llx is not part of a file",
                    (unsigned long long)cid->codec);
  /* PBNode: the Data field (links were already checked by the walk) */
  const uint8_t *u = NULL;
  size_t ul = 0, off = 0;
  tea_code c;
  while (off < n) {
    uint64_t key;
    if ((c = pb_key(block, n, &off, &key, err))) return c;
    if (key == 0x0a) {
      if ((c = pb_bytes(block, n, &off, &u, &ul, err))) return c;
    } else if ((c = pb_skip(block, n, &off, key, err))) {
      return c;
    }
  }
  if (!u) return tea_fail(err, TEA_ERR_MALFORMED, "unixfs: dag-pb node without Data");
  uint64_t type = UINT64_MAX;
  for (off = 0; off < ul;) {
    uint64_t key;
    size_t used;
    if ((c = pb_key(u, ul, &off, &key, err))) return c;
    if (key == 0x08) {
      if ((c = tea_uvarint_decode(u + off, ul - off, &type, &used, err))) return c;
      off += used;
    } else if (key == 0x12) {
      if ((c = pb_bytes(u, ul, &off, data, len, err))) return c;
    } else if ((c = pb_skip(u, ul, &off, key, err))) {
      return c;
    }
  }
  /* 0 Raw and 2 File hold file bytes; directories, symlinks and HAMT shards are not files */
  if (type != 0 && type != 2)
    return tea_fail(err, TEA_ERR_UNSUPPORTED, "unixfs: node of type %llu is not a file",
                    (unsigned long long)type);
  return TEA_OK;
}

tea_code cas_cat_visit(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n, tea_error *err) {
  cas_cat *k = ctx;
  const uint8_t *data;
  size_t len;
  tea_code c = tea_unixfs_block_data(cid, block, n, &data, &len, err);
  if (c) return c;
  k->visits++;
  if (len && (c = k->write(k->wctx, data, len, err))) return c;
  return k->sink ? k->sink(k->sink_ctx, cid, block, n, err) : TEA_OK;
}

tea_code tea_unixfs_export(const tea_cid *root, tea_block_get_fn get, void *gctx, tea_write_fn write, void *wctx,
                           tea_error *err) {
  cas_cat k = {.write = write, .wctx = wctx};
  return tea_dag_walk(root, get, gctx, cas_cat_visit, &k, err);
}

tea_code tea_unixfs_cat(const tea_cid *root, tea_block_get_fn get, void *gctx, uint64_t max, uint8_t **out,
                        size_t *len, tea_error *err) {
  tea_mem_sink m = {.max = max ? max : 64ull << 20};
  *out = NULL;
  *len = 0;
  tea_code c = tea_unixfs_export(root, get, gctx, tea_mem_write, &m, err);
  /* an empty file is still an answer, so never NULL on success */
  if (!c && !m.buf && !(m.buf = malloc(1))) c = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (c) {
    free(m.buf);
    return c;
  }
  *out = m.buf;
  *len = m.len;
  return TEA_OK;
}
