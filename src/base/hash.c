#include "tea/hash.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* EVP_sha256() makes OpenSSL 3 look the algorithm up on every call (a
 * microsecond, more than hashing a receipt): fetch it once. */
static EVP_MD *fetched;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static void fetch_sha256(void) { fetched = EVP_MD_fetch(NULL, "SHA256", NULL); }
static const EVP_MD *sha256_md(void) {
  pthread_once(&fetch_once, fetch_sha256);
  return fetched ? fetched : EVP_sha256();
}

/* Digest contexts are reused: making one (EVP_MD_CTX_new, then the
 * provider's own context) costs more than hashing a receipt, and the node
 * hashes several times per call. Each thread keeps one spare, freed when the
 * thread ends. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static void spare_free(void *md) { EVP_MD_CTX_free(md); }
static void spare_init(void) { pthread_key_create(&spare_key, spare_free); }

static EVP_MD_CTX *ctx_take(void) {
  pthread_once(&spare_once, spare_init);
  EVP_MD_CTX *md = pthread_getspecific(spare_key);
  if (md) {
    pthread_setspecific(spare_key, NULL);
    return md;
  }
  return EVP_MD_CTX_new();
}

static void ctx_give_back(EVP_MD_CTX *md) {
  if (!md) return;
  if (pthread_getspecific(spare_key) || pthread_setspecific(spare_key, md) != 0) EVP_MD_CTX_free(md);
}

tea_code tea_sha256(const void *data, size_t n, uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  if (!data && n) return tea_fail(err, TEA_ERR_ARG, "sha256: NULL data with length %zu", n);
  tea_sha256_ctx c;
  tea_code rc = tea_sha256_init(&c, err);
  if (rc == TEA_OK) rc = tea_sha256_update(&c, data, n, err);
  if (rc != TEA_OK) {
    tea_sha256_abort(&c);
    return rc;
  }
  return tea_sha256_final(&c, out, err);
}

tea_code tea_sha256_init(tea_sha256_ctx *ctx, tea_error *err) {
  if (!ctx) return tea_fail(err, TEA_ERR_ARG, "sha256: NULL context");
  EVP_MD_CTX *md = ctx_take();
  if (!md) {
    ctx->md = NULL;
    return tea_fail(err, TEA_ERR_NOMEM, "sha256: cannot allocate digest context");
  }
  if (!EVP_DigestInit_ex(md, sha256_md(), NULL)) {
    EVP_MD_CTX_free(md);
    ctx->md = NULL;
    return tea_fail(err, TEA_ERR_CRYPTO, "sha256: EVP_DigestInit_ex failed");
  }
  ctx->md = md;
  return TEA_OK;
}

tea_code tea_sha256_update(tea_sha256_ctx *ctx, const void *data, size_t n, tea_error *err) {
  if (!ctx || !ctx->md) return tea_fail(err, TEA_ERR_STATE, "sha256: context not initialised");
  if (n == 0) return TEA_OK;
  if (!data) return tea_fail(err, TEA_ERR_ARG, "sha256: NULL data with length %zu", n);
  if (!EVP_DigestUpdate((EVP_MD_CTX *)ctx->md, data, n))
    return tea_fail(err, TEA_ERR_CRYPTO, "sha256: EVP_DigestUpdate failed");
  return TEA_OK;
}

tea_code tea_sha256_final(tea_sha256_ctx *ctx, uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  if (!ctx || !ctx->md) return tea_fail(err, TEA_ERR_STATE, "sha256: context not initialised");
  unsigned int len = 0;
  int ok = EVP_DigestFinal_ex((EVP_MD_CTX *)ctx->md, out, &len);
  tea_sha256_abort(ctx);
  if (!ok || len != TEA_SHA256_LEN) return tea_fail(err, TEA_ERR_CRYPTO, "sha256: EVP_DigestFinal_ex failed");
  return TEA_OK;
}

void tea_sha256_abort(tea_sha256_ctx *ctx) {
  if (!ctx) return;
  ctx_give_back((EVP_MD_CTX *)ctx->md); /* NULL-safe */
  ctx->md = NULL;
}

void tea_hex_encode(const uint8_t *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

/* Two output characters per table lookup: 12 input bits at a time. */
static char b64_pairs[4096][2];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;
static const char b64_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64_init(void) {
  for (unsigned i = 0; i < 4096; i++) {
    b64_pairs[i][0] = b64_digits[i >> 6];
    b64_pairs[i][1] = b64_digits[i & 63];
  }
}

char *tea_base64url_encode(const uint8_t *in, size_t n) {
  pthread_once(&b64_once, b64_init);
  char *out = malloc(n / 3 * 4 + 4);
  if (!out) return NULL;
  char *o = out;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    memcpy(o, b64_pairs[v >> 12], 2);
    memcpy(o + 2, b64_pairs[v & 4095], 2);
    o += 4;
  }
  if (n - i == 1) {
    o[0] = b64_digits[in[i] >> 2];
    o[1] = b64_digits[(in[i] & 3) << 4];
    o += 2;
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
    o[0] = b64_digits[v >> 10];
    o[1] = b64_digits[v >> 4 & 63];
    o[2] = b64_digits[(v & 15) << 2];
    o += 3;
  }
  *o = '\0';
  return out;
}

static int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

tea_code tea_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                        tea_error *err) {
  if (len % 2) return tea_fail(err, TEA_ERR_MALFORMED, "hex: odd length %zu", len);
  if (len / 2 > cap) return tea_fail(err, TEA_ERR_LIMIT, "hex: %zu bytes do not fit in %zu", len / 2, cap);
  for (size_t i = 0; i < len; i += 2) {
    int hi = hex_val(in[i]), lo = hex_val(in[i + 1]);
    if (hi < 0 || lo < 0)
      return tea_fail(err, TEA_ERR_MALFORMED, "hex: bad character at offset %zu", hi < 0 ? i : i + 1);
    out[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  if (out_len) *out_len = len / 2;
  return TEA_OK;
}
