/* libFuzzer target: CID text and binary parsing, multibase, varints, dag-pb links.
 * Properties: never crashes; every accepted CID prints and re-parses to itself, and an
 * accepted canonical string ("b..." v1 or "Qm..." v0) prints back byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tea/cas.h"

static tea_code count_link(void *ctx, const tea_cid *cid, uint64_t tsize, tea_error *err) {
  (void)cid;
  (void)tsize;
  (void)err;
  ++*(size_t *)ctx;
  return TEA_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tea_cid c, d;
  char s[TEA_CID_STR_MAX];
  tea_error err;
  if (tea_cid_parse((const char *)data, size, &c, &err) == TEA_OK) {
    if (tea_cid_format(&c, s, &err)) abort();
    if (tea_cid_parse_cstr(s, &d, &err) || !tea_cid_equal(&c, &d)) abort();
    if (size && (data[0] == 'b' || data[0] == 'Q') && (strlen(s) != size || memcmp(s, data, size) != 0)) abort();
  }
  size_t used;
  if (tea_cid_decode(data, size, &c, &used, &err) == TEA_OK) {
    uint8_t bin[TEA_CID_MAX_BYTES];
    size_t n = tea_cid_encode(&c, bin);
    if (used > size || n != used || memcmp(bin, data, n) != 0) abort();
  }
  uint64_t v;
  if (tea_uvarint_decode(data, size, &v, &used, &err) == TEA_OK) {
    uint8_t b[TEA_UVARINT_MAX];
    if (tea_uvarint_encode(v, b) != used || memcmp(b, data, used) != 0) abort();
  }
  uint8_t out[512];
  size_t n;
  tea_multibase base;
  if (tea_multibase_decode((const char *)data, size, &base, out, sizeof out, &n, &err) == TEA_OK && n <= TEA_BASE58_MAX) {
    char txt[1024];
    if (tea_multibase_encode(base, out, n, txt, sizeof txt, &err)) abort();
    if (strlen(txt) != size || memcmp(txt, data, size) != 0) abort();
  }
  size_t links = 0;
  (void)tea_dagpb_links(data, size, count_link, &links, &err);
  return 0;
}
