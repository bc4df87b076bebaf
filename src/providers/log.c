/* tea:log: an actor's log lines, tagged with its name, into the node's log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/common.h"

typedef struct log_provider {
  tea_log_sink sink;
  void *user;
  size_t max_line;
} log_provider;

static tea_code log_call(void *self, void *session, const tea_provider_ctx *ctx, const char *op,
                         const uint8_t *req, size_t req_len, uint8_t **resp, size_t *resp_len, tea_error *err) {
  (void)session;
  log_provider *l = self;
  *resp = NULL;
  *resp_len = 0;
  static const char *const levels[] = {"debug", "info", "warn", "error"};
  const char *level = NULL;
  for (size_t i = 0; i < 4 && !level; i++)
    if (strcmp(op, levels[i]) == 0) level = levels[i];
  if (!level) return tea_fail(err, TEA_ERR_ARG, "tea:log has no operation %s (debug, info, warn, error)", op);
  size_t n = req_len > l->max_line ? l->max_line : req_len;
  if (l->sink) l->sink(l->user, ctx->actor, level, (const char *)req, n);
  else fprintf(stderr, "[%s] %s: %.*s\n", ctx->actor, level, (int)n, (const char *)req);
  return TEA_OK;
}

static const tea_provider_ops log_ops = {.capability = TEA_CAP_LOG, .call = log_call, .destroy = free};

tea_code tea_provider_log_new(tea_log_sink sink, void *user, size_t max_line, tea_provider **out, tea_error *err) {
  log_provider *l = calloc(1, sizeof *l);
  if (!l) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  l->sink = sink;
  l->user = user;
  l->max_line = max_line ? max_line : 4096;
  return tea_provider_make(&log_ops, l, out, err);
}
