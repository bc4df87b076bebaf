/* Private to src/ledger: the versioned registry state and the pieces that share it. */
#ifndef TEA_LEDGER_INTERNAL_H
#define TEA_LEDGER_INTERNAL_H

#include "tea/cbor.h"
#include "tea/ledger.h"

/* ---- versioned state (state.c) ----
 * Every record lives under (kind, key) as a list of versions, each valid from the
 * height that wrote it until the next version: a query at height H binary-searches
 * the newest version with height <= H, so past heights cost the same as the head and
 * nothing is replayed. A block's writes are journaled so a failing block is undone
 * by dropping the versions it added. */
enum {
  ST_COMMITTEE = 'C',
  ST_RUNTIME = 'R',
  ST_ACTOR = 'A',
  ST_PROVIDER = 'P',
  ST_NODE = 'N',
  ST_UPGRADE = 'U',
  ST_TXID = 'T',    /* transactions already accepted (replay protection) */
  ST_VERDICT = 'V', /* (attestor, subject, nonce) already counted */
};
#define ST_KEY_MAX 64

typedef struct tea_state tea_state;

tea_code tea_state_new(tea_state **out, tea_error *err);
void tea_state_free(tea_state *st);
/* Opens block h's journal: later puts write versions at height h. */
void tea_state_begin(tea_state *st, uint64_t h);
void tea_state_commit(tea_state *st);
void tea_state_rollback(tea_state *st);
/* The record valid at h (NULL if none). */
const void *tea_state_get(const tea_state *st, int kind, const void *key, size_t klen, uint64_t h);
/* The newest record, including writes of the open block. */
const void *tea_state_head(const tea_state *st, int kind, const void *key, size_t klen);
/* Writes a copy of rec (size bytes) at the open block's height. */
tea_code tea_state_put(tea_state *st, int kind, const void *key, size_t klen, const void *rec, size_t size,
                       tea_error *err);
/* Calls fn for each record of kind valid at h (UINT64_MAX: the newest). fn returns
 * false to stop; it must not put. */
typedef bool (*tea_state_fn)(void *ctx, const void *rec);
void tea_state_each(const tea_state *st, int kind, uint64_t h, tea_state_fn fn, void *ctx);

/* ---- block application (apply.c) ---- */

typedef struct tea_apply_ctx {
  const uint8_t *chain;
  const tea_ledger_params *params;
  const tea_ledger_committee *committee; /* the one that signed the block */
  const tea_cid *cids;                   /* CIDs of blocks 0..height-1 */
  uint64_t height;
} tea_apply_ctx;

/* Applies every transaction and the upgrade waves of one block inside an open journal.
 * The caller rolls back on failure. */
tea_code tea_apply_block(tea_state *st, const tea_ledger_block *b, const tea_apply_ctx *ctx, tea_error *err);
/* Applies genesis (committee). */
tea_code tea_apply_genesis(tea_state *st, const tea_ledger_block *b, tea_error *err);

/* ---- ledger.c, for governance.c ---- */

/* Checks a candidate block against the head: everything but its signatures. */
tea_code tea_ledger_check_candidate(tea_ledger *l, const tea_ledger_block *b, tea_error *err);
/* The head block's time (0 before genesis). */
uint64_t tea_ledger_head_time(const tea_ledger *l);
/* The committee that must sign the next block (NULL before genesis). */
const tea_ledger_committee *tea_ledger_head_committee(const tea_ledger *l);

/* ---- CBOR helpers shared by tx.c and block.c (codec.c) ---- */

tea_code tea_put_cid(tea_cbor_enc *e, const tea_cid *cid);
tea_code tea_read_cid(tea_cbor_reader *r, tea_cid *cid, tea_error *err);
/* Reads a byte string of exactly n bytes. */
tea_code tea_read_fixed(tea_cbor_reader *r, uint8_t *out, size_t n, const char *what, tea_error *err);
/* Reads a byte string of at most cap bytes. */
tea_code tea_read_var(tea_cbor_reader *r, uint8_t *out, size_t cap, size_t *n, const char *what, tea_error *err);
/* Reads text into a NUL-terminated buffer of cap bytes (no embedded NUL). */
tea_code tea_read_str(tea_cbor_reader *r, char *out, size_t cap, const char *what, tea_error *err);
tea_code tea_read_u32(tea_cbor_reader *r, uint32_t *v, const char *what, tea_error *err);
/* Reads a map key (text) into a buffer of cap bytes. */
tea_code tea_read_key(tea_cbor_reader *r, char *out, size_t cap, tea_error *err);
/* Fails unless every bit of want is in seen (the required fields of a record). */
tea_code tea_check_fields(uint32_t seen, uint32_t want, const char *what, tea_error *err);
/* SHA-256(domain ‖ NUL ‖ buf). */
tea_code tea_domain_hash(const char *domain, const uint8_t *buf, size_t n, uint8_t out[TEA_SHA256_LEN],
                         tea_error *err);
int tea_key_cmp(const void *a, const void *b); /* 32-byte keys */

#endif
