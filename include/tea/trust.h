/* tea: the trust layer. TPM backends behind one interface, the measured-boot event
 * log, quotes (TPMS_ATTEST) and their verification, remote attestation with signed
 * verdicts, proof-of-trust receipts, and sealed (confidential) inputs.
 *
 * The verifier side never talks to the ledger directly: it asks a tea_policy, a table
 * of callbacks the node layer wires to the real ledger (tests and `teanode verify
 * --policy` use an in-memory table). docs/trust.md explains the whole chain. */
#ifndef TEA_TRUST_H
#define TEA_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/error.h"
#include "tea/hash.h"

#define TEA_PCR_COUNT 24
/* The node's PCR. PCRs 0-15 are taken by firmware, boot loader, IMA and systemd on
 * a modern Linux host, 16 is the debug PCR and 17-22 need a higher locality, so the
 * node measures into 23, the PC Client spec's "application support" PCR. */
#define TEA_PCR_NODE 23

#define TEA_ED25519_PK_LEN 32
#define TEA_ED25519_SK_LEN 64
#define TEA_ED25519_SIG_LEN 64
#define TEA_X25519_LEN 32
#define TEA_NONCE_LEN 32
/* Largest TPMS_ATTEST we accept; a quote over one bank is ~150 bytes. */
#define TEA_ATTEST_MAX 1024

/* ---------------------------------------------------------------- keys ---- */

typedef enum tea_ak_alg {
  TEA_AK_ED25519 = 1, /* the soft TPM: 32-byte public key */
  TEA_AK_P256 = 2     /* a TPM's restricted ECDSA P-256 key: 65 bytes, 0x04 || X || Y */
} tea_ak_alg;

/* The attestation key's public part. */
typedef struct tea_ak {
  tea_ak_alg alg;
  bool software; /* true when the key lives in the node's process, not a TPM */
  size_t len;
  uint8_t pub[65];
} tea_ak;

bool tea_ak_equal(const tea_ak *a, const tea_ak *b);

/* The node's own keys: Ed25519 (identity, signs receipts and verdicts) and X25519
 * (confidential inputs). */
typedef struct tea_node_keys {
  uint8_t ed_pk[TEA_ED25519_PK_LEN];
  uint8_t ed_sk[TEA_ED25519_SK_LEN];
  uint8_t x_pk[TEA_X25519_LEN];
  uint8_t x_sk[TEA_X25519_LEN];
} tea_node_keys;

/* Fresh random keys. */
tea_code tea_node_keys_generate(tea_node_keys *k, tea_error *err);
/* Loads DIR/node.key, creating it (mode 0600, atomically) when absent. */
tea_code tea_node_keys_load_or_create(const char *dir, tea_node_keys *k, tea_error *err);
/* Zeroes the secret halves. */
void tea_node_keys_wipe(tea_node_keys *k);

/* ---------------------------------------------------------------- quotes -- */

/* A quote as a TPM returns it: the marshalled TPMS_ATTEST (what was signed) and the
 * signature. P-256 signatures are kept as r || s, 32 bytes each. */
typedef struct tea_quote {
  tea_ak_alg alg;
  size_t attest_len;
  uint8_t attest[TEA_ATTEST_MAX];
  size_t sig_len;
  uint8_t sig[64];
} tea_quote;

/* The fields of a TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE that the verifier uses. */
typedef struct tea_attest_info {
  uint32_t magic;
  uint16_t type;
  size_t signer_len;
  uint8_t signer[68]; /* TPM2B_NAME */
  size_t extra_len;
  uint8_t extra[64]; /* qualifying data */
  uint64_t clock;
  uint32_t reset_count, restart_count;
  bool safe;
  uint64_t firmware;
  uint32_t pcr_mask; /* SHA-256 bank selection, bit i = PCR i */
  size_t pcr_digest_len;
  uint8_t pcr_digest[64];
} tea_attest_info;

/* Parses the TPMS_ATTEST of a quote (big-endian TPM wire format). Only quotes over
 * exactly one SHA-256 bank are accepted: anything else is TEA_ERR_MALFORMED or
 * TEA_ERR_UNSUPPORTED, never a crash (this is a fuzz target). */
tea_code tea_attest_parse(const uint8_t *buf, size_t len, tea_attest_info *out, tea_error *err);

/* Marshals a quote's TPMS_ATTEST the way a TPM does (the soft TPM uses it; tests
 * use it to build forged quotes). *out_len gets the length (at most cap). */
tea_code tea_attest_build(const tea_attest_info *info, uint8_t *out, size_t cap, size_t *out_len,
                          tea_error *err);

/* SHA-256 over the selected PCR values in ascending order: a quote's pcrDigest. */
tea_code tea_pcr_digest(uint32_t mask, const uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN],
                        uint8_t out[TEA_SHA256_LEN], tea_error *err);

/* Checks the quote's signature with ak. TEA_ERR_CRYPTO when it does not verify. */
tea_code tea_quote_check_signature(const tea_quote *q, const tea_ak *ak, tea_error *err);

/* The whole check: signature by ak, a quote structure, qualifying data equal to
 * qual, the clock's safe flag set, and a PCR digest equal to the digest of pcrs
 * under the quote's selection. *info (optional) gets the parsed structure. */
tea_code tea_quote_verify(const tea_quote *q, const tea_ak *ak, const uint8_t *qual, size_t qual_len,
                          const uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN], tea_attest_info *info,
                          tea_error *err);

/* ---------------------------------------------------------------- TPM ----- */

typedef struct tea_tpm tea_tpm;

typedef struct tea_tpm_ops {
  const char *name; /* "soft", "tss2" */
  tea_code (*extend)(tea_tpm *t, unsigned pcr, const uint8_t digest[TEA_SHA256_LEN], tea_error *err);
  /* Reads the PCRs in mask into pcrs[i] (others are left untouched). */
  tea_code (*read)(tea_tpm *t, uint32_t mask, uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN],
                   tea_error *err);
  tea_code (*quote)(tea_tpm *t, uint32_t mask, const uint8_t *qual, size_t qual_len, tea_quote *out,
                    tea_error *err);
  tea_code (*ak_public)(tea_tpm *t, tea_ak *out, tea_error *err);
  /* Optional (NULL: unsupported). Signs a 32-byte digest with a key the TPM lets be
   * used only while the PCRs in mask hash to pcr_digest (TEA_ERR_STATE otherwise).
   * *key gets that key's public part: the same key for the same mask and pcr_digest.
   * sig is Ed25519 (soft) or ECDSA r || s (tss2); check it with tea_bound_verify. */
  tea_code (*sign_bound)(tea_tpm *t, uint32_t mask, const uint8_t pcr_digest[TEA_SHA256_LEN],
                         const uint8_t digest[TEA_SHA256_LEN], uint8_t sig[64], tea_ak *key,
                         tea_error *err);
  void (*close)(tea_tpm *t);
} tea_tpm_ops;

/* Backends embed this as their first member. */
struct tea_tpm {
  const tea_tpm_ops *ops;
};

/* The software TPM: a SHA-256 bank of 24 zeroed PCRs (reset with the process, like a
 * reboot) and an Ed25519 AK kept in STATE_DIR/tpm-soft-ak.key (0600). */
tea_code tea_tpm_open_soft(const char *state_dir, tea_tpm **out, tea_error *err);
/* A real TPM through ESAPI and the TCTI loader: "swtpm:host=127.0.0.1,port=P" or
 * "device:/dev/tpmrm0" (NULL: the loader's default). The AK is a restricted ECDSA
 * P-256 primary key in the endorsement hierarchy, re-derived on every open (same
 * template, same seed: the same key after a reboot). */
tea_code tea_tpm_open_tss2(const char *tcti, tea_tpm **out, tea_error *err);
/* tss2 only: resets an application PCR (16 or 23) before a fresh measured boot. */
tea_code tea_tpm_tss2_reset_pcr(tea_tpm *t, unsigned pcr, tea_error *err);

tea_code tea_tpm_extend(tea_tpm *t, unsigned pcr, const uint8_t digest[TEA_SHA256_LEN], tea_error *err);
tea_code tea_tpm_read(tea_tpm *t, uint32_t mask, uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN],
                      tea_error *err);
tea_code tea_tpm_quote(tea_tpm *t, uint32_t mask, const uint8_t *qual, size_t qual_len, tea_quote *out,
                       tea_error *err);
tea_code tea_tpm_ak_public(tea_tpm *t, tea_ak *out, tea_error *err);
tea_code tea_tpm_sign_bound(tea_tpm *t, uint32_t mask, const uint8_t pcr_digest[TEA_SHA256_LEN],
                            const uint8_t digest[TEA_SHA256_LEN], uint8_t sig[64], tea_ak *key,
                            tea_error *err);
/* Checks a PCR-bound key's signature over a 32-byte digest (TEA_ERR_CRYPTO if bad). */
tea_code tea_bound_verify(const tea_ak *key, const uint8_t digest[TEA_SHA256_LEN], const uint8_t sig[64],
                          tea_error *err);
const char *tea_tpm_name(const tea_tpm *t);
void tea_tpm_close(tea_tpm *t); /* NULL is fine */

/* ---------------------------------------------------------------- event log */

typedef enum tea_event_type {
  TEA_EV_RUNTIME = 1,  /* the node's executable; description: runtime version */
  TEA_EV_CONFIG = 2,   /* the node's configuration file */
  TEA_EV_GENESIS = 3,  /* the ledger's genesis block hash */
  TEA_EV_ACTOR = 4,    /* an actor module; description: "NAME CID" */
  TEA_EV_PROVIDER = 5  /* a native provider; description: its name */
} tea_event_type;

#define TEA_EVENT_DESC_MAX 256

typedef struct tea_event {
  uint8_t pcr;
  uint8_t type; /* tea_event_type */
  uint8_t digest[TEA_SHA256_LEN];
  char desc[TEA_EVENT_DESC_MAX + 1];
} tea_event;

/* Append-only. */
typedef struct tea_eventlog {
  tea_event *ev;
  size_t n, cap;
} tea_eventlog;

#define TEA_EVENTLOG_MAX 4096

void tea_eventlog_init(tea_eventlog *log);
void tea_eventlog_free(tea_eventlog *log);
tea_code tea_eventlog_append(tea_eventlog *log, unsigned pcr, tea_event_type type,
                             const uint8_t digest[TEA_SHA256_LEN], const char *desc, tea_error *err);
/* What is extended into the PCR for an event: SHA-256 over a domain tag, the PCR,
 * the type, the digest and the description, so that no field of a logged event can
 * be changed without the replay failing. */
tea_code tea_event_extend_value(const tea_event *ev, uint8_t out[TEA_SHA256_LEN], tea_error *err);
/* Replays the log from zeroed PCRs; *mask gets the PCRs it touched. */
tea_code tea_eventlog_replay(const tea_eventlog *log, uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN],
                             uint32_t *mask, tea_error *err);
/* Measures: appends the event and extends its PCR in the TPM. */
tea_code tea_measure(tea_tpm *t, tea_eventlog *log, unsigned pcr, tea_event_type type,
                     const uint8_t digest[TEA_SHA256_LEN], const char *desc, tea_error *err);
/* Measures a file's SHA-256 (the executable, the config). */
tea_code tea_measure_file(tea_tpm *t, tea_eventlog *log, tea_event_type type, const char *path,
                          const char *desc, tea_error *err);
/* SHA-256 of the running executable (/proc/self/exe): the runtime hash receipts
 * carry and the runtime event measures. */
tea_code tea_runtime_hash(uint8_t out[TEA_SHA256_LEN], tea_error *err);
/* What the node measures at start, in this order: its executable (runtime event,
 * description = version), its configuration file (when config_path is not NULL) and
 * the ledger's genesis block hash (when genesis is not NULL). */
tea_code tea_measure_boot(tea_tpm *t, tea_eventlog *log, const char *version, const char *config_path,
                          const uint8_t genesis[TEA_SHA256_LEN], tea_error *err);
/* Deterministic CBOR: an array of [pcr, type, digest, desc]. */
tea_code tea_eventlog_encode(const tea_eventlog *log, uint8_t **out, size_t *out_len, tea_error *err);
tea_code tea_eventlog_decode(const uint8_t *buf, size_t len, tea_eventlog *log, tea_error *err);
const char *tea_event_type_name(unsigned type);

/* ---------------------------------------------------------------- policy -- */

typedef enum tea_approval {
  TEA_UNKNOWN = 0, /* never approved (or not yet at that height) */
  TEA_APPROVED = 1,
  TEA_RETIRED = 2 /* was approved, retired at or before that height */
} tea_approval;

typedef enum tea_peer_status {
  TEA_PEER_UNREGISTERED = 0,
  TEA_PEER_PENDING,
  TEA_PEER_ACTIVE,
  TEA_PEER_SUSPICIOUS,
  TEA_PEER_QUARANTINED
} tea_peer_status;

const char *tea_peer_status_name(tea_peer_status s);
const char *tea_approval_name(tea_approval a);

/* What a verifier asks the ledger. Each callback returns TEA_OK with its answer,
 * or an error when the ledger cannot answer (not when the answer is "no"). */
typedef struct tea_policy {
  void *ctx;
  /* The ledger's head: the current height. */
  tea_code (*head)(void *ctx, uint64_t *height, tea_error *err);
  /* TEA_ERR_NOT_FOUND when no block has that height. */
  tea_code (*block_hash)(void *ctx, uint64_t height, uint8_t out[TEA_SHA256_LEN], tea_error *err);
  /* TEA_ERR_NOT_FOUND when the node is not registered. */
  tea_code (*registered_ak)(void *ctx, const uint8_t node[TEA_ED25519_PK_LEN], tea_ak *ak,
                            tea_error *err);
  tea_code (*node_status)(void *ctx, const uint8_t node[TEA_ED25519_PK_LEN], uint64_t height,
                          tea_peer_status *st, tea_error *err);
  tea_code (*runtime)(void *ctx, const uint8_t hash[TEA_SHA256_LEN], uint64_t height,
                      tea_approval *a, tea_error *err);
  tea_code (*actor)(void *ctx, const char *name, const char *cid, uint64_t height, tea_approval *a,
                    tea_error *err);
  tea_code (*provider)(void *ctx, const uint8_t hash[TEA_SHA256_LEN], uint64_t height,
                       tea_approval *a, tea_error *err);
  /* Whether a node whose AK is software may pass attestation at height. */
  tea_code (*software_tpm_allowed)(void *ctx, uint64_t height, bool *ok, tea_error *err);
} tea_policy;

/* An in-memory policy table (tests; `teanode verify --policy FILE`). */
typedef struct tea_policy_table tea_policy_table;
tea_code tea_policy_table_new(tea_policy_table **out, tea_error *err);
void tea_policy_table_free(tea_policy_table *t);
/* A tea_policy reading t (valid while t lives). */
tea_policy tea_policy_table_policy(tea_policy_table *t);
void tea_policy_table_set_head(tea_policy_table *t, uint64_t height);
void tea_policy_table_allow_software(tea_policy_table *t, bool ok);
tea_code tea_policy_table_add_block(tea_policy_table *t, uint64_t height,
                                    const uint8_t hash[TEA_SHA256_LEN], tea_error *err);
/* A node registered from height `registered`; quarantined from `quarantined`
 * (UINT64_MAX: never). */
tea_code tea_policy_table_add_node(tea_policy_table *t, const uint8_t node[TEA_ED25519_PK_LEN],
                                   const tea_ak *ak, uint64_t registered, uint64_t quarantined,
                                   tea_error *err);
/* Approved from `approved`, retired from `retired` (UINT64_MAX: never). */
tea_code tea_policy_table_add_runtime(tea_policy_table *t, const uint8_t hash[TEA_SHA256_LEN],
                                      uint64_t approved, uint64_t retired, tea_error *err);
tea_code tea_policy_table_add_actor(tea_policy_table *t, const char *name, const char *cid,
                                    uint64_t approved, uint64_t retired, tea_error *err);
tea_code tea_policy_table_add_provider(tea_policy_table *t, const uint8_t hash[TEA_SHA256_LEN],
                                       uint64_t approved, uint64_t retired, tea_error *err);
/* Loads a JSON policy file (format in docs/trust.md) into a new table. */
tea_code tea_policy_table_load_json(const char *path, tea_policy_table **out, tea_error *err);

/* ---------------------------------------------------------------- attestation */

/* What a node sends back: the quote, the PCR values it quoted, the event log and the
 * ledger block it bound into the qualifying data. */
typedef struct tea_evidence {
  uint8_t node[TEA_ED25519_PK_LEN];
  uint8_t x25519[TEA_X25519_LEN]; /* registration evidence only (else zeros) */
  bool registration;
  tea_ak ak;
  tea_quote quote;
  uint32_t pcr_mask;
  uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN];
  uint64_t height;
  uint8_t block[TEA_SHA256_LEN];
  tea_eventlog log;
} tea_evidence;

void tea_evidence_free(tea_evidence *e);
tea_code tea_evidence_encode(const tea_evidence *e, uint8_t **out, size_t *out_len, tea_error *err);
tea_code tea_evidence_decode(const uint8_t *buf, size_t len, tea_evidence *e, tea_error *err);

/* Qualifying data of an attestation quote: SHA-256 over a domain tag, the nonce, the
 * node key, the height and the block hash. */
tea_code tea_attest_qualifying(const uint8_t nonce[TEA_NONCE_LEN], const uint8_t node[TEA_ED25519_PK_LEN],
                               uint64_t height, const uint8_t block[TEA_SHA256_LEN],
                               uint8_t out[TEA_SHA256_LEN], tea_error *err);
/* Qualifying data of a registration quote: binds the Ed25519 and X25519 keys. */
tea_code tea_register_qualifying(const uint8_t node[TEA_ED25519_PK_LEN],
                                 const uint8_t x25519[TEA_X25519_LEN], uint8_t out[TEA_SHA256_LEN],
                                 tea_error *err);

/* Node side: quotes the PCRs the log touches, bound to nonce and block. */
tea_code tea_attest_respond(tea_tpm *t, const tea_node_keys *keys, const tea_eventlog *log,
                            const uint8_t nonce[TEA_NONCE_LEN], uint64_t height,
                            const uint8_t block[TEA_SHA256_LEN], tea_evidence *out, tea_error *err);
/* Node side: registration evidence (quote bound to both node keys). */
tea_code tea_attest_register(tea_tpm *t, const tea_node_keys *keys, const tea_eventlog *log,
                             tea_evidence *out, tea_error *err);

/* Verifier side. A challenge is a nonce the verifier made, to one node, at a time. */
typedef struct tea_challenge {
  uint8_t nonce[TEA_NONCE_LEN];
  uint8_t node[TEA_ED25519_PK_LEN];
  uint64_t issued; /* unix seconds */
} tea_challenge;

tea_code tea_challenge_new(const uint8_t node[TEA_ED25519_PK_LEN], uint64_t now, tea_challenge *c,
                           tea_error *err);

/* The check that failed. Names are stable (verdicts carry them). */
typedef enum tea_attest_check {
  TEA_AC_NONE = 0,  /* passed */
  TEA_AC_EVIDENCE,  /* evidence does not decode, or names another node */
  TEA_AC_AK,        /* attestation key not the one registered for the node */
  TEA_AC_SOFTWARE,  /* software TPM refused by policy */
  TEA_AC_SIGNATURE, /* quote signature */
  TEA_AC_QUOTE,     /* not a TPM-generated quote structure */
  TEA_AC_NONCE,     /* qualifying data does not bind this challenge */
  TEA_AC_FRESHNESS, /* challenge expired, or the bound block is not the ledger's / too old */
  TEA_AC_CLOCK,     /* TPM clock not safe */
  TEA_AC_PCR,       /* reported PCR values differ from what the TPM quoted */
  TEA_AC_EVENTLOG,  /* event log does not replay to the quoted PCRs */
  TEA_AC_STATUS,    /* node quarantined */
  TEA_AC_RUNTIME,   /* runtime hash not approved or retired */
  TEA_AC_ACTOR,     /* actor not approved */
  TEA_AC_PROVIDER,  /* provider not approved */
  TEA_AC_GENESIS,   /* measured genesis differs from the ledger's */
  TEA_AC_LEDGER     /* the policy could not answer */
} tea_attest_check;

const char *tea_attest_check_name(tea_attest_check c);

typedef struct tea_attest_options {
  uint64_t now;           /* unix seconds */
  uint64_t max_age;       /* a challenge older than this is stale (seconds) */
  uint64_t max_lag;       /* the bound block may be at most this many blocks behind head */
} tea_attest_options;

typedef struct tea_attest_result {
  tea_attest_check failed; /* TEA_AC_NONE when everything passed */
  uint64_t height;         /* the ledger height the evidence was judged at */
  char reason[256];
} tea_attest_result;

/* Runs every check in order and stops at the first failure. Returns TEA_OK whenever
 * a judgement was made (pass or fail: see res->failed); an error only for bad
 * arguments. */
tea_code tea_attest_verify(const tea_policy *p, const tea_challenge *c, const uint8_t *evidence,
                           size_t evidence_len, const tea_attest_options *opt, tea_attest_result *res,
                           tea_error *err);
/* Registration evidence: AK-signed quote binding both node keys, log approved by p. */
tea_code tea_attest_verify_registration(const tea_policy *p, const uint8_t *evidence, size_t len,
                                        tea_attest_result *res, tea_error *err);

/* A signed verdict. */
typedef struct tea_verdict {
  uint8_t attestor[TEA_ED25519_PK_LEN];
  uint8_t node[TEA_ED25519_PK_LEN];
  uint8_t nonce[TEA_NONCE_LEN];
  uint64_t height;
  uint8_t block[TEA_SHA256_LEN];
  uint64_t time;
  bool pass;
  char check[32];   /* "" on pass */
  char reason[256]; /* "" on pass */
  uint8_t sig[TEA_ED25519_SIG_LEN];
} tea_verdict;

/* Fills v from a result and signs it with the attestor's key. */
tea_code tea_verdict_make(const tea_node_keys *attestor, const tea_challenge *c,
                          const tea_attest_result *res, const uint8_t block[TEA_SHA256_LEN],
                          uint64_t time, tea_verdict *v, tea_error *err);
tea_code tea_verdict_encode(const tea_verdict *v, uint8_t **out, size_t *out_len, tea_error *err);
/* Decodes and checks the signature (TEA_ERR_CRYPTO if it does not verify). */
tea_code tea_verdict_decode(const uint8_t *buf, size_t len, tea_verdict *v, tea_error *err);

/* ---------------------------------------------------------------- receipts */

#define TEA_RECEIPT_MAX_PROVIDERS 64
/* Receipts signed together share one signature over a Merkle tree of their
 * hashes (tea_receipt_sign_batch): at most 2^16 in a batch. */
#define TEA_RECEIPT_MAX_PATH 16
#define TEA_RECEIPT_TEXT_MAX 256

typedef struct tea_receipt {
  uint8_t node[TEA_ED25519_PK_LEN];
  uint8_t runtime[TEA_SHA256_LEN];
  char runtime_version[64];
  char actor[TEA_RECEIPT_TEXT_MAX];
  char op[TEA_RECEIPT_TEXT_MAX]; /* the operation called */
  char cid[TEA_RECEIPT_TEXT_MAX];
  char issuer[TEA_RECEIPT_TEXT_MAX];
  uint64_t revision;
  size_t nproviders;
  uint8_t providers[TEA_RECEIPT_MAX_PROVIDERS][TEA_SHA256_LEN];
  uint64_t height;
  uint8_t block[TEA_SHA256_LEN];
  char request[TEA_RECEIPT_TEXT_MAX];
  size_t nonce_len;
  uint8_t nonce[64]; /* the client's */
  uint8_t input[TEA_SHA256_LEN];
  uint8_t output[TEA_SHA256_LEN];
  uint8_t transcript[TEA_SHA256_LEN];
  uint64_t fuel;
  int64_t status; /* 0: success; otherwise the actor's error */
  uint64_t time;  /* unix milliseconds */
  uint64_t seq;
  uint8_t prev[TEA_SHA256_LEN]; /* hash of the previous receipt (zeros for the first) */
  bool has_quote;
  tea_evidence quote; /* evidence whose qualifying data is the receipt hash */
  /* From the receipt hash up to the signed root, when the receipt was signed in a
     batch: per level a side byte (0: the sibling is on the left, 1: on the right)
     and the sibling's hash. Empty: the signature is over the receipt hash itself. */
  size_t path_len;
  uint8_t path[TEA_RECEIPT_MAX_PATH][1 + TEA_SHA256_LEN];
  uint8_t sig[TEA_ED25519_SIG_LEN];
} tea_receipt;

void tea_receipt_init(tea_receipt *r);
void tea_receipt_free(tea_receipt *r);
/* The receipt hash: SHA-256 over a domain tag and the CBOR of every field except the
 * attached quote and the signature. This is what the node key signs, what the next
 * receipt's prev holds and what an attached quote's qualifying data is. */
tea_code tea_receipt_hash(const tea_receipt *r, uint8_t out[TEA_SHA256_LEN], tea_error *err);
tea_code tea_receipt_sign(tea_receipt *r, const tea_node_keys *keys, tea_error *err);
/* The receipt hash, keeping the encoding it covers: a node hashes each receipt to
 * chain and sign it and then sends it whole, and the whole encoding is that body
 * with the signature and path put in (tea_receipt_encode_kept) rather than a
 * second encoding. The receipt's body fields must not change in between. */
typedef struct tea_receipt_kept {
  uint8_t *body; /* the body's CBOR (malloc'd) */
  size_t len;
  size_t pairs, at_sig, at_path; /* where its pairs start, where "sig" and "path" go */
} tea_receipt_kept;
tea_code tea_receipt_hash_keep(const tea_receipt *r, uint8_t out[TEA_SHA256_LEN], tea_receipt_kept *kept,
                               tea_error *err);
/* Exactly tea_receipt_encode's bytes; falls back to it when nothing is kept or a
 * quote is attached. */
tea_code tea_receipt_encode_kept(const tea_receipt *r, const tea_receipt_kept *kept, uint8_t **out,
                                 size_t *out_len, tea_error *err);
void tea_receipt_kept_free(tea_receipt_kept *kept);
/* Signs n receipts with one signature: over the root of a Merkle tree whose leaves are
 * their hashes (inner nodes: SHA-256 over a domain tag and the two children; an odd
 * node is carried up unchanged). Each receipt gets the signature and its path. A
 * batch of one is exactly tea_receipt_sign. Sets each receipt's node key. */
tea_code tea_receipt_sign_batch(tea_receipt *const *receipts, size_t n, const tea_node_keys *keys,
                                tea_error *err);
/* The same for a caller that already has each receipt's hash (a node's receipt
 * chain needs them first): hashes[i] must be tea_receipt_hash(receipts[i]),
 * with the receipt's node key already set to keys' (refused otherwise). A
 * wrong hash makes a receipt that does not verify; debug builds check them. */
tea_code tea_receipt_sign_batch_hashed(tea_receipt *const *receipts,
                                       const uint8_t (*hashes)[TEA_SHA256_LEN], size_t n,
                                       const tea_node_keys *keys, tea_error *err);
/* The root the receipt's signature covers: its hash (tea_receipt_hash) folded up its path. */
tea_code tea_receipt_signed_root(const tea_receipt *r, const uint8_t hash[TEA_SHA256_LEN],
                                 uint8_t root[TEA_SHA256_LEN], tea_error *err);
/* Attaches a TPM quote over the node's PCRs with the receipt hash as qualifying data. */
tea_code tea_receipt_attach_quote(tea_receipt *r, tea_tpm *t, const tea_eventlog *log, tea_error *err);
tea_code tea_receipt_encode(const tea_receipt *r, uint8_t **out, size_t *out_len, tea_error *err);
tea_code tea_receipt_decode(const uint8_t *buf, size_t len, tea_receipt *r, tea_error *err);

/* Re-executes the receipt's actor on input: fills the output and transcript hashes,
 * fuel and status of the run. Supplied by the host layer. */
typedef tea_code (*tea_replay_fn)(void *ctx, const tea_receipt *r, const uint8_t *input,
                                  size_t input_len, uint8_t output[TEA_SHA256_LEN],
                                  uint8_t transcript[TEA_SHA256_LEN], uint64_t *fuel,
                                  int64_t *status, tea_error *err);

typedef enum tea_receipt_check {
  TEA_RC_SIGNATURE = 0, /* node key signature */
  TEA_RC_NODE,          /* registered and not quarantined at the receipt's height */
  TEA_RC_BLOCK,         /* block hash is the ledger's at that height */
  TEA_RC_RUNTIME,       /* runtime hash approved then */
  TEA_RC_ACTOR,         /* actor CID approved then */
  TEA_RC_PROVIDERS,     /* every provider approved then */
  TEA_RC_INPUT,         /* input hash (when the input is given) */
  TEA_RC_QUOTE,         /* attached quote (when there is one) */
  TEA_RC_REPLAY,        /* re-execution gives the same output (when asked) */
  TEA_RC_CHAIN,         /* follows the given previous receipt (seq + 1, prev = its hash) */
  TEA_RC_COUNT
} tea_receipt_check;

typedef enum tea_check_result { TEA_CHECK_SKIP = 0, TEA_CHECK_PASS, TEA_CHECK_FAIL } tea_check_result;

typedef struct tea_receipt_report {
  tea_check_result result[TEA_RC_COUNT];
  char detail[TEA_RC_COUNT][192];
  bool pass; /* every check that ran passed, and the signature check ran */
} tea_receipt_report;

typedef struct tea_receipt_verify_opts {
  const uint8_t *input; /* NULL: input check skipped */
  size_t input_len;
  tea_replay_fn replay; /* NULL: replay skipped */
  void *replay_ctx;
  const tea_receipt *prev; /* the node's previous receipt; NULL: chain check skipped */
} tea_receipt_verify_opts;

const char *tea_receipt_check_name(tea_receipt_check c);
const char *tea_check_result_name(tea_check_result r);

/* Runs every check (they do not stop at the first failure) and reports each. */
tea_code tea_receipt_verify(const tea_policy *p, const tea_receipt *r, const tea_receipt_verify_opts *o,
                            tea_receipt_report *rep, tea_error *err);

/* ---------------------------------------------------------------- sealing - */

/* Confidential input: a libsodium sealed box to the node's X25519 key. Only the
 * node can open it; the receipt covers the plaintext's hash. */
#define TEA_SEAL_OVERHEAD 48
tea_code tea_seal(const uint8_t node_x25519[TEA_X25519_LEN], const uint8_t *msg, size_t len,
                  uint8_t **out, size_t *out_len, tea_error *err);
/* Opens a sealed box; *out is malloc'd. TEA_ERR_CRYPTO if it was not sealed to us or
 * was altered. */
tea_code tea_unseal(const tea_node_keys *keys, const uint8_t *box, size_t len, uint8_t **out,
                    size_t *out_len, tea_error *err);

#endif
