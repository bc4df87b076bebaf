/* libFuzzer target: signed verdicts.
 * Properties: never crashes; a verdict that decodes (and so carries a valid signature)
 * re-encodes to exactly the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tea/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tea_verdict v;
  tea_error err;
  if (tea_verdict_decode(data, size, &v, &err) != TEA_OK) return 0;
  uint8_t *out;
  size_t n;
  if (tea_verdict_encode(&v, &out, &n, &err) != TEA_OK) abort();
  if (n != size || memcmp(out, data, size) != 0) abort();
  free(out);
  return 0;
}
