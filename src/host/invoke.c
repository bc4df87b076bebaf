/* Running one operation of an actor: a fresh store and instance per
 * invocation (no state survives between requests), or, when the host keeps a
 * pool, an instance put back exactly as it was after its initializers
 * (pool.c); the compiled module shared; the record's limits (fuel, memory,
 * call depth, deadline, sizes, host calls); provider sessions committed only
 * on success; the transcript encoded and hashed into the result. Replay uses
 * the fresh path with the providers replaced by the recorded answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"
#include "tea/hash.h"

#define MAX_OP 256

void tea_invoke_result_free(tea_invoke_result *r) {
  if (!r) return;
  free(r->output);
  free(r->transcript);
  memset(r, 0, sizeof *r);
}

/* tea:actor's way back into the host (provider ctx->call_actor). */
static tea_code call_actor(void *host_ctx, const char *name, const char *op, const uint8_t *in, size_t in_len,
                           uint8_t **out, size_t *out_len, tea_error *err) {
  tea_invocation *inv = host_ctx;
  *out = NULL;
  *out_len = 0;
  if (inv->depth + 1 >= inv->host->cfg.max_actor_depth)
    return tea_fail(err, TEA_ERR_LIMIT, "actor calls nested deeper than %u", inv->host->cfg.max_actor_depth);
  tea_actor *target = tea_host_find(inv->host, name);
  if (!target) return tea_fail(err, TEA_ERR_NOT_FOUND, "no actor %s on this node", name);
  tea_invoke_result r;
  tea_code rc = tea_invoke_at(inv->host, target, inv->depth + 1, inv->pctx.deadline_ns, op, in, in_len, NULL, &r, err);
  if (rc == TEA_OK && r.guest_error) {
    rc = tea_fail(err, TEA_ERR_STATE, "actor %s failed: %.*s", name, (int)(r.output_len > 200 ? 200 : r.output_len),
                  r.output ? (const char *)r.output : "");
  } else if (rc == TEA_OK) {
    *out = r.output;
    *out_len = r.output_len;
    r.output = NULL;
  }
  tea_invoke_result_free(&r);
  return rc;
}

/* The entry points' names are looked up once per actor, not on every call. */
void tea_actor_find_entries(tea_actor *a) {
  static const char *const names[TEA_ENTRY_COUNT] = {"_initialize", "_start", "wapc_init", "__guest_call"};
  const tea_wasm_module *m = a->entry->module;
  for (int k = 0; k < TEA_ENTRY_COUNT; k++) a->entries[k] = TEA_NO_EXPORT;
  for (size_t i = 0; i < tea_wasm_module_export_count(m); i++) {
    tea_wasm_extern_kind kind;
    const char *name = tea_wasm_module_export_name(m, i, &kind);
    for (int k = 0; kind == TEA_WASM_EXTERN_FUNC && k < TEA_ENTRY_COUNT; k++)
      if (strcmp(name, names[k]) == 0) a->entries[k] = i;
  }
}

static tea_code call_entry(tea_invocation *inv, tea_wasm_instance *in, int entry, const tea_wasm_val *args,
                           size_t nargs, tea_wasm_val *results, size_t nresults, tea_error *err) {
  tea_wasm_extern ext;
  tea_code rc = tea_wasm_instance_export_at(in, inv->actor->entries[entry], &ext, err);
  return rc != TEA_OK ? rc : tea_wasm_func_call(inv->store, ext.of.func, args, nargs, results, nresults, err);
}

/* Instantiates and runs the initializers as waPC hosts call them
 * (_initialize or _start for WASI modules, then wapc_init). */
tea_code tea_invocation_start(tea_invocation *inv, const tea_wasm_module *m, tea_wasm_instance **out,
                              tea_error *err) {
  tea_wasm_instance *in;
  const tea_actor *a = inv->actor;
  tea_code rc = tea_wasm_instantiate_with(inv->store, m, a->imports, tea_wasm_module_import_count(m), &in, err);
  if (rc != TEA_OK) return rc;
  *out = in;
  for (int k = TEA_ENTRY_INITIALIZE; k <= TEA_ENTRY_WAPC_INIT; k++) {
    if (a->entries[k] == TEA_NO_EXPORT) continue;
    rc = call_entry(inv, in, k, NULL, 0, NULL, 0, err);
    if (rc == TEA_ERR_EXIT && err && err->exit_status == 0) rc = TEA_OK; /* a command's main returned 0 */
    if (rc != TEA_OK) return rc;
  }
  return TEA_OK;
}

/* __guest_call(op_len, msg_len): 1 for success, anything else a guest error. */
static tea_code guest_call(tea_invocation *inv, tea_wasm_instance *in, int32_t *status, tea_error *err) {
  if (inv->actor->entries[TEA_ENTRY_GUEST_CALL] == TEA_NO_EXPORT)
    return tea_fail(err, TEA_ERR_LINK, "actor %s does not export __guest_call (not a waPC module)", inv->actor->name);
  tea_wasm_val args[2], res;
  memset(args, 0, sizeof args);
  args[0].type = args[1].type = TEA_WASM_I32;
  args[0].of.u32 = (uint32_t)strlen(inv->op);
  args[1].of.u32 = (uint32_t)inv->input_len;
  tea_code rc = call_entry(inv, in, TEA_ENTRY_GUEST_CALL, args, 2, &res, 1, err);
  if (rc == TEA_OK) *status = res.of.i32;
  else if (rc == TEA_ERR_TRAP) {
    /* A guest that runs out of memory usually traps soon after: say why. */
    tea_wasm_memory *mem = tea_wasm_instance_memory(in);
    if (mem && tea_wasm_memory_size(mem) >= (uint64_t)inv->actor->limits.memory_pages * TEA_WASM_PAGE_SIZE) {
      char pre[96];
      snprintf(pre, sizeof pre, "memory limit of %u pages reached: ", inv->actor->limits.memory_pages);
      rc = tea_error_prefix(err, TEA_ERR_NOMEM, pre);
    }
  }
  return rc;
}

static tea_code run(tea_invocation *inv, const tea_wasm_module *m, int32_t *status, tea_error *err) {
  tea_wasm_instance *in;
  tea_code rc = tea_invocation_start(inv, m, &in, err);
  return rc != TEA_OK ? rc : guest_call(inv, in, status, err);
}

tea_code tea_invocation_link(tea_invocation *inv, tea_error *err) {
  const tea_actor *a = inv->actor;
  /* write tracking: the memory is reset after every call (zeroed for the
     next fresh instance on this thread, or put back for the pool) */
  tea_wasm_limits lim = {.max_memory_pages = a->limits.memory_pages, .max_call_depth = a->limits.call_depth,
                         .fuel = a->limits.fuel, .track_writes = true};
  tea_code rc = tea_wasm_store_new(&lim, &inv->store, err);
  if (rc != TEA_OK) return rc;
  tea_wasm_store_set_user(inv->store, inv); /* how the host functions find this run */
  /* WASI only for modules that use it (a bare waPC guest does not). */
  if (a->uses_wasi) rc = tea_wasi_gate_new(inv, &inv->wasi, err);
  return rc;
}

static void end_sessions(tea_invocation *inv, bool commit, tea_code *rc, tea_error *err) {
  tea_host *h = inv->host;
  for (size_t i = 0; i < h->nproviders; i++) {
    if (!inv->begun[i] || !h->providers[i]->ops->end) continue;
    tea_error e;
    tea_error_clear(&e);
    tea_code r = h->providers[i]->ops->end(h->providers[i]->self, inv->sessions[i], &inv->pctx, commit, &e);
    if (r != TEA_OK && *rc == TEA_OK) { /* a failed commit fails the invocation */
      *rc = r;
      if (err) *err = e;
    }
  }
}

static tea_code finish(tea_invocation *inv, tea_invoke_result *res, tea_error *err) {
  tea_code rc = tea_transcript_encode(&inv->transcript, &res->transcript, &res->transcript_len, err);
  if (rc == TEA_OK) rc = tea_sha256(res->transcript, res->transcript_len, res->transcript_hash, err);
  if (rc == TEA_OK) rc = tea_sha256(res->output, res->output_len, res->output_hash, err);
  return rc;
}

void tea_invocation_begin(tea_invocation *inv, tea_host *h, tea_actor *a, unsigned depth, const char *op,
                          const uint8_t *input, size_t input_len, const tea_transcript *replay,
                          uint64_t deadline_ns) {
  tea_wasm_store *store = inv->store; /* a pooled instance's, kept */
  tea_wasi *wasi = inv->wasi;
  memset(inv, 0, sizeof *inv);
  inv->store = store;
  inv->wasi = wasi;
  inv->host = h;
  inv->actor = a;
  inv->depth = depth;
  inv->op = op;
  inv->input = input_len ? input : (const uint8_t *)"";
  inv->input_len = input_len;
  inv->replay = replay;
  if (h->nproviders <= TEA_INVOCATION_INLINE_PROVIDERS) {
    inv->sessions = inv->sessions_inline;
    inv->begun = inv->begun_inline;
  } else if ((inv->sessions = calloc(h->nproviders, sizeof *inv->sessions + sizeof *inv->begun))) {
    inv->begun = (bool *)(inv->sessions + h->nproviders);
  }
  inv->pctx = (tea_provider_ctx){.actor = a->name, .actor_cid = a->cid_text,
                                 .http_allow = (const char *const *)a->http_allow.items, .nhttp_allow = a->http_allow.n,
                                 .callable = (const char *const *)a->claims.call, .ncallable = a->claims.ncall,
                                 .call_actor = call_actor, .host_ctx = inv, .deadline_ns = deadline_ns};
}

/* Ends the sessions (committing only a success) and frees what one run
 * allocated; the store stays (pool.c decides about it). */
void tea_invocation_end(tea_invocation *inv, bool commit, tea_code *rc, tea_error *err) {
  end_sessions(inv, commit, rc, err);
  tea_transcript_free(&inv->transcript);
  free(inv->response), free(inv->guest_err), free(inv->host_resp), free(inv->host_err);
  if (inv->sessions != inv->sessions_inline) free(inv->sessions); /* and begun, after it */
  inv->response = inv->guest_err = inv->host_resp = inv->host_err = NULL;
  inv->sessions = NULL;
  inv->begun = NULL;
}

tea_code tea_invoke_at(tea_host *h, tea_actor *a, unsigned depth, uint64_t outer_deadline_ns, const char *op,
                       const uint8_t *input, size_t input_len, const tea_transcript *replay,
                       tea_invoke_result *res, tea_error *err) {
  memset(res, 0, sizeof *res);
  if (!op || !*op || strlen(op) > MAX_OP) return tea_fail(err, TEA_ERR_ARG, "operation name must be 1..%d bytes", MAX_OP);
  if (input_len > a->limits.max_input)
    return tea_fail(err, TEA_ERR_LIMIT, "input of %zu bytes is over actor %s's limit of %u", input_len, a->name,
                    a->limits.max_input);
  tea_code rc = tea_sha256(input, input_len, res->input_hash, err);
  if (rc != TEA_OK) return rc;

  uint64_t deadline = tea_mono_ns() + (uint64_t)a->limits.deadline_ms * 1000000ull;
  if (outer_deadline_ns && outer_deadline_ns < deadline) deadline = outer_deadline_ns;
  /* replays always start from a new instance: they must not depend on the pool */
  tea_pooled *pooled = replay ? NULL : tea_pool_take(h, a);
  tea_invocation fresh;
  tea_invocation *inv = pooled ? tea_pooled_invocation(pooled) : &fresh;
  if (!pooled) inv->store = NULL, inv->wasi = NULL;
  tea_invocation_begin(inv, h, a, depth, op, input, input_len, replay, deadline);

  tea_deadline dl = {0};
  bool fired = false;
  int32_t status = 0;
  if (!inv->sessions || !inv->begun) {
    rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    goto out;
  }
  if (pooled) {
    tea_pooled_arm(pooled);
    if ((rc = tea_deadline_start(&dl, inv->store, deadline, err)) != TEA_OK) goto out;
    rc = guest_call(inv, tea_pooled_instance(pooled), &status, err);
  } else {
    const tea_wasm_module *m = a->entry->module;
    if ((rc = tea_invocation_link(inv, err)) != TEA_OK) goto out;
    if ((rc = tea_deadline_start(&dl, inv->store, deadline, err)) != TEA_OK) goto out;
    rc = run(inv, m, &status, err);
  }
  fired = tea_deadline_stop(&dl);
  res->fuel_used = pooled ? tea_pooled_fuel_used(pooled) : tea_wasm_store_fuel_used(inv->store);
  if (inv->fatal.code != TEA_OK) { /* a WASI-side failure the guest saw only as an errno */
    rc = inv->fatal.code;
    if (err) *err = inv->fatal;
  } else if (rc == TEA_ERR_TRAP && fired) {
    rc = tea_fail(err, TEA_ERR_LIMIT, "actor %s: deadline of %u ms exceeded", a->name, a->limits.deadline_ms);
  } else if (rc == TEA_ERR_TRAP && err && strstr(err->msg, "out of fuel")) {
    rc = tea_fail(err, TEA_ERR_LIMIT, "actor %s: out of fuel (limit %llu)", a->name,
                  (unsigned long long)a->limits.fuel);
  }
  if (rc == TEA_OK && replay && inv->replay_pos != replay->n)
    rc = tea_fail(err, TEA_ERR_STATE, "replay diverged: %zu recorded host calls were not made",
                  replay->n - inv->replay_pos);
  if (rc == TEA_OK) {
    res->guest_error = status != 1;
    uint8_t **src = res->guest_error ? &inv->guest_err : &inv->response;
    res->output = *src;
    res->output_len = res->guest_error ? inv->guest_err_len : inv->response_len;
    *src = NULL;
    if (res->guest_error && !res->output_len) {
      static const char none[] = "actor reported an error without a message";
      res->output = (uint8_t *)strdup(none);
      res->output_len = res->output ? sizeof none - 1 : 0;
    }
  }
out:
  if (dl.running) tea_deadline_stop(&dl);
  res->host_calls = inv->host_calls;
  tea_error ferr;
  /* finish before the sessions end: it reads the transcript */
  tea_code frc = finish(inv, res, rc == TEA_OK ? err : &ferr);
  bool clean = rc == TEA_OK && frc == TEA_OK && !fired;
  tea_invocation_end(inv, rc == TEA_OK && !res->guest_error && !replay, &rc, err);
  if (rc == TEA_OK) rc = frc;
  if (pooled) {
    tea_pool_put(h, a, pooled, clean && rc == TEA_OK); /* a run that failed is not reused */
  } else {
    tea_wasm_store_free(inv->store);
    tea_wasi_free(inv->wasi);
  }
  return rc;
}

tea_code tea_host_invoke(tea_host *h, tea_actor *a, const char *op, const uint8_t *input, size_t input_len,
                         tea_invoke_result *res, tea_error *err) {
  return tea_invoke_at(h, a, 0, 0, op, input, input_len, NULL, res, err);
}

tea_code tea_host_replay(tea_host *h, tea_actor *a, const char *op, const uint8_t *input, size_t input_len,
                         const uint8_t *transcript, size_t transcript_len, const tea_replay_expect *expect,
                         tea_invoke_result *res, tea_error *err) {
  memset(res, 0, sizeof *res);
  uint8_t d[32];
  tea_code rc;
  if (expect && expect->transcript_hash) {
    if ((rc = tea_sha256(transcript, transcript_len, d, err)) != TEA_OK) return rc;
    if (memcmp(d, expect->transcript_hash, 32) != 0)
      return tea_fail(err, TEA_ERR_CRYPTO, "transcript does not match its recorded hash (an answer was changed)");
  }
  tea_transcript t;
  if ((rc = tea_transcript_decode(transcript, transcript_len, &t, err)) != TEA_OK) return rc;
  rc = tea_invoke_at(h, a, 0, 0, op, input, input_len, &t, res, err);
  tea_transcript_free(&t);
  if (rc != TEA_OK) return rc;
  if (res->transcript_len != transcript_len || memcmp(res->transcript, transcript, transcript_len) != 0)
    return tea_fail(err, TEA_ERR_STATE, "replay diverged: the re-run's transcript differs");
  if (expect && expect->output_hash && memcmp(res->output_hash, expect->output_hash, 32) != 0)
    return tea_fail(err, TEA_ERR_CRYPTO, "replay produced a different output");
  return TEA_OK;
}
