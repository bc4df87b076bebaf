/* tea:actor: one actor calls another, only one that the caller's signed
 * claims name. The host checks this too before routing; the provider checks
 * again so it is safe on its own. The call itself goes back through the host
 * (ctx->call_actor), which runs the target in its own fresh instance with
 * its own grants and limits. */
#include <stdlib.h>
#include <string.h>

#include "providers/common.h"

static tea_code actor_call(void *self, void *session, const tea_provider_ctx *ctx, const char *op,
                           const uint8_t *req, size_t req_len, uint8_t **resp, size_t *resp_len, tea_error *err) {
  (void)self, (void)session;
  *resp = NULL;
  *resp_len = 0;
  if (strcmp(op, "call") != 0) return tea_fail(err, TEA_ERR_ARG, "tea:actor has no operation %s (call)", op);
  char *name = NULL, *target_op = NULL;
  const uint8_t *rest, *payload;
  size_t rest_len, payload_len;
  tea_code rc = tea_provider_split(req, req_len, &name, &rest, &rest_len, true, err);
  if (rc == TEA_OK) rc = tea_provider_split(rest, rest_len, &target_op, &payload, &payload_len, true, err);
  if (rc != TEA_OK) goto out;
  bool named = false;
  for (size_t i = 0; i < ctx->ncallable && !named; i++) named = strcmp(ctx->callable[i], name) == 0;
  if (!named) {
    rc = tea_fail(err, TEA_ERR_STATE, "actor %s may not call actor %s: not in its claims", ctx->actor, name);
    goto out;
  }
  if (!ctx->call_actor) {
    rc = tea_fail(err, TEA_ERR_STATE, "this host cannot call actors");
    goto out;
  }
  rc = ctx->call_actor(ctx->host_ctx, name, target_op, payload, payload_len, resp, resp_len, err);
out:
  free(name), free(target_op);
  return rc;
}

static void nothing(void *self) { (void)self; }

static const tea_provider_ops actor_ops = {.capability = TEA_CAP_ACTOR, .call = actor_call, .destroy = nothing};

tea_code tea_provider_actor_new(tea_provider **out, tea_error *err) {
  return tea_provider_make(&actor_ops, NULL, out, err);
}
