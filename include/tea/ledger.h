/* tea: the ledger. A hash-chained sequence of blocks signed by a committee (M of N
 * Ed25519 signatures), the transactions they carry, the registry state those
 * transactions build (queryable at any past height), storage backends behind one
 * vtable (an append-only file by default), and the governance flow that turns
 * proposals into blocks. Formats and rules: docs/ledger.md. */
#ifndef TEA_LEDGER_H
#define TEA_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/cas.h"
#include "tea/error.h"
#include "tea/hash.h"

#define TEA_LEDGER_KEY_LEN 32 /* Ed25519 public key, X25519 key */
#define TEA_LEDGER_SK_LEN 64  /* libsodium Ed25519 secret key (seed ‖ public key) */
#define TEA_LEDGER_SIG_LEN 64
#define TEA_LEDGER_MAX_COMMITTEE 32
#define TEA_LEDGER_NAME_MAX 64  /* names: actors, providers, platforms, capabilities (with NUL) */
#define TEA_LEDGER_TEXT_MAX 256 /* endpoints, reasons (with NUL) */
#define TEA_LEDGER_MAX_ISSUERS 16
#define TEA_LEDGER_MAX_CAPS 32
#define TEA_LEDGER_MAX_PLATFORMS 16
#define TEA_LEDGER_MAX_WAVES 8
#define TEA_LEDGER_MAX_ATTESTORS 16 /* distinct attestors remembered per node */
#define TEA_LEDGER_AK_MAX 1024
#define TEA_LEDGER_EVIDENCE_MAX 8192
#define TEA_LEDGER_NONCE_MAX 64
#define TEA_LEDGER_MAX_TXS 4096   /* per block */
#define TEA_LEDGER_BLOCK_MAX (16u * 1024 * 1024)

/* Domain separation: what is signed is SHA-256(prefix ‖ NUL ‖ unsigned encoding), so a
 * signature over one kind of record can never be replayed as another. */
#define TEA_LEDGER_BLOCK_DOMAIN "tea/block/v1"
#define TEA_LEDGER_TX_DOMAIN "tea/tx/v1"

/* ---- keys ---- */

typedef struct tea_ledger_keypair {
  uint8_t pk[TEA_LEDGER_KEY_LEN];
  uint8_t sk[TEA_LEDGER_SK_LEN];
} tea_ledger_keypair;

tea_code tea_ledger_keygen(tea_ledger_keypair *kp, tea_error *err);
/* Deterministic keys (tests, fuzzing). */
tea_code tea_ledger_keypair_from_seed(const uint8_t seed[32], tea_ledger_keypair *kp, tea_error *err);
/* Key files: one line of lower-case hex (the 64-byte secret key, or a 32-byte public
 * key). Written with mode 0600 atomically. */
tea_code tea_ledger_key_save(const char *path, const tea_ledger_keypair *kp, tea_error *err);
tea_code tea_ledger_key_load(const char *path, tea_ledger_keypair *kp, tea_error *err);

/* ---- records ---- */

typedef struct tea_ledger_params {
  uint32_t quarantine_attestors; /* distinct failing attestors that quarantine a node */
  uint32_t fresh_window;         /* a verdict is stale when fresh_height + window < block height */
  uint32_t recover_passes;       /* distinct passing attestors that clear `suspicious` */
} tea_ledger_params;

typedef struct tea_ledger_committee {
  uint32_t n, threshold;
  uint8_t keys[TEA_LEDGER_MAX_COMMITTEE][TEA_LEDGER_KEY_LEN]; /* sorted, distinct */
} tea_ledger_committee;

typedef struct tea_ledger_runtime {
  uint8_t hash[TEA_SHA256_LEN];
  char version[TEA_LEDGER_NAME_MAX];
  char platform[TEA_LEDGER_NAME_MAX];
  uint64_t retire_height; /* 0: not retired; else valid below this height */
} tea_ledger_runtime;

typedef struct tea_ledger_limits {
  uint64_t fuel, memory; /* 0: the node's default */
} tea_ledger_limits;

typedef struct tea_ledger_actor {
  char name[TEA_LEDGER_NAME_MAX];
  tea_cid cid;
  uint32_t nissuers, ncaps;
  uint8_t issuers[TEA_LEDGER_MAX_ISSUERS][TEA_LEDGER_KEY_LEN];
  char caps[TEA_LEDGER_MAX_CAPS][TEA_LEDGER_NAME_MAX];
  uint64_t min_rev;
  tea_ledger_limits limits;
  bool retired; /* state only: set by actor.retire */
} tea_ledger_actor;

typedef struct tea_ledger_artifact {
  char platform[TEA_LEDGER_NAME_MAX];
  bool is_cid; /* true: cid, false: hash (SHA-256 of the native library) */
  uint8_t hash[TEA_SHA256_LEN];
  tea_cid cid;
} tea_ledger_artifact;

typedef struct tea_ledger_provider {
  char name[TEA_LEDGER_NAME_MAX];
  uint32_t n;
  tea_ledger_artifact a[TEA_LEDGER_MAX_PLATFORMS]; /* sorted by platform */
} tea_ledger_provider;

typedef enum tea_node_status {
  TEA_NODE_ACTIVE = 0,
  TEA_NODE_SUSPICIOUS,
  TEA_NODE_QUARANTINED,
  TEA_NODE_PENDING,
} tea_node_status;
const char *tea_node_status_name(tea_node_status s);

typedef struct tea_ledger_node_reg {
  uint8_t node[TEA_LEDGER_KEY_LEN];
  uint8_t ak[TEA_LEDGER_AK_MAX];
  size_t ak_len;
  char ak_alg[TEA_LEDGER_NAME_MAX];
  uint8_t enc[TEA_LEDGER_KEY_LEN];
  char endpoint[TEA_LEDGER_TEXT_MAX];
  uint32_t tier;
  uint8_t evidence[TEA_LEDGER_EVIDENCE_MAX];
  size_t evidence_len;
} tea_ledger_node_reg;

/* A registered node as the state holds it at some height. */
typedef struct tea_ledger_node {
  uint8_t node[TEA_LEDGER_KEY_LEN];
  uint8_t ak[TEA_LEDGER_AK_MAX];
  size_t ak_len;
  char ak_alg[TEA_LEDGER_NAME_MAX];
  uint8_t enc[TEA_LEDGER_KEY_LEN];
  char endpoint[TEA_LEDGER_TEXT_MAX];
  uint32_t tier;
  uint8_t evidence_hash[TEA_SHA256_LEN];
  uint64_t registered_height;
  tea_node_status status;
  uint32_t nfailed, npassed, needed; /* needed: passes that end pending/suspicious */
  uint8_t failed_by[TEA_LEDGER_MAX_ATTESTORS][TEA_LEDGER_KEY_LEN];
  uint8_t passed_by[TEA_LEDGER_MAX_ATTESTORS][TEA_LEDGER_KEY_LEN];
} tea_ledger_node;

typedef struct tea_ledger_verdict {
  uint8_t subject[TEA_LEDGER_KEY_LEN]; /* the attestor is the transaction's signer */
  uint8_t nonce[TEA_LEDGER_NONCE_MAX];
  size_t nonce_len;
  bool pass;
  char reason[TEA_LEDGER_TEXT_MAX];
  uint8_t evidence_hash[TEA_SHA256_LEN];
  uint64_t fresh_height; /* the block the nonce was fresh against */
  tea_cid fresh_cid;
} tea_ledger_verdict;

typedef struct tea_ledger_wave {
  uint32_t tier;
  uint64_t start;
} tea_ledger_wave;

typedef struct tea_ledger_upgrade {
  char actor[TEA_LEDGER_NAME_MAX];
  tea_cid cid;
  uint32_t nwaves;
  tea_ledger_wave waves[TEA_LEDGER_MAX_WAVES]; /* sorted by tier, distinct tiers */
  uint32_t passes;                            /* passing attestations to become active again */
  /* state only */
  tea_cid old_cid;
  uint32_t triggered; /* bit i: waves[i] has started */
} tea_ledger_upgrade;

typedef enum tea_tx_kind {
  TEA_TX_COMMITTEE = 1,  /* committee.set: replace keys and threshold (from the next block) */
  TEA_TX_RUNTIME_APPROVE, /* runtime.approve */
  TEA_TX_RUNTIME_RETIRE,  /* runtime.retire */
  TEA_TX_ACTOR_REGISTER,  /* actor.register */
  TEA_TX_ACTOR_UPDATE,    /* actor.update */
  TEA_TX_ACTOR_RETIRE,    /* actor.retire */
  TEA_TX_PROVIDER,        /* provider.register */
  TEA_TX_NODE_REGISTER,   /* node.register (signed by the node key itself) */
  TEA_TX_VERDICT,         /* verdict (signed by the attestor, a registered node) */
  TEA_TX_QUARANTINE,      /* node.quarantine */
  TEA_TX_REINSTATE,       /* node.reinstate */
  TEA_TX_UPGRADE,         /* upgrade */
} tea_tx_kind;
const char *tea_tx_kind_name(tea_tx_kind k);
/* 0 if unknown. */
tea_tx_kind tea_tx_kind_parse(const char *name);

typedef struct tea_ledger_tx {
  tea_tx_kind kind;
  uint8_t chain[TEA_SHA256_LEN];
  uint8_t from[TEA_LEDGER_KEY_LEN]; /* proposer */
  uint64_t nonce;                   /* makes otherwise equal transactions distinct */
  uint8_t sig[TEA_LEDGER_SIG_LEN];
  union {
    tea_ledger_committee committee;
    tea_ledger_runtime runtime; /* approve: hash, version, platform; retire: hash, retire_height */
    tea_ledger_actor actor;     /* register/update: all; retire: name */
    tea_ledger_provider provider;
    tea_ledger_node_reg node;
    tea_ledger_verdict verdict;
    struct {
      uint8_t node[TEA_LEDGER_KEY_LEN];
      char reason[TEA_LEDGER_TEXT_MAX];
    } quarantine; /* also reinstate */
    tea_ledger_upgrade upgrade;
  } u;
} tea_ledger_tx;

/* Canonical encoding (with the signature) and decoding (strict: every field present,
 * no unknown fields, limits checked; the signature is not checked here). */
tea_code tea_ledger_tx_encode(const tea_ledger_tx *tx, uint8_t **out, size_t *n, tea_error *err);
tea_code tea_ledger_tx_decode(const uint8_t *buf, size_t n, tea_ledger_tx *tx, tea_error *err);
/* Sets tx->from and tx->sig. */
tea_code tea_ledger_tx_sign(tea_ledger_tx *tx, const tea_ledger_keypair *kp, tea_error *err);
tea_code tea_ledger_tx_verify_sig(const tea_ledger_tx *tx, tea_error *err);
/* SHA-256 of the domain-separated unsigned encoding: what is signed, and the
 * transaction's identity (a transaction is accepted at most once per chain). */
tea_code tea_ledger_tx_id(const tea_ledger_tx *tx, uint8_t id[TEA_SHA256_LEN], tea_error *err);

/* ---- blocks ---- */

typedef struct tea_ledger_sig {
  uint8_t key[TEA_LEDGER_KEY_LEN];
  uint8_t sig[TEA_LEDGER_SIG_LEN];
} tea_ledger_sig;

typedef struct tea_ledger_slice {
  const uint8_t *p;
  size_t n;
} tea_ledger_slice;

typedef struct tea_ledger_block {
  uint8_t chain[TEA_SHA256_LEN];
  uint64_t height;
  tea_cid prev; /* the previous block's dag-cbor CID; unused at height 0 */
  uint64_t time; /* seconds since the epoch, as the proposer saw it */
  /* Transactions as encoded (each a canonical signed tx map). When decoded they point
   * into `bytes`; when built, the caller owns them until encoding. */
  size_t ntx;
  tea_ledger_slice *txs; /* malloc'd array (freed by tea_ledger_block_free) */
  /* Genesis only (height 0). */
  tea_ledger_committee committee;
  tea_ledger_params params;
  size_t nsigs;
  tea_ledger_sig sigs[TEA_LEDGER_MAX_COMMITTEE]; /* sorted by key, distinct */
  uint8_t *bytes; /* decoded: a private copy of the input (owned) */
  size_t len;
} tea_ledger_block;

void tea_ledger_block_free(tea_ledger_block *b);
/* with_sigs false: the unsigned encoding (no "sigs" key). */
tea_code tea_ledger_block_encode(const tea_ledger_block *b, bool with_sigs, uint8_t **out, size_t *n,
                                 tea_error *err);
/* Strict decoding of a canonical block (a copy of buf is kept in b->bytes). Checks
 * structure only: not the signatures, the link or the transactions' contents. */
tea_code tea_ledger_block_decode(const uint8_t *buf, size_t n, tea_ledger_block *b, tea_error *err);
/* SHA-256(TEA_LEDGER_BLOCK_DOMAIN ‖ NUL ‖ unsigned encoding). */
tea_code tea_ledger_block_signing_hash(const tea_ledger_block *b, uint8_t h[TEA_SHA256_LEN], tea_error *err);
/* Adds (or replaces) kp's signature, keeping sigs sorted. */
tea_code tea_ledger_block_sign(tea_ledger_block *b, const tea_ledger_keypair *kp, tea_error *err);
/* Checks that at least threshold signatures are present, every one valid, each from a
 * distinct member of c. */
tea_code tea_ledger_block_verify_sigs(const tea_ledger_block *b, const tea_ledger_committee *c,
                                      tea_error *err);
/* dag-cbor CID of the full (signed) encoding. */
tea_code tea_ledger_block_cid(const tea_ledger_block *b, tea_cid *cid, tea_error *err);

/* ---- storage backends ---- */

/* A store holds the encoded signed blocks, heights 0..count-1. It is not trusted:
 * every block read back is verified again. append must be a compare-and-swap on the
 * head: it fails with TEA_ERR_STATE unless height == the current count. */
typedef struct tea_ledger_store tea_ledger_store;
typedef struct tea_ledger_store_ops {
  const char *name;
  tea_code (*count)(tea_ledger_store *s, uint64_t *n, tea_error *err);
  /* *buf is malloc'd. */
  tea_code (*get)(tea_ledger_store *s, uint64_t height, uint8_t **buf, size_t *n, tea_error *err);
  /* Durable when it returns TEA_OK. */
  tea_code (*append)(tea_ledger_store *s, uint64_t height, const uint8_t *buf, size_t n, tea_error *err);
  void (*close)(tea_ledger_store *s);
} tea_ledger_store_ops;
struct tea_ledger_store {
  const tea_ledger_store_ops *ops;
};

/* The default: one append-only file. Each record is
 *   u32le length ‖ u32le CRC32C(length ‖ payload) ‖ payload
 * and is fsync'd before append returns. Opening takes an exclusive lock, scans every
 * record, and truncates a torn tail (an incomplete or failing last record); a bad record
 * followed by more data is corruption and fails the open (TEA_ERR_MALFORMED). */
tea_code tea_ledger_store_file_open(tea_ledger_store **out, const char *path, tea_error *err);
/* etcd v3 (JSON gateway over libcurl): endpoints is a comma-separated list of
 * http://host:port member URLs (the next is tried when one does not answer); keys live
 * under prefix. append is an etcd transaction comparing the head key, so concurrent
 * appenders of one height cannot both succeed (TEA_ERR_STATE for the loser). Not
 * thread-safe on first use (curl_global_init). */
tea_code tea_ledger_store_etcd_open(tea_ledger_store **out, const char *endpoints, const char *prefix,
                                    tea_error *err);

/* Where an etcd ledger lives, as people write it (node.ini, --ledger, $TEA_LEDGER_ETCD):
 *   etcd://HOST:PORT[,HOST:PORT...][/PREFIX]   members and key prefix in one (a missing
 *                                              final "/" is added; none: default_prefix)
 *   http://HOST:PORT[,http://HOST:PORT...]     member URLs; the prefix is default_prefix
 * default_prefix NULL means "/tea/ledger/". At most TEA_LEDGER_ETCD_MAX_MEMBERS. */
#define TEA_LEDGER_ETCD_MAX_MEMBERS 8
#define TEA_LEDGER_ETCD_PREFIX_MAX 128
typedef struct tea_ledger_etcd_spec {
  char endpoints[TEA_LEDGER_ETCD_MAX_MEMBERS * 264]; /* "http://h:p,...", for the calls here */
  char prefix[TEA_LEDGER_ETCD_PREFIX_MAX];
  size_t nmembers;
} tea_ledger_etcd_spec;
tea_code tea_ledger_etcd_parse(const char *text, const char *default_prefix, tea_ledger_etcd_spec *out,
                               tea_error *err);

/* Watching an etcd ledger's head key (etcd's streaming watch), so a reader learns of
 * new blocks when they are appended instead of by polling. run() blocks until stop():
 * it calls changed() once the watch is in place (after every connection: blocks
 * appended while it was not watching are caught up then) and on every change of the
 * head; when the stream breaks or no member answers it calls lost() and connects
 * again (the next member first) after a backoff that doubles from 100 ms to 5 s. The
 * callbacks run on run()'s thread; stop() may be called from any thread and makes
 * run() return promptly. */
typedef struct tea_ledger_watch tea_ledger_watch;
typedef struct tea_ledger_watch_cb {
  void (*changed)(void *ctx);
  void (*lost)(void *ctx, const tea_error *why, unsigned retry_ms);
  void *ctx;
} tea_ledger_watch_cb;
tea_code tea_ledger_watch_open(tea_ledger_watch **out, const char *endpoints, const char *prefix,
                               tea_error *err);
void tea_ledger_watch_run(tea_ledger_watch *w, const tea_ledger_watch_cb *cb);
void tea_ledger_watch_stop(tea_ledger_watch *w);
void tea_ledger_watch_close(tea_ledger_watch *w);
/* Volatile, for tests and fuzzing. */
tea_code tea_ledger_store_mem_open(tea_ledger_store **out, tea_error *err);
void tea_ledger_store_close(tea_ledger_store *s);
uint32_t tea_crc32c(uint32_t crc, const void *data, size_t n);

/* ---- the ledger: verified chain + registry state ---- */

typedef struct tea_ledger tea_ledger;

/* Takes ownership of store (closed by tea_ledger_close, also on failure). Reads and
 * verifies every stored block from genesis. An empty store gives a ledger with no
 * blocks (height reports TEA_ERR_NOT_FOUND until a genesis is appended). */
tea_code tea_ledger_open(tea_ledger **out, tea_ledger_store *store, tea_error *err);
void tea_ledger_close(tea_ledger *l);
/* Number of blocks (0 before genesis). */
uint64_t tea_ledger_count(const tea_ledger *l);
const uint8_t *tea_ledger_chain_id(const tea_ledger *l); /* NULL before genesis */
tea_code tea_ledger_block_cid_at(const tea_ledger *l, uint64_t height, tea_cid *cid, tea_error *err);
/* The stored encoding of a block (malloc'd). */
tea_code tea_ledger_block_bytes(tea_ledger *l, uint64_t height, uint8_t **buf, size_t *n, tea_error *err);

/* Verifies a block against the head (chain id, height, previous link, committee
 * signatures, every transaction) without changing anything. */
tea_code tea_ledger_check(tea_ledger *l, const uint8_t *buf, size_t n, tea_error *err);
/* Checks as above, applies, and appends to the store. On any failure the ledger and
 * its state are unchanged and err says why. */
tea_code tea_ledger_append(tea_ledger *l, const uint8_t *buf, size_t n, tea_error *err);
/* Reads the blocks other writers have added to a shared store (etcd) past the open
 * ledger's head, verifying and applying each as opening does; *added says how many
 * (also when a bad block stops it: the blocks before it stay applied). */
tea_code tea_ledger_refresh(tea_ledger *l, uint64_t *added, tea_error *err);
/* Re-reads every block from the store and verifies the whole chain from genesis
 * into a fresh state (as a new node would). */
tea_code tea_ledger_verify_all(tea_ledger *l, tea_error *err);

/* Queries "at height H" see the state after block H was applied. TEA_ERR_NOT_FOUND when
 * the record did not exist then, or H is past the head. */
tea_code tea_ledger_committee_at(const tea_ledger *l, uint64_t h, tea_ledger_committee *c, tea_error *err);
tea_code tea_ledger_params_get(const tea_ledger *l, tea_ledger_params *p, tea_error *err);
tea_code tea_ledger_node_at(const tea_ledger *l, const uint8_t key[TEA_LEDGER_KEY_LEN], uint64_t h,
                            tea_ledger_node *node, tea_error *err);
tea_code tea_ledger_actor_at(const tea_ledger *l, const char *name, uint64_t h, tea_ledger_actor *a,
                             tea_error *err);
tea_code tea_ledger_provider_at(const tea_ledger *l, const char *name, uint64_t h, tea_ledger_provider *p,
                                tea_error *err);
tea_code tea_ledger_runtime_at(const tea_ledger *l, const uint8_t hash[TEA_SHA256_LEN], uint64_t h,
                               tea_ledger_runtime *r, tea_error *err);
tea_code tea_ledger_upgrade_at(const tea_ledger *l, const char *actor, uint64_t h, tea_ledger_upgrade *u,
                               tea_error *err);
/* Was this runtime build approved and not yet retired at h? */
bool tea_ledger_runtime_valid(const tea_ledger *l, const uint8_t hash[TEA_SHA256_LEN], uint64_t h);
/* The CID a node of `tier` must run for actor `name` at h (an upgrade's new CID once
 * the tier's wave has started, else the previous one). */
tea_code tea_ledger_actor_cid_for(const tea_ledger *l, const char *name, uint32_t tier, uint64_t h,
                                  tea_cid *cid, tea_error *err);

/* Iterates the records of one kind at h (order unspecified). fn returns false to stop. */
typedef bool (*tea_ledger_node_fn)(void *ctx, const tea_ledger_node *n);
typedef bool (*tea_ledger_actor_fn)(void *ctx, const tea_ledger_actor *a);
typedef bool (*tea_ledger_runtime_fn)(void *ctx, const tea_ledger_runtime *r);
typedef bool (*tea_ledger_provider_fn)(void *ctx, const tea_ledger_provider *p);
void tea_ledger_each_node(const tea_ledger *l, uint64_t h, tea_ledger_node_fn fn, void *ctx);
void tea_ledger_each_actor(const tea_ledger *l, uint64_t h, tea_ledger_actor_fn fn, void *ctx);
void tea_ledger_each_runtime(const tea_ledger *l, uint64_t h, tea_ledger_runtime_fn fn, void *ctx);
void tea_ledger_each_provider(const tea_ledger *l, uint64_t h, tea_ledger_provider_fn fn, void *ctx);

/* ---- governance ---- */

/* A genesis candidate (unsigned). chain: 32 bytes (NULL: random). params NULL: defaults
 * (quarantine_attestors 2, fresh_window 16, recover_passes 2). */
tea_code tea_ledger_genesis(tea_ledger_block *b, const uint8_t *chain, const tea_ledger_committee *c,
                            const tea_ledger_params *params, uint64_t time, tea_error *err);
/* A candidate block at the head + 1 carrying the given encoded transactions, each
 * checked against the current state. The slices are copied; free b with
 * tea_ledger_block_free. */
tea_code tea_ledger_propose(tea_ledger *l, const tea_ledger_slice *txs, size_t ntx, uint64_t time,
                            tea_ledger_block *b, tea_error *err);
/* Adds kp's signature to a proposal after checking the proposal (all but the signature
 * count), the signatures already on it, and kp's membership. If the proposal then holds
 * enough signatures it is appended and *appended is set. Before genesis, b must be the
 * genesis candidate and kp a member of the committee it names. */
tea_code tea_ledger_approve(tea_ledger *l, tea_ledger_block *b, const tea_ledger_keypair *kp, bool *appended,
                            tea_error *err);

/* Gathers a proposal's signatures from outside (a node collecting approvals): checks b
 * as tea_ledger_approve does, then adds every signature of `more` (the same block, by
 * its signing hash, as another member signed it), each checked (valid, from a member).
 * With enough signatures b is appended and *appended set. b may start with none. */
tea_code tea_ledger_gather(tea_ledger *l, tea_ledger_block *b, const tea_ledger_block *more, bool *appended,
                           tea_error *err);

/* ---- JSON views for people (jansson); malloc'd NUL-terminated strings ---- */
tea_code tea_ledger_block_json(const tea_ledger_block *b, char **out, tea_error *err);
tea_code tea_ledger_state_json(const tea_ledger *l, uint64_t h, char **out, tea_error *err);

#endif
