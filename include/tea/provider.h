/* tea: capability providers. A provider answers an actor's host calls for one
 * capability ("tea:keyvalue", ...). The host routes a call to a provider only
 * when the calling actor was granted that capability, records every call in
 * the invocation's transcript, and never calls providers when replaying.
 *
 * Life of a provider inside one invocation:
 *   begin  (optional) per-invocation session, e.g. a write buffer
 *   call   any number of times, in order, on the invocation's thread
 *   end    once, with commit = true only if the invocation succeeded
 * Invocations run concurrently on different threads, so a provider's shared
 * state must be locked; a session belongs to one invocation (one thread).
 *
 * Payload formats (what an actor sends and gets back) are documented with
 * each constructor below and in docs/actors.md. A provider failure reaches the
 * guest as __host_error text; it never traps the guest by itself. */
#ifndef TEA_PROVIDER_H
#define TEA_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/cas.h"
#include "tea/error.h"

#define TEA_CAP_LOG "tea:log"
#define TEA_CAP_KEYVALUE "tea:keyvalue"
#define TEA_CAP_BLOBSTORE "tea:blobstore"
#define TEA_CAP_CLOCK "tea:clock"
#define TEA_CAP_RANDOM "tea:random"
#define TEA_CAP_HTTP "tea:http-client"
#define TEA_CAP_ACTOR "tea:actor"

/* Calls another actor on behalf of the caller (filled in by the host for
 * tea:actor). *out is malloc'd. A guest-reported error comes back as
 * TEA_ERR_STATE with the guest's message. */
typedef tea_code (*tea_provider_call_actor_fn)(void *host_ctx, const char *actor, const char *op,
                                               const uint8_t *in, size_t in_len, uint8_t **out,
                                               size_t *out_len, tea_error *err);

/* What a provider knows about the invocation it serves. Valid during the call. */
typedef struct tea_provider_ctx {
  const char *actor;     /* the calling actor's registry name: keyvalue's namespace */
  const char *actor_cid; /* its CID in text form */
  /* http-client: hosts the registry record allows ("example.com", "127.0.0.1:8080") */
  const char *const *http_allow;
  size_t nhttp_allow;
  /* tea:actor: the actor names the caller's signed claims list */
  const char *const *callable;
  size_t ncallable;
  tea_provider_call_actor_fn call_actor;
  void *host_ctx;
  /* CLOCK_MONOTONIC nanoseconds after which the invocation is over (0: none);
   * blocking providers bound their waits by it. */
  uint64_t deadline_ns;
} tea_provider_ctx;

typedef struct tea_provider_ops {
  const char *capability;
  /* Optional. *session may stay NULL. */
  tea_code (*begin)(void *self, const tea_provider_ctx *ctx, void **session, tea_error *err);
  /* One host call. *resp is malloc'd (NULL with *resp_len 0 for an empty answer). */
  tea_code (*call)(void *self, void *session, const tea_provider_ctx *ctx, const char *op,
                   const uint8_t *req, size_t req_len, uint8_t **resp, size_t *resp_len,
                   tea_error *err);
  /* Optional. Ends the session: commit its effects or drop them. Also frees it. */
  tea_code (*end)(void *self, void *session, const tea_provider_ctx *ctx, bool commit,
                  tea_error *err);
  void (*destroy)(void *self);
} tea_provider_ops;

typedef struct tea_provider {
  const tea_provider_ops *ops;
  void *self;
} tea_provider;

/* Frees a provider made by any constructor below (NULL is fine). */
void tea_provider_free(tea_provider *p);

/* ---- tea:log --------------------------------------------------------------
 * ops "debug", "info", "warn", "error": the request is the message (UTF-8,
 * cut at max_line bytes). The answer is empty. */
typedef void (*tea_log_sink)(void *user, const char *actor, const char *level, const char *msg,
                             size_t len);
/* sink NULL: lines go to stderr as "[actor] level: msg". max_line 0: 4096. */
tea_code tea_provider_log_new(tea_log_sink sink, void *user, size_t max_line, tea_provider **out,
                              tea_error *err);

/* ---- tea:keyvalue ---------------------------------------------------------
 * A namespace per actor (its registry name) in one SQLite database,
 * STATE_DIR/keyvalue.sqlite. Writes go to a per-invocation buffer and are
 * committed in one transaction only when the invocation succeeds.
 *   get        req KEY                 -> VALUE, or error "not found"
 *   set        req KEY \0 VALUE        -> empty
 *   delete     req KEY                 -> "1" if it existed, else "0"
 *   list       req PREFIX              -> every key with that prefix, each followed by \0,
 *                                         in byte order (at most max_list_keys)
 *   increment  req KEY [\0 DELTA]      -> the new value; values are decimal int64 text,
 *                                         a missing key counts as 0, DELTA defaults to 1
 * Keys are 1..max_key bytes without \0; values at most max_value bytes; a
 * namespace holds at most max_namespace_bytes (keys + values). */
typedef struct tea_kv_limits {
  size_t max_key;              /* 0: 256 */
  size_t max_value;            /* 0: 64 KiB */
  uint64_t max_namespace_bytes; /* 0: 16 MiB */
  size_t max_list_keys;        /* 0: 1000 */
} tea_kv_limits;
tea_code tea_provider_keyvalue_new(const char *state_dir, const tea_kv_limits *limits,
                                   tea_provider **out, tea_error *err);

/* ---- tea:blobstore --------------------------------------------------------
 *   get  req CID (text)  -> the block's bytes (checked against the CID)
 *   put  req BYTES       -> the CID (text) of BYTES as a raw block
 *   has  req CID         -> "1" or "0"
 * Blocks are at most max_blob bytes (0: 1 MiB). The store is borrowed. */
tea_code tea_provider_blobstore_new(tea_blobstore *bs, size_t max_blob, tea_provider **out,
                                    tea_error *err);

/* ---- tea:clock ------------------------------------------------------------
 *   now             req empty             -> nanoseconds since the epoch, decimal text
 *   clock_time_get  req u32 LE clock id   -> u64 LE nanoseconds (how WASI's clocks arrive)
 *   clock_res_get   req u32 LE clock id   -> u64 LE nanoseconds
 * source NULL: the system clocks. Tests pass a fixed source. */
typedef tea_code (*tea_clock_source)(void *user, uint32_t clock_id, uint64_t *ns);
tea_code tea_provider_clock_new(tea_clock_source source, void *user, tea_provider **out,
                                tea_error *err);

/* ---- tea:random -----------------------------------------------------------
 *   bytes  req N (decimal text, or u32 LE when 4 bytes)  -> N random bytes
 * N at most max_bytes (0: 64 KiB). libsodium's randombytes. */
tea_code tea_provider_random_new(size_t max_bytes, tea_provider **out, tea_error *err);

/* ---- tea:http-client ------------------------------------------------------
 *   get   req URL                        -> the body
 *   post  req URL \0 CONTENT-TYPE \0 BODY -> the body
 * Only http and https URLs whose host (or host:port) is on the actor's
 * allow-list; redirects are not followed; a status of 400 or more is an error
 * "http status N". Bodies and answers are limited in size, each transfer in
 * time (and never past the invocation's deadline). */
typedef struct tea_http_limits {
  size_t max_request;  /* 0: 1 MiB */
  size_t max_response; /* 0: 1 MiB */
  uint32_t timeout_ms; /* 0: 10 s */
} tea_http_limits;
tea_code tea_provider_http_new(const tea_http_limits *limits, tea_provider **out, tea_error *err);

/* ---- tea:actor ------------------------------------------------------------
 *   call  req ACTOR \0 OP \0 PAYLOAD  -> the called actor's answer
 * Only an actor that the caller's signed claims name (wascap "call"). */
tea_code tea_provider_actor_new(tea_provider **out, tea_error *err);

/* ---- native plugins ---------------------------------------------------------
 * A provider in a shared library (.so) that exports
 *   tea_code tea_provider_plugin_init(const char *config, const tea_provider_ops **ops,
 *                                     void **self, tea_error *err);
 * It is loaded only after its bytes hash to sha256 (what the ledger approved for
 * this platform) and measure() accepted them (kind "provider"; the trust layer
 * extends the code PCR). What is loaded is a private in-memory copy of the
 * verified bytes, so the file cannot be swapped between the check and dlopen. */
typedef tea_code (*tea_provider_plugin_init_fn)(const char *config, const tea_provider_ops **ops,
                                                void **self, tea_error *err);
typedef tea_code (*tea_provider_measure_fn)(void *user, const uint8_t hash[32], const char *kind,
                                            const char *name, tea_error *err);
#define TEA_PROVIDER_PLUGIN_MAX (64u << 20) /* bytes */
tea_code tea_provider_plugin_load(const char *path, const uint8_t sha256[32], const char *config,
                                  tea_provider_measure_fn measure, void *measure_user,
                                  tea_provider **out, tea_error *err);

#endif
