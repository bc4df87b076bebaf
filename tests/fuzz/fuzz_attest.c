/* libFuzzer target: the TPMS_ATTEST (quote) parser.
 * Properties: never crashes or reads past the input; whatever parses re-marshals
 * (tea_attest_build) to bytes that parse to the same fields; and a quote check with
 * a fixed key never passes on fuzzed bytes (a forged signature is refused). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tea/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tea_attest_info a, b;
  tea_error err;
  if (tea_attest_parse(data, size, &a, &err) != TEA_OK) return 0;
  uint8_t buf[TEA_ATTEST_MAX];
  size_t n;
  if (tea_attest_build(&a, buf, sizeof buf, &n, &err) != TEA_OK) abort();
  if (tea_attest_parse(buf, n, &b, &err) != TEA_OK) abort();
  if (memcmp(&a, &b, sizeof a) != 0) abort();
  /* the input differs from the re-marshalled bytes only in a 4-byte PCR select */
  if (n != size && n + 1 != size) abort();

  tea_quote q;
  memset(&q, 0, sizeof q);
  q.alg = TEA_AK_ED25519;
  memcpy(q.attest, data, size);
  q.attest_len = size;
  q.sig_len = 64;
  tea_ak ak;
  memset(&ak, 0, sizeof ak);
  ak.alg = TEA_AK_ED25519;
  ak.len = 32;
  ak.pub[0] = 1;
  uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN];
  memset(pcrs, 0, sizeof pcrs);
  if (tea_quote_verify(&q, &ak, a.extra, a.extra_len, (const uint8_t(*)[TEA_SHA256_LEN])pcrs, NULL, &err) == TEA_OK)
    abort();
  return 0;
}
