/* libFuzzer target: the deterministic CBOR decoder.
 * Properties: never crashes; anything the validator accepts can be walked with the
 * reader and re-encoded through the encoder to exactly the same bytes (there is only
 * one encoding of each value, and the encoder produces it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tea/cbor.h"

static int reencode(tea_cbor_reader *r, tea_cbor_enc *e, int depth) {
  tea_cbor_type t;
  if (depth > TEA_CBOR_MAX_DEPTH + 1 || tea_cbor_peek(r, &t, NULL)) return -1;
  uint64_t u, n;
  int64_t i;
  const uint8_t *p;
  const char *s;
  size_t len;
  bool b;
  switch (t) {
  case TEA_CBOR_UINT:
    if (tea_cbor_read_uint(r, &u, NULL)) return -1;
    return tea_cbor_put_uint(e, u) ? -1 : 0;
  case TEA_CBOR_NEGINT:
    if (tea_cbor_read_int(r, &i, NULL)) {
      /* outside int64: carry the raw item over instead */
      if (tea_cbor_skip(r, &p, &len, NULL)) return -1;
      return tea_cbor_put_raw(e, p, len) ? -1 : 0;
    }
    return tea_cbor_put_int(e, i) ? -1 : 0;
  case TEA_CBOR_BYTES:
    if (tea_cbor_read_bytes(r, &p, &len, NULL)) return -1;
    return tea_cbor_put_bytes(e, p, len) ? -1 : 0;
  case TEA_CBOR_TEXT:
    if (tea_cbor_read_text(r, &s, &len, NULL)) return -1;
    return tea_cbor_put_text(e, s, len) ? -1 : 0;
  case TEA_CBOR_BOOL:
    if (tea_cbor_read_bool(r, &b, NULL)) return -1;
    return tea_cbor_put_bool(e, b) ? -1 : 0;
  case TEA_CBOR_NULL:
    if (tea_cbor_read_null(r, NULL)) return -1;
    return tea_cbor_put_null(e) ? -1 : 0;
  case TEA_CBOR_TAG:
    if (tea_cbor_read_tag(r, &u, NULL) || tea_cbor_put_tag(e, u)) return -1;
    return reencode(r, e, depth + 1);
  case TEA_CBOR_ARRAY:
    if (tea_cbor_read_array(r, &n, NULL) || tea_cbor_begin_array(e, n)) return -1;
    for (uint64_t k = 0; k < n; k++)
      if (reencode(r, e, depth + 1)) return -1;
    return tea_cbor_end(e) ? -1 : 0;
  case TEA_CBOR_MAP:
    if (tea_cbor_read_map(r, &n, NULL) || tea_cbor_begin_map(e, n)) return -1;
    for (uint64_t k = 0; k < 2 * n; k++)
      if (reencode(r, e, depth + 1)) return -1;
    return tea_cbor_end(e) ? -1 : 0;
  }
  return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t plen;
  tea_error err;
  if (tea_cbor_validate_prefix(data, size, &plen, &err) == TEA_OK && plen > size) abort();
  tea_cbor_reader r;
  if (tea_cbor_reader_init(&r, data, size, &err) != TEA_OK) return 0;
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  if (reencode(&r, &e, 0) || !tea_cbor_at_end(&r)) abort();
  uint8_t *out;
  size_t n;
  if (tea_cbor_enc_finish(&e, &out, &n, &err)) abort();
  if (n != size || memcmp(out, data, size) != 0) abort();
  free(out);
  tea_cbor_enc_free(&e);
  /* skipping the whole item lands at the end too */
  tea_cbor_reader_init(&r, data, size, NULL);
  if (tea_cbor_skip(&r, NULL, NULL, NULL) || !tea_cbor_at_end(&r)) abort();
  return 0;
}
