/* tea: the actor host. Loads actors (WebAssembly modules with signed claims)
 * after checking them against their registry record, and runs their waPC
 * operations in fresh sandboxed instances with the capabilities granted.
 *
 *   tea_host_new(&cfg, &host)              providers are added with tea_host_add_provider
 *   tea_host_load(host, bytes, n, &record, &actor)
 *       CID check, claims check (signature, alg, module hash, exp/nbf, issuer,
 *       revision), grants = claimed ∩ approved, import check, measure()
 *   tea_host_invoke(host, actor, op, input, n, &result)
 *   tea_host_replay(host, actor, op, input, n, transcript, &expect, &result)
 *   tea_invoke_result_free(&result); tea_host_free(host)
 *
 * Claims are waSCC/wasmCloud JWTs (custom section "jwt"), keys are nkeys; see
 * docs/actors.md. Every check fails closed: anything missing or malformed is
 * a refusal. */
#ifndef TEA_HOST_H
#define TEA_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/cas.h"
#include "tea/error.h"
#include "tea/provider.h"

/* ---- keys (nkeys: base32 of prefix byte, Ed25519 key, CRC-16) ------------- */

#define TEA_NKEY_LEN 56      /* a public key's text form, without NUL */
#define TEA_NKEY_SEED_LEN 58 /* a seed's text form, without NUL */

typedef enum tea_nkey_kind {
  TEA_NKEY_ACCOUNT = 'A', /* issuers: who signs actors */
  TEA_NKEY_MODULE = 'M'   /* subjects: one per actor */
} tea_nkey_kind;

typedef struct tea_keypair {
  tea_nkey_kind kind;
  uint8_t seed[32];
  uint8_t pk[32];
  uint8_t sk[64]; /* libsodium's form: seed followed by pk */
} tea_keypair;

tea_code tea_keypair_generate(tea_nkey_kind kind, tea_keypair *kp, tea_error *err);
/* From a seed's text form ("SA..." or "SM..."). */
tea_code tea_keypair_from_seed(const char *seed_text, tea_keypair *kp, tea_error *err);
/* NUL-terminated text forms. */
void tea_keypair_public(const tea_keypair *kp, char out[TEA_NKEY_LEN + 1]);
void tea_keypair_seed(const tea_keypair *kp, char out[TEA_NKEY_SEED_LEN + 1]);
/* The text form of a raw public key (as the ledger stores issuers). */
void tea_nkey_encode_public(tea_nkey_kind kind, const uint8_t pk[32], char out[TEA_NKEY_LEN + 1]);
/* Checks the text form (length, base32, CRC, kind) and returns the key. */
tea_code tea_nkey_decode_public(const char *text, tea_nkey_kind kind, uint8_t pk[32],
                                tea_error *err);

/* ---- claims ---------------------------------------------------------------- */

#define TEA_CLAIMS_SECTION "jwt"

typedef struct tea_claims {
  char *issuer;  /* iss: account key */
  char *subject; /* sub: module key */
  char *jti;
  char *name;
  char *hash; /* wascap hash: upper-case hex SHA-256 of the module without "jwt" sections */
  char *ver;  /* may be NULL */
  char **caps;
  size_t ncaps;
  char **call; /* tea extension: names of actors it may call through tea:actor */
  size_t ncall;
  int64_t iat, exp, nbf; /* 0 when absent */
  uint64_t rev;
} tea_claims;

void tea_claims_free(tea_claims *c);

/* What `teanode actor sign` writes. */
typedef struct tea_claims_spec {
  const char *name;
  const char *ver;                 /* NULL: none */
  const char *const *caps;
  size_t ncaps;
  const char *const *call;
  size_t ncall;
  uint64_t rev;
  int64_t iat;                     /* 0: now */
  int64_t exp, nbf;                /* 0: none */
} tea_claims_spec;

/* Strips any "jwt" section from module, signs claims for what is left with
 * issuer (an account key) about subject (a module key), and appends the new
 * section. *out is malloc'd. */
tea_code tea_claims_sign(const uint8_t *module, size_t len, const tea_claims_spec *spec,
                         const tea_keypair *issuer, const tea_keypair *subject, uint8_t **out,
                         size_t *out_len, tea_error *err);
/* Reads the claims and checks the signature, algorithm and module hash, but
 * not time, issuer or revision (those need a record): for inspection. */
tea_code tea_claims_read(const uint8_t *module, size_t len, tea_claims *out, tea_error *err);
/* The wascap module hash (upper-case hex, NUL-terminated). */
tea_code tea_claims_module_hash(const uint8_t *module, size_t len, char out[65], tea_error *err);

/* ---- registry records and limits ------------------------------------------ */

/* Per invocation. 0 means the default in brackets. */
typedef struct tea_actor_limits {
  uint64_t fuel;           /* [1e9] instructions */
  uint32_t memory_pages;   /* [256] 64 KiB pages = 16 MiB */
  uint32_t call_depth;     /* [1000] nested wasm calls */
  uint32_t deadline_ms;    /* [5000] wall clock */
  uint32_t max_input;      /* [1 MiB] */
  uint32_t max_output;     /* [1 MiB] */
  uint32_t max_host_calls; /* [1000] */
  uint32_t max_transcript; /* [16 MiB] requests and answers of all host calls */
} tea_actor_limits;

/* The record the ledger holds for an actor (the ledger fills these in; tests
 * build them). Borrowed by tea_host_load, which copies what it keeps. */
typedef struct tea_actor_record {
  const char *name;
  tea_cid cid; /* raw (sha2-256 of the bytes) or a UnixFS dag-pb root */
  const char *const *issuers; /* account keys allowed to sign it */
  size_t nissuers;
  const char *const *caps; /* capabilities the ledger approved */
  size_t ncaps;
  uint64_t min_rev; /* claims with a lower rev are refused (no rollback) */
  tea_actor_limits limits;
  const char *const *http_allow; /* tea:http-client hosts */
  size_t nhttp_allow;
} tea_actor_record;

/* ---- the host ------------------------------------------------------------- */

/* Reported for every actor before it can run: the trust layer extends the
 * code PCR and logs an event. A failure refuses the load. kind is "actor". */
typedef tea_code (*tea_measure_fn)(void *user, const uint8_t hash[32], const char *kind,
                                   const char *name, tea_error *err);
/* Console output of actors (__console_log, WASI stdout/stderr). stream is
 * "console", "stdout" or "stderr". */
typedef void (*tea_host_log_fn)(void *user, const char *actor, const char *stream,
                                const char *msg, size_t len);

typedef struct tea_host_config {
  tea_measure_fn measure; /* required: no measurement, no load */
  void *measure_user;
  tea_host_log_fn log; /* NULL: stderr */
  void *log_user;
  /* Seconds since the epoch for claim validity; NULL: the system clock. */
  int64_t (*now)(void *user);
  void *now_user;
  uint32_t max_actor_depth; /* nested tea:actor calls; 0: 4 */
  /* Idle instances kept per actor and reused, each reset to its state after
   * the initializers (docs/actors.md, "Instance pool"); 0: a fresh instance
   * for every invocation. Replays always use fresh instances. */
  uint32_t pool_size;
} tea_host_config;

typedef struct tea_host tea_host;
typedef struct tea_actor tea_actor;

tea_code tea_host_new(const tea_host_config *config, tea_host **out, tea_error *err);
/* Add providers before the first invocation: the list is read without a lock. */
/* Frees the host, its actors and its providers. */
void tea_host_free(tea_host *host);
/* The host takes ownership of p (also on failure). One provider per capability. */
tea_code tea_host_add_provider(tea_host *host, tea_provider *p, tea_error *err);

/* Verifies and loads an actor; the compiled module is shared by actors with
 * the same CID. The actor belongs to the host (found again by name; loading
 * a name again replaces the old record for new invocations). */
tea_code tea_host_load(tea_host *host, const uint8_t *bytes, size_t len,
                       const tea_actor_record *record, tea_actor **out, tea_error *err);
tea_actor *tea_host_find(tea_host *host, const char *name);

const char *tea_actor_name(const tea_actor *actor);
const tea_claims *tea_actor_claims(const tea_actor *actor);
/* Capabilities granted: claimed ∩ approved. */
size_t tea_actor_grant_count(const tea_actor *actor);
const char *tea_actor_grant(const tea_actor *actor, size_t i);
bool tea_actor_granted(const tea_actor *actor, const char *capability);
/* Idle pooled instances of the actor right now (0 without a pool). */
unsigned tea_actor_pooled(tea_actor *actor);

/* ---- invocations ---------------------------------------------------------- */

typedef struct tea_invoke_result {
  /* The actor's answer; when guest_error is true, the message it reported
   * with __guest_error (the invocation then did not succeed: nothing is
   * committed). malloc'd, freed by tea_invoke_result_free. */
  uint8_t *output;
  size_t output_len;
  bool guest_error;
  uint64_t fuel_used;
  uint32_t host_calls;
  uint8_t input_hash[32];
  uint8_t output_hash[32];
  /* Deterministic CBOR of every host call in order (see docs/actors.md) and
   * its SHA-256. */
  uint8_t *transcript;
  size_t transcript_len;
  uint8_t transcript_hash[32];
} tea_invoke_result;

void tea_invoke_result_free(tea_invoke_result *r);

/* Runs operation op with input in a fresh instance (or a pooled one reset to
 * the same state, if the host keeps a pool). TEA_OK when the actor
 * answered (including a guest error, see above); otherwise the error says
 * what stopped it: TEA_ERR_LIMIT (fuel, deadline, sizes, host calls),
 * TEA_ERR_TRAP, TEA_ERR_STATE (a capability not granted, an actor call not
 * in the claims), TEA_ERR_NOMEM (memory limit). result is filled as far as
 * the run got (fuel used, transcript so far) and must be freed either way. */
tea_code tea_host_invoke(tea_host *host, tea_actor *actor, const char *op, const uint8_t *input,
                         size_t input_len, tea_invoke_result *result, tea_error *err);

/* What a replay must reproduce; NULL members/flags are not checked. */
typedef struct tea_replay_expect {
  const uint8_t *transcript_hash; /* 32 bytes: the transcript must hash to this */
  const uint8_t *output_hash;     /* 32 bytes: the output must hash to this */
} tea_replay_expect;

/* Re-runs an invocation without providers: each host call must match the
 * next recorded one (capability, operation, request) and gets its recorded
 * answer. TEA_ERR_CRYPTO if the transcript does not hash to the expected
 * value or the output differs; TEA_ERR_STATE if the run diverges from the
 * transcript (a different or extra call, or calls left over). */
tea_code tea_host_replay(tea_host *host, tea_actor *actor, const char *op, const uint8_t *input,
                         size_t input_len, const uint8_t *transcript, size_t transcript_len,
                         const tea_replay_expect *expect, tea_invoke_result *result,
                         tea_error *err);

#endif
