/* One host call: counted, checked against the grants, routed to its provider
 * (or answered from the transcript when replaying), and recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"

static tea_code set_answer(uint8_t **dst, size_t *dst_len, const uint8_t *src, size_t n, tea_error *err) {
  free(*dst);
  *dst = malloc(n ? n : 1);
  *dst_len = 0;
  if (!*dst) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (n) memcpy(*dst, src, n);
  *dst_len = n;
  return TEA_OK;
}

/* tea:actor's policy is the host's too: the target must be named in the
 * caller's signed claims. Checked before the provider sees the call, and
 * fatal, like calling an ungranted capability. */
static tea_code check_actor_call(tea_invocation *inv, const uint8_t *req, size_t n, tea_error *err) {
  const uint8_t *nul = memchr(req, 0, n);
  size_t len = nul ? (size_t)(nul - req) : n;
  for (size_t i = 0; i < inv->actor->claims.ncall; i++) {
    const char *c = inv->actor->claims.call[i];
    if (strlen(c) == len && memcmp(c, req, len) == 0) return TEA_OK;
  }
  return tea_fail(err, TEA_ERR_STATE, "actor %s may not call actor %.*s: not in its claims",
                  inv->actor->name, (int)(len > 64 ? 64 : len), (const char *)req);
}

static tea_code replay_answer(tea_invocation *inv, const char *cap, const char *op, const uint8_t *req,
                              size_t req_len, bool *ok, tea_error *err) {
  size_t i = inv->replay_pos;
  if (i >= inv->replay->n)
    return tea_fail(err, TEA_ERR_STATE, "replay diverged: host call %zu (%s %s) is not in the transcript", i + 1,
                    cap, op);
  const tea_hostcall *c = &inv->replay->calls[i];
  if (strcmp(c->cap, cap) != 0 || strcmp(c->op, op) != 0 || c->req_len != req_len ||
      (req_len && memcmp(c->req, req, req_len) != 0))
    return tea_fail(err, TEA_ERR_STATE, "replay diverged at host call %zu: made %s %s, recorded %s %s", i + 1, cap,
                    op, c->cap, c->op);
  inv->replay_pos++;
  *ok = c->ok;
  return c->ok ? set_answer(&inv->host_resp, &inv->host_resp_len, c->resp, c->resp_len, err)
               : set_answer(&inv->host_err, &inv->host_err_len, c->resp, c->resp_len, err);
}

static tea_code provider_answer(tea_invocation *inv, const char *cap, const char *op, const uint8_t *req,
                                size_t req_len, bool *ok, tea_error *err) {
  tea_host *h = inv->host;
  size_t idx = h->nproviders;
  for (size_t i = 0; i < h->nproviders; i++)
    if (strcmp(h->providers[i]->ops->capability, cap) == 0) idx = i;
  tea_error perr;
  tea_error_clear(&perr);
  tea_code rc = TEA_OK;
  uint8_t *resp = NULL;
  size_t resp_len = 0;
  if (idx == h->nproviders) {
    rc = tea_fail(&perr, TEA_ERR_NOT_FOUND, "no provider for %s on this node", cap);
  } else {
    tea_provider *p = h->providers[idx];
    if (!inv->begun[idx] && p->ops->begin)
      rc = p->ops->begin(p->self, &inv->pctx, &inv->sessions[idx], &perr);
    if (rc == TEA_OK) {
      inv->begun[idx] = true;
      rc = p->ops->call(p->self, inv->sessions[idx], &inv->pctx, op, req, req_len, &resp, &resp_len, &perr);
    }
  }
  *ok = rc == TEA_OK;
  tea_code r2 = *ok ? set_answer(&inv->host_resp, &inv->host_resp_len, resp, resp_len, err)
                    : set_answer(&inv->host_err, &inv->host_err_len, (const uint8_t *)perr.msg,
                                 strlen(perr.msg), err);
  free(resp);
  return r2;
}

tea_code tea_invocation_host_call(tea_invocation *inv, const char *cap, const char *op, const uint8_t *req,
                                  size_t req_len, bool *ok, tea_error *err) {
  if (inv->probing) { /* pool.c: such an actor is not pooled, and the call must not happen twice */
    inv->host_calls++;
    return tea_fail(err, TEA_ERR_STATE, "host call from an initializer: actor %s is not pooled", inv->actor->name);
  }
  if (++inv->host_calls > inv->actor->limits.max_host_calls)
    return tea_fail(err, TEA_ERR_LIMIT, "actor %s made more than %u host calls", inv->actor->name,
                    inv->actor->limits.max_host_calls);
  if (!tea_actor_granted(inv->actor, cap))
    return tea_fail(err, TEA_ERR_STATE, "actor %s called %s %s: capability not granted", inv->actor->name, cap, op);
  /* Every request and answer is kept for the transcript: bound the total so
   * many large calls cannot exhaust the node's memory. */
  size_t budget = inv->actor->limits.max_transcript;
  if (req_len > budget - inv->transcript_bytes)
    return tea_fail(err, TEA_ERR_LIMIT, "actor %s: host calls over the transcript limit of %zu bytes",
                    inv->actor->name, budget);
  tea_code rc;
  if (strcmp(cap, TEA_CAP_ACTOR) == 0 && (rc = check_actor_call(inv, req, req_len, err)) != TEA_OK) return rc;
  inv->host_resp_len = inv->host_err_len = 0;
  rc = inv->replay ? replay_answer(inv, cap, op, req, req_len, ok, err)
                   : provider_answer(inv, cap, op, req, req_len, ok, err);
  if (rc != TEA_OK) return rc;
  size_t answer = *ok ? inv->host_resp_len : inv->host_err_len;
  if (answer > budget - inv->transcript_bytes - req_len)
    return tea_fail(err, TEA_ERR_LIMIT, "actor %s: host calls over the transcript limit of %zu bytes",
                    inv->actor->name, budget);
  inv->transcript_bytes += req_len + answer;
  return *ok ? tea_transcript_add(&inv->transcript, cap, op, req, req_len, true, inv->host_resp, inv->host_resp_len, err)
             : tea_transcript_add(&inv->transcript, cap, op, req, req_len, false, inv->host_err, inv->host_err_len, err);
}
