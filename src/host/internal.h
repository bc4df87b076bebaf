/* Internal interfaces between the host's files (not installed). */
#ifndef TEA_HOST_INTERNAL_H
#define TEA_HOST_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/host.h"
#include "tea/wasi.h"
#include "tea/wasm.h"

/* Puts prefix in front of err's message (which tea_fail cannot read while
 * writing it). Returns code. */
tea_code tea_error_prefix(tea_error *err, tea_code code, const char *prefix);

/* ---- sections.c: the module's raw section list ---------------------------- */

/* Calls fn for each section (id, whole section bytes including its header,
 * custom-section name or NULL). Stops at fn's first failure. */
typedef tea_code (*tea_section_fn)(void *ctx, uint8_t id, const uint8_t *sec, size_t sec_len,
                                   const char *name, size_t name_len, const uint8_t *payload,
                                   size_t payload_len, tea_error *err);
tea_code tea_sections_each(const uint8_t *m, size_t len, tea_section_fn fn, void *ctx,
                           tea_error *err);
/* The bytes without custom sections named name; *out malloc'd. */
tea_code tea_sections_strip(const uint8_t *m, size_t len, const char *name, uint8_t **out,
                            size_t *out_len, tea_error *err);
/* The payload of the only custom section called name (TEA_ERR_NOT_FOUND if
 * none, TEA_ERR_INVALID if more than one). Points into m. */
tea_code tea_sections_find_custom(const uint8_t *m, size_t len, const char *name,
                                  const uint8_t **payload, size_t *payload_len, tea_error *err);
/* m followed by a custom section; *out malloc'd. */
tea_code tea_sections_append_custom(const uint8_t *m, size_t len, const char *name,
                                    const uint8_t *payload, size_t payload_len, uint8_t **out,
                                    size_t *out_len, tea_error *err);

/* ---- claims.c ----------------------------------------------------------- */

/* tea_claims_read plus the record's checks: time (now, seconds), issuer,
 * revision. */
tea_code tea_claims_verify(const uint8_t *module, size_t len, const tea_actor_record *rec,
                           int64_t now, tea_claims *out, tea_error *err);

/* ---- strlist.c: small owned string lists -------------------------------- */

typedef struct tea_strlist {
  char **items;
  size_t n;
} tea_strlist;
tea_code tea_strlist_add(tea_strlist *l, const char *s, tea_error *err);
tea_code tea_strlist_copy(tea_strlist *l, const char *const *items, size_t n, tea_error *err);
bool tea_strlist_has(const tea_strlist *l, const char *s);
void tea_strlist_free(tea_strlist *l);

/* ---- transcript.c ------------------------------------------------------- */

typedef struct tea_hostcall {
  char *cap, *op;
  uint8_t *req, *resp; /* resp: the answer, or the error text when !ok */
  size_t req_len, resp_len;
  bool ok;
} tea_hostcall;

typedef struct tea_transcript {
  tea_hostcall *calls;
  size_t n, cap;
} tea_transcript;

/* Takes copies. */
tea_code tea_transcript_add(tea_transcript *t, const char *cap, const char *op, const uint8_t *req,
                            size_t req_len, bool ok, const uint8_t *resp, size_t resp_len,
                            tea_error *err);
/* {"type": "tea/transcript", "version": 1, "calls": [{"cap", "op", "req", "ok", "resp"}...]} */
tea_code tea_transcript_encode(const tea_transcript *t, uint8_t **out, size_t *out_len,
                               tea_error *err);
tea_code tea_transcript_decode(const uint8_t *buf, size_t len, tea_transcript *t, tea_error *err);
void tea_transcript_free(tea_transcript *t);

/* ---- host.c: the host and its actors ------------------------------------ */

typedef struct tea_module_entry {
  tea_cid cid;
  tea_wasm_module *module;
  unsigned refs;
  struct tea_module_entry *next;
} tea_module_entry;

/* What an invocation calls, in this order: WASI's and waPC's initializers,
 * then the waPC entry point. */
enum { TEA_ENTRY_INITIALIZE, TEA_ENTRY_START, TEA_ENTRY_WAPC_INIT, TEA_ENTRY_GUEST_CALL, TEA_ENTRY_COUNT };
#define TEA_NO_EXPORT SIZE_MAX

struct tea_actor {
  char *name;
  char cid_text[TEA_CID_STR_MAX];
  tea_module_entry *entry;
  tea_claims claims;
  tea_strlist grants;
  tea_strlist http_allow;
  tea_actor_limits limits; /* defaults filled in */
  tea_wasm_extern *imports; /* resolved in the host's linker at load */
  bool uses_wasi;
  /* the exports an invocation calls, found at load (invoke.c): indices in the
     module's export list, TEA_NO_EXPORT where it has no such function */
  size_t entries[TEA_ENTRY_COUNT];
  /* pool.c: idle instances, when the host keeps a pool */
  pthread_mutex_t pool_lock;
  struct tea_pooled *idle;
  unsigned nidle;
  bool unpoolable; /* its initializers make host calls, or a build failed */
  bool retired;    /* replaced by a newer load of the same name */
  struct tea_actor *next;
};

struct tea_host {
  tea_host_config cfg;
  pthread_mutex_t lock; /* actors and the module cache */
  tea_module_entry *modules;
  tea_actor *actors;
  tea_provider **providers;
  size_t nproviders;
  /* every host function an actor may import, made once and shared by all
     instances on all threads (read-only after tea_host_new) */
  tea_wasm_linker *link;
};

tea_provider *tea_host_provider(tea_host *host, const char *cap);
void tea_host_log(tea_host *host, const char *actor, const char *stream, const char *msg,
                  size_t len);

/* ---- imports.c: what a module may import -------------------------------- */

/* Refuses (TEA_ERR_LINK, naming the capability) any import no grant covers. */
tea_code tea_imports_check(const tea_wasm_module *m, const tea_actor *actor, tea_error *err);
/* The capability a WASI function needs ("" for none, NULL if never allowed). */
const char *tea_wasi_import_cap(const char *name);

/* ---- deadline.c --------------------------------------------------------- */

/* One watchdog thread serves every invocation in the process: a deadline is
 * an entry in its list, not a thread of its own. */
typedef struct tea_deadline {
  struct tea_deadline *next;
  tea_wasm_store *store;
  uint64_t at_ns;
  bool fired, running;
} tea_deadline;

uint64_t tea_mono_ns(void);
/* Interrupts store at CLOCK_MONOTONIC time at_ns unless stopped first. */
tea_code tea_deadline_start(tea_deadline *d, tea_wasm_store *store, uint64_t at_ns, tea_error *err);
/* Stops the timer; true if it fired. */
bool tea_deadline_stop(tea_deadline *d);

/* Console and stdout/stderr bytes one invocation may put in the node's log;
 * later output is dropped (a chatty actor cannot flood the log). */
#define TEA_ACTOR_LOG_MAX 65536
/* provider sessions kept inside the invocation (more take one allocation) */
#define TEA_INVOCATION_INLINE_PROVIDERS 8

/* ---- invoke.c / wapc.c / wasi_gate.c: one invocation ------------------- */

/* Fills a->entries from its module's exports (at load). */
void tea_actor_find_entries(tea_actor *a);

typedef struct tea_invocation {
  tea_host *host;
  tea_actor *actor;
  unsigned depth; /* nested tea:actor calls above this one */
  const char *op;
  const uint8_t *input;
  size_t input_len;
  tea_wasm_store *store; /* its user pointer is this invocation */
  tea_wasi *wasi;        /* NULL for a guest that imports no WASI */
  /* what the guest answered */
  uint8_t *response, *guest_err;
  size_t response_len, guest_err_len;
  bool responded, errored;
  /* the last host call's outcome, for __host_response / __host_error */
  uint8_t *host_resp, *host_err;
  size_t host_resp_len, host_err_len;
  uint32_t host_calls;
  size_t transcript_bytes; /* requests and answers so far, against max_transcript */
  size_t log_bytes;
  tea_transcript transcript;
  /* replay: answers come from here instead of providers */
  const tea_transcript *replay;
  size_t replay_pos;
  /* provider sessions, one per provider of the host (NULL if none begun): in
     the inline arrays when the host has at most that many,
     else in one allocation */
  void **sessions;
  bool *begun;
  void *sessions_inline[TEA_INVOCATION_INLINE_PROVIDERS];
  bool begun_inline[TEA_INVOCATION_INLINE_PROVIDERS];
  tea_provider_ctx pctx;
  /* a host failure that must end the run even if the guest swallows it */
  tea_error fatal;
  /* pool.c is running the initializers to see whether the actor can be
     pooled: no host call is made and nothing is logged (a fresh run will) */
  bool probing;
} tea_invocation;

/* One host call, checked, counted, routed (or replayed) and recorded.
 * TEA_OK with *ok telling whether the provider answered; an error return
 * stops the invocation (not granted, limits, replay divergence). The answer
 * is in inv->host_resp or inv->host_err. */
tea_code tea_invocation_host_call(tea_invocation *inv, const char *cap, const char *op,
                                  const uint8_t *req, size_t req_len, bool *ok, tea_error *err);

/* The host's linker (tea_host.link) gets the waPC and WASI functions once;
 * they find their invocation through the calling store. */
tea_code tea_wapc_define(tea_wasm_linker *linker, tea_error *err);
tea_code tea_wasi_gate_define(tea_wasm_linker *linker, tea_error *err);
/* Does the module import anything from this module name? */
bool tea_imports_from(const tea_wasm_module *m, const char *module_name);
tea_code tea_wasi_gate_new(tea_invocation *inv, tea_wasi **out, tea_error *err);

/* The steps of one run, shared by fresh and pooled instances. begin sets up
 * the per-run state (keeping inv->store and inv->wasi); link makes the store
 * and, for a guest that imports WASI, its WASI context; start instantiates and runs the
 * initializers; end ends provider sessions and frees the per-run state. */
void tea_invocation_begin(tea_invocation *inv, tea_host *host, tea_actor *actor, unsigned depth,
                          const char *op, const uint8_t *input, size_t input_len,
                          const tea_transcript *replay, uint64_t deadline_ns);
tea_code tea_invocation_link(tea_invocation *inv, tea_error *err);
tea_code tea_invocation_start(tea_invocation *inv, const tea_wasm_module *m, tea_wasm_instance **out,
                              tea_error *err);
void tea_invocation_end(tea_invocation *inv, bool commit, tea_code *rc, tea_error *err);

/* ---- pool.c ------------------------------------------------------------- */

typedef struct tea_pooled tea_pooled;
/* An idle instance of the actor, or a new one; NULL when the host keeps no
 * pool or the actor cannot be pooled (then run a fresh instance). */
tea_pooled *tea_pool_take(tea_host *host, tea_actor *actor);
tea_invocation *tea_pooled_invocation(tea_pooled *p);
tea_wasm_instance *tea_pooled_instance(tea_pooled *p);
/* Before a run: the fuel a fresh instance would have left after its initializers. */
void tea_pooled_arm(tea_pooled *p);
/* Fuel of the run including the initializers, as a fresh instance counts it. */
uint64_t tea_pooled_fuel_used(const tea_pooled *p);
/* After a run: restored and kept if reusable and the pool has room, else freed. */
void tea_pool_put(tea_host *host, tea_actor *actor, tea_pooled *p, bool reusable);
/* Frees the idle instances and keeps no more (a newer load replaced the actor). */
void tea_pool_retire(tea_actor *actor);

/* Runs (or replays) an invocation at a nesting depth, never past
 * outer_deadline_ns (CLOCK_MONOTONIC; 0: none). */
tea_code tea_invoke_at(tea_host *host, tea_actor *actor, unsigned depth, uint64_t outer_deadline_ns,
                       const char *op,
                       const uint8_t *input, size_t input_len, const tea_transcript *replay,
                       tea_invoke_result *result, tea_error *err);

#endif
