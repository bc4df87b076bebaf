/* tea: SHA-256 (Nettle, which uses the CPU's SHA instructions), hex and base64url. */
#ifndef TEA_HASH_H
#define TEA_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/error.h"

#define TEA_SHA256_LEN 32

/* Streaming context, kept by value (no allocation): Nettle's SHA-256 state,
 * opaque so that callers need no Nettle headers. Ending it with
 * tea_sha256_final or tea_sha256_abort is optional; after either, update and
 * final fail until the next init. */
typedef struct tea_sha256_ctx {
  _Alignas(8) unsigned char state[128];
  bool live;
} tea_sha256_ctx;

/* One-shot digest of n bytes (n may be 0 with data NULL). */
tea_code tea_sha256(const void *data, size_t n, uint8_t out[TEA_SHA256_LEN], tea_error *err);

tea_code tea_sha256_init(tea_sha256_ctx *ctx, tea_error *err);
tea_code tea_sha256_update(tea_sha256_ctx *ctx, const void *data, size_t n, tea_error *err);
/* Writes the digest and ends the context (also on failure). */
tea_code tea_sha256_final(tea_sha256_ctx *ctx, uint8_t out[TEA_SHA256_LEN], tea_error *err);
/* Ends the context without producing a digest; safe on a zeroed or finished context. */
void tea_sha256_abort(tea_sha256_ctx *ctx);

/* Lower-case hex of n bytes into out, which must hold 2n+1 chars (NUL-terminated). */
void tea_hex_encode(const uint8_t *in, size_t n, char *out);
/* Decodes exactly len hex chars (either case, len even) into out (cap bytes);
 * *out_len gets len/2. Rejects odd length, non-hex chars and a short buffer. */
tea_code tea_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                        tea_error *err);
/* base64url without padding (RFC 4648 section 5) of n bytes: a malloc'd,
 * NUL-terminated string, or NULL when out of memory. Not constant-time: for
 * public data (receipts), not for keys. */
char *tea_base64url_encode(const uint8_t *in, size_t n);

#endif
