/* libFuzzer target: host-call transcripts as replay reads them. Properties:
 * never crashes; an accepted transcript encodes back to exactly its input
 * (there is one encoding of each transcript, which is what its hash relies
 * on). The host's transcript file is compiled in directly (see fuzz_claims.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/host/transcript.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tea_transcript t;
  tea_error err;
  if (tea_transcript_decode(data, size, &t, &err) != TEA_OK) return 0;
  uint8_t *out;
  size_t n;
  if (tea_transcript_encode(&t, &out, &n, &err) != TEA_OK) abort();
  if (n != size || memcmp(out, data, n) != 0) abort();
  free(out);
  tea_transcript_free(&t);
  return 0;
}
