/* Multibase: base32 (RFC 4648, lower case, no padding) and base58btc. Decoders accept
 * exactly one text form per byte string, so a CID string can be compared as text. */
#include "tea/cas.h"

#include <string.h>

static const char b32_alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char b58_alpha[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

size_t tea_base32_encoded_len(size_t n) { return (n * 8 + 4) / 5; }

tea_code tea_base32_encode(const uint8_t *in, size_t n, char *out, size_t cap, tea_error *err) {
  if (n > (SIZE_MAX - 4) / 8) return tea_fail(err, TEA_ERR_LIMIT, "base32: input too large");
  size_t need = tea_base32_encoded_len(n) + 1;
  if (cap < need) return tea_fail(err, TEA_ERR_LIMIT, "base32: output needs %zu bytes, have %zu", need, cap);
  size_t w = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    acc = (acc << 8 | in[i]) & 0xfff; /* at most 12 live bits */
    bits += 8;
    while (bits >= 5) {
      out[w++] = b32_alpha[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits) out[w++] = b32_alpha[(acc << (5 - bits)) & 31];
  out[w] = '\0';
  return TEA_OK;
}

static int b32_val(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

tea_code tea_base32_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len,
                           tea_error *err) {
  /* Lengths 1, 3 and 6 (mod 8) leave 5 or more dangling bits: no byte string encodes so. */
  size_t rem = n % 8;
  if (rem == 1 || rem == 3 || rem == 6) return tea_fail(err, TEA_ERR_MALFORMED, "base32: impossible length %zu", n);
  size_t bytes = n / 8 * 5 + rem * 5 / 8;
  if (bytes > cap) return tea_fail(err, TEA_ERR_LIMIT, "base32: %zu bytes do not fit in %zu", bytes, cap);
  uint32_t acc = 0;
  int bits = 0;
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b32_val(in[i]);
    if (v < 0) return tea_fail(err, TEA_ERR_MALFORMED, "base32: bad character at offset %zu", i);
    acc = (acc << 5 | (uint32_t)v) & 0xfff; /* at most 12 live bits */
    bits += 5;
    if (bits >= 8) {
      out[w++] = (uint8_t)(acc >> (bits - 8));
      bits -= 8;
    }
  }
  if (acc & ((1u << bits) - 1))
    return tea_fail(err, TEA_ERR_MALFORMED, "base32: non-zero trailing bits (non-canonical)");
  *out_len = w;
  return TEA_OK;
}

tea_code tea_base58_encode(const uint8_t *in, size_t n, char *out, size_t cap, tea_error *err) {
  if (n > TEA_BASE58_MAX) return tea_fail(err, TEA_ERR_LIMIT, "base58: input of %zu bytes too long", n);
  size_t zeros = 0;
  while (zeros < n && in[zeros] == 0) zeros++;
  /* log(256)/log(58) < 1.37: digits needed for the rest. */
  uint8_t digits[TEA_BASE58_MAX * 138 / 100 + 1];
  size_t nd = 0;
  for (size_t i = zeros; i < n; i++) {
    uint32_t carry = in[i];
    for (size_t j = 0; j < nd; j++) {
      carry += (uint32_t)digits[j] << 8;
      digits[j] = (uint8_t)(carry % 58);
      carry /= 58;
    }
    while (carry) {
      digits[nd++] = (uint8_t)(carry % 58);
      carry /= 58;
    }
  }
  size_t need = zeros + nd + 1;
  if (cap < need) return tea_fail(err, TEA_ERR_LIMIT, "base58: output needs %zu bytes, have %zu", need, cap);
  size_t w = 0;
  for (size_t i = 0; i < zeros; i++) out[w++] = '1';
  while (nd) out[w++] = b58_alpha[digits[--nd]];
  out[w] = '\0';
  return TEA_OK;
}

static int b58_val(char c) {
  const char *p = c ? strchr(b58_alpha, c) : NULL;
  return p ? (int)(p - b58_alpha) : -1;
}

tea_code tea_base58_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len,
                           tea_error *err) {
  if (n > TEA_BASE58_MAX * 2) return tea_fail(err, TEA_ERR_LIMIT, "base58: input of %zu chars too long", n);
  size_t ones = 0;
  while (ones < n && in[ones] == '1') ones++;
  uint8_t bytes[TEA_BASE58_MAX * 2]; /* little-endian; 58 < 256 so never more bytes than chars */
  size_t nb = 0;
  for (size_t i = ones; i < n; i++) {
    int v = b58_val(in[i]);
    if (v < 0) return tea_fail(err, TEA_ERR_MALFORMED, "base58: bad character at offset %zu", i);
    uint32_t carry = (uint32_t)v;
    for (size_t j = 0; j < nb; j++) {
      carry += (uint32_t)bytes[j] * 58;
      bytes[j] = (uint8_t)carry;
      carry >>= 8;
    }
    while (carry) {
      bytes[nb++] = (uint8_t)carry;
      carry >>= 8;
    }
  }
  size_t total = ones + nb;
  if (total > cap) return tea_fail(err, TEA_ERR_LIMIT, "base58: %zu bytes do not fit in %zu", total, cap);
  memset(out, 0, ones);
  for (size_t i = 0; i < nb; i++) out[ones + i] = bytes[nb - 1 - i];
  *out_len = total;
  return TEA_OK;
}

tea_code tea_multibase_encode(tea_multibase base, const uint8_t *in, size_t n, char *out, size_t cap,
                              tea_error *err) {
  if (cap < 2) return tea_fail(err, TEA_ERR_LIMIT, "multibase: output buffer too small");
  out[0] = (char)base;
  switch (base) {
  case TEA_BASE32: return tea_base32_encode(in, n, out + 1, cap - 1, err);
  case TEA_BASE58BTC: return tea_base58_encode(in, n, out + 1, cap - 1, err);
  }
  return tea_fail(err, TEA_ERR_UNSUPPORTED, "multibase: unsupported base");
}

tea_code tea_multibase_decode(const char *in, size_t n, tea_multibase *base, uint8_t *out, size_t cap,
                              size_t *out_len, tea_error *err) {
  if (n < 1) return tea_fail(err, TEA_ERR_MALFORMED, "multibase: empty string");
  switch (in[0]) {
  case 'b':
    *base = TEA_BASE32;
    return tea_base32_decode(in + 1, n - 1, out, cap, out_len, err);
  case 'z':
    *base = TEA_BASE58BTC;
    return tea_base58_decode(in + 1, n - 1, out, cap, out_len, err);
  default:
    return tea_fail(err, TEA_ERR_UNSUPPORTED, "multibase: unsupported prefix 0x%02x", (unsigned char)in[0]);
  }
}
