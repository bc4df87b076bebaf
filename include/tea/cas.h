/* tea: content addressing. Multibase (base32 lower, base58btc), unsigned varints,
 * CIDs (v0 and v1, sha2-256 only), the UnixFS file DAG exactly as
 * `ipfs add --cid-version=1 --raw-leaves` builds it, a verified blob store keyed by
 * CID, and CAR v1 files. See docs/cas.md. */
#ifndef TEA_CAS_H
#define TEA_CAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/error.h"
#include "tea/hash.h"

/* ---- unsigned varint (multiformats): at most 9 bytes (63 bits), minimal ---- */

#define TEA_UVARINT_MAX 9
/* Writes v (< 2^63) into out; returns the byte count, 0 if v is too large. */
size_t tea_uvarint_encode(uint64_t v, uint8_t out[TEA_UVARINT_MAX]);
/* Reads one varint from buf[0..len); *used gets its length. Rejects truncation,
 * non-minimal forms (a final 0x00 byte after the first) and more than 9 bytes. */
tea_code tea_uvarint_decode(const uint8_t *buf, size_t len, uint64_t *v, size_t *used, tea_error *err);

/* ---- multibase ---- */

typedef enum tea_multibase {
  TEA_BASE32 = 'b',    /* RFC 4648 lower case, no padding */
  TEA_BASE58BTC = 'z', /* Bitcoin alphabet */
} tea_multibase;

/* Plain encodings, without the multibase prefix. out gets a NUL-terminated string;
 * cap counts the NUL. */
size_t tea_base32_encoded_len(size_t n); /* without NUL */
tea_code tea_base32_encode(const uint8_t *in, size_t n, char *out, size_t cap, tea_error *err);
/* Rejects upper case, padding, impossible lengths and non-zero trailing bits, so each
 * byte string has exactly one accepted text form. */
tea_code tea_base32_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len,
                           tea_error *err);
/* Inputs are limited to TEA_BASE58_MAX bytes (quadratic algorithm; CIDs are short). */
#define TEA_BASE58_MAX 256
tea_code tea_base58_encode(const uint8_t *in, size_t n, char *out, size_t cap, tea_error *err);
tea_code tea_base58_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len,
                           tea_error *err);
/* With the one-character prefix. decode sets *base to the prefix found ('b' or 'z'). */
tea_code tea_multibase_encode(tea_multibase base, const uint8_t *in, size_t n, char *out, size_t cap,
                              tea_error *err);
tea_code tea_multibase_decode(const char *in, size_t n, tea_multibase *base, uint8_t *out, size_t cap,
                              size_t *out_len, tea_error *err);

/* ---- CIDs ---- */

enum {
  TEA_CODEC_RAW = 0x55,
  TEA_CODEC_DAG_PB = 0x70,
  TEA_CODEC_DAG_CBOR = 0x71,
  TEA_MH_SHA2_256 = 0x12,
};

/* A CID: version 0 (dag-pb, base58btc "Qm...") or 1; the multihash is always sha2-256. */
typedef struct tea_cid {
  uint8_t version; /* 0 or 1 */
  uint64_t codec;  /* a multicodec; TEA_CODEC_DAG_PB for v0 */
  uint8_t digest[TEA_SHA256_LEN];
} tea_cid;

#define TEA_CID_MAX_BYTES 48 /* binary form: version + codec varints + 0x12 0x20 + 32 */
#define TEA_CID_STR_MAX 96   /* text form with NUL */

/* The codecs we build or read blocks of. Other codecs parse (a CID may name anything),
 * but only these are written by this module. */
bool tea_cid_codec_known(uint64_t codec);

/* Binary form. tea_cid_decode reads one CID from the start of buf (as in CAR sections)
 * and sets *used; sha2-256 with a 32-byte digest is required (TEA_ERR_UNSUPPORTED for
 * other hashes). */
size_t tea_cid_encode(const tea_cid *cid, uint8_t out[TEA_CID_MAX_BYTES]);
tea_code tea_cid_decode(const uint8_t *buf, size_t len, tea_cid *cid, size_t *used, tea_error *err);

/* Text form: v1 in base32 ("b..."), v0 in bare base58btc ("Qm..."). parse also takes
 * base58btc v1 ("z..."). It rejects anything non-canonical: a multibase-prefixed v0,
 * trailing bytes, bad varints, unknown bases. */
tea_code tea_cid_format(const tea_cid *cid, char out[TEA_CID_STR_MAX], tea_error *err);
tea_code tea_cid_parse(const char *s, size_t n, tea_cid *cid, tea_error *err);
tea_code tea_cid_parse_cstr(const char *s, tea_cid *cid, tea_error *err);

/* CIDv1 with the given codec over sha2-256(block). */
tea_code tea_cid_of(uint64_t codec, const void *block, size_t n, tea_cid *cid, tea_error *err);
/* Does block hash to cid's digest? TEA_ERR_CRYPTO when not. */
tea_code tea_cid_verify(const tea_cid *cid, const void *block, size_t n, tea_error *err);
bool tea_cid_equal(const tea_cid *a, const tea_cid *b);
/* The same content as CIDv1 (a v1 is returned unchanged). */
tea_cid tea_cid_to_v1(const tea_cid *cid);

/* ---- UnixFS files ---- */

#define TEA_UNIXFS_CHUNK 262144 /* ipfs add's default chunker, size-262144 */
#define TEA_UNIXFS_LINKS 174    /* go-unixfs's balanced layout: links per node */
#define TEA_BLOCK_MAX (2u * 1024 * 1024) /* largest block we read or store */

/* Takes the next n bytes of an output (a CAR, a file); called with whole pieces. */
typedef tea_code (*tea_write_fn)(void *ctx, const void *data, size_t n, tea_error *err);

/* Called for each block the builder makes, children before parents, root last. */
typedef tea_code (*tea_block_sink)(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n,
                                   tea_error *err);

typedef struct tea_unixfs_opts {
  /* 0 means the defaults above; others are for tests against published vectors. */
  size_t chunk_size;
  unsigned max_links;
  /* false: leaves are raw blocks and every CID is v1 (ipfs add --cid-version=1
   * --raw-leaves, our format). true: leaves are dag-pb UnixFS nodes and every CID is v0
   * (plain `ipfs add`), kept to check the tree against go-ipfs's own vectors. */
  bool legacy_v0;
} tea_unixfs_opts;

typedef struct tea_unixfs tea_unixfs; /* opaque streaming builder */

/* opts may be NULL; sink may be NULL (just compute the CID). */
tea_code tea_unixfs_new(tea_unixfs **out, const tea_unixfs_opts *opts, tea_block_sink sink, void *ctx,
                        tea_error *err);
tea_code tea_unixfs_write(tea_unixfs *u, const void *data, size_t n, tea_error *err);
/* Emits the remaining blocks and gives the root CID; the builder is then spent. */
tea_code tea_unixfs_finish(tea_unixfs *u, tea_cid *root, tea_error *err);
void tea_unixfs_free(tea_unixfs *u);

/* Convenience: the CID of a buffer, or of a file read from a descriptor to its end. */
tea_code tea_unixfs_cid_of(const void *data, size_t n, tea_cid *root, tea_error *err);
tea_code tea_unixfs_cid_of_fd(int fd, tea_block_sink sink, void *ctx, tea_cid *root, tea_error *err);

/* dag-pb: the links of a PBNode (strict decoding of the canonical form). Calls fn for
 * each link's CID in order; stops at its first failure. */
typedef tea_code (*tea_link_fn)(void *ctx, const tea_cid *link, uint64_t tsize, tea_error *err);
tea_code tea_dagpb_links(const uint8_t *block, size_t n, tea_link_fn fn, void *ctx, tea_error *err);

/* ---- walking a DAG ---- */

/* Gives the block named cid: *block is malloc'd and freed by the caller. It need not
 * be verified (the walk checks it); TEA_ERR_NOT_FOUND when it cannot be had. */
typedef tea_code (*tea_block_get_fn)(void *ctx, const tea_cid *cid, uint8_t **block, size_t *n, tea_error *err);

#define TEA_DAG_DEPTH_MAX 32         /* a balanced 174-link file of 2^63 bytes needs 8 */
#define TEA_DAG_WALK_MAX (1u << 22)  /* block visits per walk */

/* Visits root and everything its dag-pb links reach, depth first: a block, then its
 * children left to right (the trustless gateway's order=dfs, and the order of a file's
 * bytes). Each block is fetched with get, checked against its CID, then passed to visit
 * (may be NULL). A block linked twice is visited twice. Links of other codecs (raw,
 * dag-cbor) are not followed. Stops at the first failure, including a block that does
 * not match its CID (TEA_ERR_CRYPTO) or more than TEA_DAG_DEPTH_MAX levels or
 * TEA_DAG_WALK_MAX visits (TEA_ERR_LIMIT). */
tea_code tea_dag_walk(const tea_cid *root, tea_block_get_fn get, void *gctx, tea_block_sink visit, void *vctx,
                      tea_error *err);
/* The file bytes one block of a UnixFS file holds itself: all of a raw block; the Data of
 * a dag-pb node of type File or Raw (empty for our inner nodes). Visiting a file's DAG
 * with tea_dag_walk and concatenating these gives the file. TEA_ERR_UNSUPPORTED for
 * directories, symlinks and other codecs. *data points into block. */
tea_code tea_unixfs_block_data(const tea_cid *cid, const uint8_t *block, size_t n, const uint8_t **data,
                               size_t *len, tea_error *err);

/* A UnixFS file's bytes, from its blocks fetched with get (each verified, see
 * tea_dag_walk), streamed to write in order. */
tea_code tea_unixfs_export(const tea_cid *root, tea_block_get_fn get, void *gctx, tea_write_fn write, void *wctx,
                           tea_error *err);
/* The same into memory: *out is malloc'd. TEA_ERR_LIMIT past max bytes (0: 64 MiB). */
tea_code tea_unixfs_cat(const tea_cid *root, tea_block_get_fn get, void *gctx, uint64_t max, uint8_t **out,
                        size_t *len, tea_error *err);

/* ---- blob store ---- */

/* A directory of blocks, one file per block named by its CIDv1 text:
 *   DIR/blocks/<cid>   the block bytes
 *   DIR/pins/<cid>     an empty file: the block (and, for dag-pb, everything it links to)
 *                      survives gc
 * Writes are atomic (temp file in the same directory, fsync, rename, fsync directory), so
 * a crash leaves each block either absent or complete. Every read is checked against
 * its CID. One process should own a store at a time: the quota is accounted in memory. */
typedef struct tea_blobstore tea_blobstore;

/* Creates the directories if needed, removes temp files a crash left, and totals the
 * stored bytes. quota is in bytes (0: unlimited). */
tea_code tea_blobstore_open(tea_blobstore **out, const char *dir, uint64_t quota, tea_error *err);
void tea_blobstore_close(tea_blobstore *bs);

/* Stores block under cid after checking that it hashes to cid. Storing a present block
 * is a no-op. TEA_ERR_LIMIT if the quota would be exceeded. A v0 CID is stored as v1. */
tea_code tea_blobstore_put(tea_blobstore *bs, const tea_cid *cid, const void *block, size_t n, tea_error *err);
/* Stores a raw block and returns its CID. */
tea_code tea_blobstore_put_raw(tea_blobstore *bs, const void *block, size_t n, tea_cid *cid, tea_error *err);
/* Reads and verifies a block; *block is malloc'd (free it). TEA_ERR_NOT_FOUND if absent,
 * TEA_ERR_CRYPTO if the stored bytes do not match the CID (the file is left for
 * inspection and never returned). */
tea_code tea_blobstore_get(tea_blobstore *bs, const tea_cid *cid, uint8_t **block, size_t *n, tea_error *err);
bool tea_blobstore_has(tea_blobstore *bs, const tea_cid *cid);
/* tea_blobstore_get as a tea_block_get_fn (ctx is the store), for tea_dag_walk. */
tea_code tea_blobstore_get_fn(void *bs, const tea_cid *cid, uint8_t **block, size_t *n, tea_error *err);
tea_code tea_blobstore_remove(tea_blobstore *bs, const tea_cid *cid, tea_error *err);
/* Adds a file (read from fd to its end) as UnixFS, storing every block; *root gets its CID. */
tea_code tea_blobstore_add_fd(tea_blobstore *bs, int fd, tea_cid *root, tea_error *err);

tea_code tea_blobstore_pin(tea_blobstore *bs, const tea_cid *cid, tea_error *err);
tea_code tea_blobstore_unpin(tea_blobstore *bs, const tea_cid *cid, tea_error *err);
bool tea_blobstore_pinned(tea_blobstore *bs, const tea_cid *cid);
/* Removes every block not reachable from a pin (following dag-pb links of stored
 * blocks). *freed (may be NULL) gets the bytes removed. */
tea_code tea_blobstore_gc(tea_blobstore *bs, uint64_t *freed, tea_error *err);
uint64_t tea_blobstore_used(const tea_blobstore *bs);
uint64_t tea_blobstore_quota(const tea_blobstore *bs);

/* ---- CAR v1 ---- */

#define TEA_CAR_MAX_ROOTS 16
#define TEA_CAR_HEADER_MAX 4096

/* Writes the header: varint(len) + dag-cbor {"roots": [cids], "version": 1}. Then call
 * tea_car_write_block per block. write is called with whole pieces. */
tea_code tea_car_write_header(const tea_cid *roots, size_t nroots, tea_write_fn write, void *ctx,
                              tea_error *err);
tea_code tea_car_write_block(const tea_cid *cid, const void *block, size_t n, tea_write_fn write, void *ctx,
                             tea_error *err);

/* Reads a CAR from a source. read fills up to n bytes and sets *got (0 only at the end). */
typedef tea_code (*tea_read_fn)(void *ctx, uint8_t *buf, size_t n, size_t *got, tea_error *err);

typedef struct tea_car_reader {
  tea_read_fn read;
  void *ctx;
  uint64_t offset;
  tea_cid roots[TEA_CAR_MAX_ROOTS];
  size_t nroots;
  uint8_t *block; /* the current block (owned; valid until the next call) */
  size_t block_cap;
} tea_car_reader;

/* Reads and checks the header (strict: exactly the two keys, version 1, canonical CBOR). */
tea_code tea_car_reader_open(tea_car_reader *r, tea_read_fn read, void *ctx, tea_error *err);
/* Next block: *done is set at a clean end. Every block is checked against its CID
 * (TEA_ERR_CRYPTO when it does not match); a section longer than TEA_BLOCK_MAX plus a
 * CID, or running past the input, is refused before anything is allocated for it. */
tea_code tea_car_reader_next(tea_car_reader *r, tea_cid *cid, const uint8_t **block, size_t *n, bool *done,
                             tea_error *err);
void tea_car_reader_close(tea_car_reader *r);

/* A CAR of root's DAG (tea_dag_walk's order, each block once): roots = [root], then
 * root and, when whole is true, everything it links to. */
tea_code tea_car_write_dag(const tea_cid *root, bool whole, tea_block_get_fn get, void *gctx, tea_write_fn write,
                           void *wctx, tea_error *err);

/* A read_fn over a memory buffer. */
typedef struct tea_mem_source {
  const uint8_t *buf;
  size_t len, off;
} tea_mem_source;
tea_code tea_mem_read(void *ctx, uint8_t *buf, size_t n, size_t *got, tea_error *err);
/* A write_fn into a growing malloc'd buffer (buf; free it); past max bytes (0: no
 * bound) it fails with TEA_ERR_LIMIT and keeps what it had. */
typedef struct tea_mem_sink {
  uint8_t *buf;
  size_t len, cap;
  uint64_t max;
} tea_mem_sink;
tea_code tea_mem_write(void *ctx, const void *data, size_t n, tea_error *err);

/* ---- trustless gateway client ---- */

/* Fetches the file (or raw block) cid names from an ordered list of sources: tea nodes
 * ("http://host:7100") and IPFS gateways ("https://ipfs.io"), all speaking the trustless
 * gateway protocol (GET {source}/ipfs/{cid}). Per source: first the whole DAG as one
 * CAR (?format=car&dag-scope=all, Accept: application/vnd.ipld.car); its root must be
 * cid, every block must match its CID and every block of the file must be in it. If the
 * source does not do CARs (HTTP 400/406/415/501, or an answer that is not a CAR), the
 * DAG is walked block by block (Accept: application/vnd.ipld.raw), each verified. Any
 * other failure (no answer, timeout, HTTP error, a bad block, a missing block, over the
 * size limit) moves on to the next source. Sources are never trusted. */
#define TEA_GATEWAY_MAX_SOURCES 32

typedef struct tea_gateway_opts {
  unsigned timeout_ms; /* each HTTP request, connection included; 0: 10000 */
  uint64_t max_bytes;  /* bytes received from one source (the CAR, or all its blocks), and
                          so the largest file; 0: 64 MiB */
  bool raw_only;       /* never ask for a CAR */
  /* Each verified block as the reassembly reaches it, in DAG order (may be NULL); a
   * block may come twice. Blocks of a source that fails later may have been given. */
  tea_block_sink sink;
  void *sink_ctx;
} tea_gateway_opts;

typedef struct tea_gateway_attempt {
  size_t source; /* index into sources */
  bool car;      /* the CAR request (else block by block) */
  tea_error err;
} tea_gateway_attempt;

typedef struct tea_gateway_report {
  size_t source;     /* the source that served (when TEA_OK) */
  bool car;          /* served as one CAR */
  size_t blocks;     /* blocks of the DAG walked (a block linked twice counts twice) */
  uint64_t received; /* bytes received from that source */
  size_t nfailed;    /* attempts that failed before, in order */
  tea_gateway_attempt failed[2 * TEA_GATEWAY_MAX_SOURCES];
} tea_gateway_report;

/* *out (malloc'd) gets the file's bytes. report may be NULL. On failure err names every
 * source's failure (shortened to fit; report->failed has them whole). */
tea_code tea_gateway_fetch(const tea_cid *cid, const char *const *sources, size_t nsources,
                           const tea_gateway_opts *opts, uint8_t **out, size_t *len, tea_gateway_report *report,
                           tea_error *err);

#endif
