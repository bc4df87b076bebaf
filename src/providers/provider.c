/* What every provider shares: wrapping, answers, request splitting. */
#include <stdlib.h>
#include <string.h>

#include "providers/common.h"

void tea_provider_free(tea_provider *p) {
  if (!p) return;
  if (p->ops && p->ops->destroy) p->ops->destroy(p->self);
  free(p);
}

tea_code tea_provider_make(const tea_provider_ops *ops, void *self, tea_provider **out, tea_error *err) {
  *out = NULL;
  tea_provider *p = malloc(sizeof *p);
  if (!p) {
    if (ops->destroy) ops->destroy(self);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  p->ops = ops;
  p->self = self;
  *out = p;
  return TEA_OK;
}

tea_code tea_provider_answer(const void *data, size_t n, uint8_t **resp, size_t *resp_len, tea_error *err) {
  *resp = NULL;
  *resp_len = 0;
  if (!n) return TEA_OK;
  if (!(*resp = malloc(n))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  memcpy(*resp, data, n);
  *resp_len = n;
  return TEA_OK;
}

tea_code tea_provider_split(const uint8_t *req, size_t n, char **head, const uint8_t **tail, size_t *tail_len,
                            bool need_nul, tea_error *err) {
  const uint8_t *nul = n ? memchr(req, 0, n) : NULL;
  if (!nul && need_nul) return tea_fail(err, TEA_ERR_ARG, "request needs a NUL separator");
  size_t hl = nul ? (size_t)(nul - req) : n;
  if (!(*head = malloc(hl + 1))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (hl) memcpy(*head, req, hl);
  (*head)[hl] = 0;
  *tail = nul ? nul + 1 : req + n;
  *tail_len = nul ? n - hl - 1 : 0;
  return TEA_OK;
}
