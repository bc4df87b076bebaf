/* tea:random: random bytes for actors (libsodium). The answers are recorded
 * in the transcript like any host call, which is what makes a run with
 * randomness replayable. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "providers/common.h"

typedef struct random_provider {
  size_t max_bytes;
} random_provider;

static tea_code parse_count(const uint8_t *req, size_t n, size_t *count, tea_error *err) {
  if (n == 4) { /* u32 little endian, as WASI's random_get arrives */
    *count = (size_t)req[0] | (size_t)req[1] << 8 | (size_t)req[2] << 16 | (size_t)req[3] << 24;
    return TEA_OK;
  }
  if (n == 0 || n > 9) return tea_fail(err, TEA_ERR_ARG, "tea:random wants a byte count");
  size_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (req[i] < '0' || req[i] > '9') return tea_fail(err, TEA_ERR_ARG, "tea:random: count is not decimal");
    v = v * 10 + (size_t)(req[i] - '0');
  }
  *count = v;
  return TEA_OK;
}

static tea_code random_call(void *self, void *session, const tea_provider_ctx *ctx, const char *op,
                            const uint8_t *req, size_t req_len, uint8_t **resp, size_t *resp_len, tea_error *err) {
  (void)session, (void)ctx;
  random_provider *r = self;
  *resp = NULL;
  *resp_len = 0;
  if (strcmp(op, "bytes") != 0) return tea_fail(err, TEA_ERR_ARG, "tea:random has no operation %s", op);
  size_t n = 0;
  tea_code rc = parse_count(req, req_len, &n, err);
  if (rc != TEA_OK) return rc;
  if (n > r->max_bytes) return tea_fail(err, TEA_ERR_LIMIT, "tea:random: %zu bytes is over the limit of %zu", n, r->max_bytes);
  if (!n) return TEA_OK;
  if (!(*resp = malloc(n))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  randombytes_buf(*resp, n);
  *resp_len = n;
  return TEA_OK;
}

static const tea_provider_ops random_ops = {.capability = TEA_CAP_RANDOM, .call = random_call, .destroy = free};

tea_code tea_provider_random_new(size_t max_bytes, tea_provider **out, tea_error *err) {
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to start");
  random_provider *r = calloc(1, sizeof *r);
  if (!r) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  r->max_bytes = max_bytes ? max_bytes : 65536;
  return tea_provider_make(&random_ops, r, out, err);
}
