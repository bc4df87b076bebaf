/* nkeys, the key text form wasmCloud uses, so claims signed here and by
 * wasmCloud's tools read the same: RFC 4648 base32 (upper case, no padding)
 * of a prefix byte, the 32-byte Ed25519 key and a CRC-16 (XMODEM, little
 * endian). Seeds carry two prefix bytes (seed marker plus the key's kind). */
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "tea/cas.h"
#include "tea/host.h"

#define PREFIX_SEED (18u << 3)
#define PREFIX_ACCOUNT 0u
#define PREFIX_MODULE (12u << 3)

static uint16_t crc16(const uint8_t *p, size_t n) {
  uint16_t crc = 0;
  for (size_t i = 0; i < n; i++) {
    crc ^= (uint16_t)(p[i] << 8);
    for (int b = 0; b < 8; b++) crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

static uint8_t prefix_of(tea_nkey_kind kind) {
  return kind == TEA_NKEY_MODULE ? PREFIX_MODULE : PREFIX_ACCOUNT;
}

static void encode(const uint8_t *raw, size_t n, char *out, size_t cap) {
  uint8_t buf[40];
  memcpy(buf, raw, n);
  uint16_t crc = crc16(buf, n);
  buf[n] = (uint8_t)crc;
  buf[n + 1] = (uint8_t)(crc >> 8);
  tea_error err;
  /* cannot fail: the sizes are fixed and the buffers fit them */
  if (tea_base32_encode(buf, n + 2, out, cap, &err) != TEA_OK) out[0] = 0;
  for (char *c = out; *c; c++) *c = (char)toupper((unsigned char)*c);
}

/* Decodes and checks the CRC; *n gets the payload length (without CRC). */
static tea_code decode(const char *text, size_t want_len, uint8_t *raw, size_t *n, tea_error *err) {
  size_t len = strnlen(text, want_len + 1);
  if (len != want_len) return tea_fail(err, TEA_ERR_MALFORMED, "key must be %zu characters", want_len);
  char lower[TEA_NKEY_SEED_LEN + 1];
  for (size_t i = 0; i < len; i++) {
    if (!isupper((unsigned char)text[i]) && !(text[i] >= '2' && text[i] <= '7'))
      return tea_fail(err, TEA_ERR_MALFORMED, "key is not upper-case base32");
    lower[i] = (char)tolower((unsigned char)text[i]);
  }
  size_t got;
  if (tea_base32_decode(lower, len, raw, 40, &got, err) != TEA_OK || got < 3)
    return tea_fail(err, TEA_ERR_MALFORMED, "key is not valid base32");
  uint16_t crc = (uint16_t)(raw[got - 2] | raw[got - 1] << 8);
  if (crc16(raw, got - 2) != crc) return tea_fail(err, TEA_ERR_MALFORMED, "key checksum mismatch");
  *n = got - 2;
  return TEA_OK;
}

static tea_code from_seed_bytes(tea_nkey_kind kind, const uint8_t seed[32], tea_keypair *kp,
                                tea_error *err) {
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to start");
  kp->kind = kind;
  memcpy(kp->seed, seed, 32);
  if (crypto_sign_seed_keypair(kp->pk, kp->sk, kp->seed) != 0)
    return tea_fail(err, TEA_ERR_CRYPTO, "cannot derive a key pair");
  return TEA_OK;
}

tea_code tea_keypair_generate(tea_nkey_kind kind, tea_keypair *kp, tea_error *err) {
  if (kind != TEA_NKEY_ACCOUNT && kind != TEA_NKEY_MODULE)
    return tea_fail(err, TEA_ERR_ARG, "unknown key kind");
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to start");
  uint8_t seed[32];
  randombytes_buf(seed, sizeof seed);
  tea_code rc = from_seed_bytes(kind, seed, kp, err);
  sodium_memzero(seed, sizeof seed);
  return rc;
}

tea_code tea_keypair_from_seed(const char *text, tea_keypair *kp, tea_error *err) {
  uint8_t raw[40];
  size_t n;
  tea_code rc = decode(text, TEA_NKEY_SEED_LEN, raw, &n, err);
  if (rc != TEA_OK) return rc;
  if (n != 34 || (raw[0] & 0xf8) != PREFIX_SEED)
    return tea_fail(err, TEA_ERR_MALFORMED, "not a seed (seeds start with S)");
  uint8_t prefix = (uint8_t)(((raw[0] & 7) << 5) | ((raw[1] & 0xf8) >> 3));
  tea_nkey_kind kind;
  if (prefix == PREFIX_ACCOUNT) kind = TEA_NKEY_ACCOUNT;
  else if (prefix == PREFIX_MODULE) kind = TEA_NKEY_MODULE;
  else return tea_fail(err, TEA_ERR_MALFORMED, "seed is neither an account nor a module seed");
  rc = from_seed_bytes(kind, raw + 2, kp, err);
  sodium_memzero(raw, sizeof raw);
  return rc;
}

void tea_nkey_encode_public(tea_nkey_kind kind, const uint8_t pk[32], char out[TEA_NKEY_LEN + 1]) {
  uint8_t raw[33];
  raw[0] = prefix_of(kind);
  memcpy(raw + 1, pk, 32);
  encode(raw, sizeof raw, out, TEA_NKEY_LEN + 1);
}

void tea_keypair_public(const tea_keypair *kp, char out[TEA_NKEY_LEN + 1]) {
  tea_nkey_encode_public(kp->kind, kp->pk, out);
}

void tea_keypair_seed(const tea_keypair *kp, char out[TEA_NKEY_SEED_LEN + 1]) {
  uint8_t raw[34];
  uint8_t prefix = prefix_of(kp->kind);
  raw[0] = (uint8_t)(PREFIX_SEED | prefix >> 5);
  raw[1] = (uint8_t)((prefix & 31) << 3);
  memcpy(raw + 2, kp->seed, 32);
  encode(raw, sizeof raw, out, TEA_NKEY_SEED_LEN + 1);
  sodium_memzero(raw, sizeof raw);
}

tea_code tea_nkey_decode_public(const char *text, tea_nkey_kind kind, uint8_t pk[32], tea_error *err) {
  uint8_t raw[40];
  size_t n;
  if (!text) return tea_fail(err, TEA_ERR_MALFORMED, "missing key");
  tea_code rc = decode(text, TEA_NKEY_LEN, raw, &n, err);
  if (rc != TEA_OK) return rc;
  if (n != 33 || raw[0] != prefix_of(kind))
    return tea_fail(err, TEA_ERR_MALFORMED, "not %s public key (want prefix %c)",
                    kind == TEA_NKEY_MODULE ? "a module" : "an account", (char)kind);
  memcpy(pk, raw + 1, 32);
  return TEA_OK;
}
