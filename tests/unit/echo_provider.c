/* A native provider plugin for the plugin loader's test: "tea:echo" answers
 * "CONFIG:REQUEST". */
#include <stdlib.h>
#include <string.h>

#include "tea/provider.h"

static tea_code echo_call(void *self, void *session, const tea_provider_ctx *ctx, const char *op, const uint8_t *req,
                          size_t req_len, uint8_t **resp, size_t *resp_len, tea_error *err) {
  (void)session, (void)ctx, (void)op, (void)err;
  const char *cfg = self;
  size_t cl = strlen(cfg);
  *resp = malloc(cl + 1 + req_len);
  if (!*resp) return TEA_ERR_NOMEM;
  memcpy(*resp, cfg, cl);
  (*resp)[cl] = ':';
  if (req_len) memcpy(*resp + cl + 1, req, req_len);
  *resp_len = cl + 1 + req_len;
  return TEA_OK;
}

static const tea_provider_ops echo_ops = {.capability = "tea:echo", .call = echo_call, .destroy = free};

tea_code tea_provider_plugin_init(const char *config, const tea_provider_ops **ops, void **self, tea_error *err);
tea_code tea_provider_plugin_init(const char *config, const tea_provider_ops **ops, void **self, tea_error *err) {
  (void)err;
  *self = strdup(config ? config : "");
  *ops = &echo_ops;
  return *self ? TEA_OK : TEA_ERR_NOMEM;
}
