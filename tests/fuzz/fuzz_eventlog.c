/* libFuzzer target: event log decoding and replay.
 * Properties: never crashes; a decoded log re-encodes to exactly the input (one
 * encoding per log) and replays without error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tea/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tea_eventlog log;
  tea_error err;
  if (tea_eventlog_decode(data, size, &log, &err) != TEA_OK) return 0;
  uint8_t *out;
  size_t n;
  if (tea_eventlog_encode(&log, &out, &n, &err) != TEA_OK) abort();
  if (n != size || memcmp(out, data, size) != 0) abort();
  free(out);
  uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN];
  uint32_t mask;
  if (tea_eventlog_replay(&log, pcrs, &mask, &err) != TEA_OK) abort();
  if (log.n && !mask) abort();
  tea_eventlog_free(&log);
  return 0;
}
