/* tea:clock: time for actors. Every answer is a host call, so it lands in the
 * transcript and a replay sees the same time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers/common.h"

typedef struct clock_provider {
  tea_clock_source source;
  void *user;
} clock_provider;

static tea_code system_clock(uint32_t id, bool resolution, uint64_t *ns, tea_error *err) {
  static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
  if (id > 3) return tea_fail(err, TEA_ERR_ARG, "unknown clock %u", id);
  struct timespec ts;
  if ((resolution ? clock_getres(ids[id], &ts) : clock_gettime(ids[id], &ts)) != 0)
    return tea_fail(err, TEA_ERR_IO, "clock %u unavailable", id);
  *ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  return TEA_OK;
}

static tea_code read_id(const uint8_t *req, size_t n, uint32_t *id, tea_error *err) {
  if (n != 4) return tea_fail(err, TEA_ERR_ARG, "clock id must be 4 bytes (u32 little endian)");
  *id = (uint32_t)req[0] | (uint32_t)req[1] << 8 | (uint32_t)req[2] << 16 | (uint32_t)req[3] << 24;
  return TEA_OK;
}

static tea_code clock_call(void *self, void *session, const tea_provider_ctx *ctx, const char *op,
                           const uint8_t *req, size_t req_len, uint8_t **resp, size_t *resp_len, tea_error *err) {
  (void)session, (void)ctx;
  clock_provider *c = self;
  *resp = NULL;
  *resp_len = 0;
  uint32_t id = 0;
  bool res = false, text = false;
  tea_code rc = TEA_OK;
  if (strcmp(op, "now") == 0) text = true;
  else if (strcmp(op, "clock_time_get") == 0 || (res = strcmp(op, "clock_res_get") == 0)) {
    if ((rc = read_id(req, req_len, &id, err)) != TEA_OK) return rc;
  } else return tea_fail(err, TEA_ERR_ARG, "tea:clock has no operation %s", op);
  uint64_t ns = 0;
  rc = TEA_OK;
  if (res) {
    if (c->source) ns = 1; /* a fixed source ticks in nanoseconds */
    else rc = system_clock(id, true, &ns, err);
  } else if (c->source) {
    if (c->source(c->user, id, &ns) != TEA_OK) return tea_fail(err, TEA_ERR_IO, "clock source failed");
  } else {
    rc = system_clock(id, false, &ns, err);
  }
  if (rc != TEA_OK) return rc;
  if (text) {
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)ns);
    return tea_provider_answer(buf, (size_t)n, resp, resp_len, err);
  }
  uint8_t le[8];
  for (int i = 0; i < 8; i++) le[i] = (uint8_t)(ns >> (8 * i));
  return tea_provider_answer(le, 8, resp, resp_len, err);
}

static const tea_provider_ops clock_ops = {.capability = TEA_CAP_CLOCK, .call = clock_call, .destroy = free};

tea_code tea_provider_clock_new(tea_clock_source source, void *user, tea_provider **out, tea_error *err) {
  clock_provider *c = calloc(1, sizeof *c);
  if (!c) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  c->source = source;
  c->user = user;
  return tea_provider_make(&clock_ops, c, out, err);
}
