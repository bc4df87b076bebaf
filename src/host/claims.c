/* Signed claims as waSCC/wasmCloud write them: a JWT (header.payload.sig,
 * base64url without padding) in the custom section "jwt", header
 * {"typ":"jwt","alg":"Ed25519"}, signed with the issuer's Ed25519 key over
 * "header.payload". Parsing is strict and every check fails closed: a field
 * of the wrong type, a duplicate key or a missing part is a refusal. */
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "host/internal.h"
#include "tea/hash.h"

#define MAX_JWT (64 * 1024)
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* ---- module hash ---------------------------------------------------------- */

static tea_code hash_one(void *c, uint8_t id, const uint8_t *sec, size_t sec_len, const char *name,
                         size_t name_len, const uint8_t *payload, size_t payload_len, tea_error *err) {
  (void)id, (void)payload, (void)payload_len;
  if (name && name_len == 3 && memcmp(name, TEA_CLAIMS_SECTION, 3) == 0) return TEA_OK;
  return tea_sha256_update(c, sec, sec_len, err);
}

tea_code tea_claims_module_hash(const uint8_t *m, size_t len, char out[65], tea_error *err) {
  tea_sha256_ctx ctx;
  tea_code rc = tea_sha256_init(&ctx, err);
  if (rc != TEA_OK) return rc;
  if (len >= 8) rc = tea_sha256_update(&ctx, m, 8, err);
  if (rc == TEA_OK) rc = tea_sections_each(m, len, hash_one, &ctx, err);
  if (rc != TEA_OK) {
    tea_sha256_abort(&ctx);
    return rc;
  }
  uint8_t d[32];
  rc = tea_sha256_final(&ctx, d, err);
  if (rc != TEA_OK) return rc;
  tea_hex_encode(d, 32, out);
  for (char *c = out; *c; c++)
    if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A'); /* wascap writes HEXUPPER */
  return TEA_OK;
}

/* ---- reading -------------------------------------------------------------- */

void tea_claims_free(tea_claims *c) {
  if (!c) return;
  free(c->issuer), free(c->subject), free(c->jti), free(c->name), free(c->hash), free(c->ver);
  for (size_t i = 0; i < c->ncaps; i++) free(c->caps[i]);
  for (size_t i = 0; i < c->ncall; i++) free(c->call[i]);
  free(c->caps), free(c->call);
  memset(c, 0, sizeof *c);
}

static uint8_t *b64_decode(const char *s, size_t n, size_t *out_len) {
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf) return NULL;
  if (sodium_base642bin(buf, n ? n : 1, s, n, NULL, out_len, NULL, B64) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

static tea_code get_str(json_t *o, const char *key, bool required, char **out, tea_error *err) {
  json_t *v = json_object_get(o, key);
  if (!v) return required ? tea_fail(err, TEA_ERR_INVALID, "claims: \"%s\" is missing", key) : TEA_OK;
  if (!json_is_string(v)) return tea_fail(err, TEA_ERR_INVALID, "claims: \"%s\" is not a string", key);
  if (!(*out = strdup(json_string_value(v)))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  return TEA_OK;
}

static tea_code get_int(json_t *o, const char *key, int64_t *out, tea_error *err) {
  json_t *v = json_object_get(o, key);
  if (!v) return TEA_OK;
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return tea_fail(err, TEA_ERR_INVALID, "claims: \"%s\" is not a non-negative integer", key);
  *out = json_integer_value(v);
  return TEA_OK;
}

static tea_code get_strs(json_t *o, const char *key, char ***out, size_t *n, tea_error *err) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v)) return TEA_OK;
  if (!json_is_array(v)) return tea_fail(err, TEA_ERR_INVALID, "claims: \"%s\" is not an array", key);
  size_t count = json_array_size(v);
  if (count > 1024) return tea_fail(err, TEA_ERR_LIMIT, "claims: \"%s\" has too many entries", key);
  *out = calloc(count ? count : 1, sizeof **out);
  if (!*out) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < count; i++) {
    json_t *s = json_array_get(v, i);
    if (!json_is_string(s))
      return tea_fail(err, TEA_ERR_INVALID, "claims: \"%s\" has a non-string entry", key);
    if (!((*out)[i] = strdup(json_string_value(s)))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    *n = i + 1;
  }
  return TEA_OK;
}

static tea_code parse_payload(json_t *p, tea_claims *c, tea_error *err) {
  if (!json_is_object(p)) return tea_fail(err, TEA_ERR_INVALID, "claims: payload is not an object");
  tea_code rc;
  if ((rc = get_str(p, "iss", true, &c->issuer, err)) || (rc = get_str(p, "sub", true, &c->subject, err)) ||
      (rc = get_str(p, "jti", false, &c->jti, err)) || (rc = get_int(p, "iat", &c->iat, err)) ||
      (rc = get_int(p, "exp", &c->exp, err)) || (rc = get_int(p, "nbf", &c->nbf, err)))
    return rc;
  json_t *w = json_object_get(p, "wascap");
  if (!json_is_object(w)) return tea_fail(err, TEA_ERR_INVALID, "claims: \"wascap\" is missing");
  int64_t rev = 0;
  if ((rc = get_str(w, "name", true, &c->name, err)) || (rc = get_str(w, "hash", true, &c->hash, err)) ||
      (rc = get_str(w, "ver", false, &c->ver, err)) || (rc = get_int(w, "rev", &rev, err)) ||
      (rc = get_strs(w, "caps", &c->caps, &c->ncaps, err)) ||
      (rc = get_strs(w, "call", &c->call, &c->ncall, err)))
    return rc;
  c->rev = (uint64_t)rev;
  return TEA_OK;
}

/* Splits, checks the header and the signature, and parses the payload. */
static tea_code read_jwt(const char *jwt, size_t n, tea_claims *c, tea_error *err) {
  const char *d1 = memchr(jwt, '.', n);
  const char *d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - jwt)) : NULL;
  if (!d1 || !d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - jwt)))
    return tea_fail(err, TEA_ERR_MALFORMED, "claims: not a JWT (want header.payload.signature)");
  size_t hl, pl, sl;
  uint8_t *h = b64_decode(jwt, (size_t)(d1 - jwt), &hl);
  uint8_t *p = b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), &pl);
  uint8_t *s = b64_decode(d2 + 1, n - (size_t)(d2 + 1 - jwt), &sl);
  tea_code rc = TEA_OK;
  json_t *hj = NULL, *pj = NULL;
  if (!h || !p || !s) {
    rc = tea_fail(err, TEA_ERR_MALFORMED, "claims: a JWT part is not base64url");
    goto out;
  }
  json_error_t je;
  hj = json_loadb((const char *)h, hl, JSON_REJECT_DUPLICATES, &je);
  if (!json_is_object(hj)) {
    rc = tea_fail(err, TEA_ERR_MALFORMED, "claims: JWT header is not a JSON object");
    goto out;
  }
  /* Only Ed25519: "none" or an HMAC would let anyone mint claims. */
  json_t *alg = json_object_get(hj, "alg");
  if (!json_is_string(alg) || strcmp(json_string_value(alg), "Ed25519") != 0) {
    rc = tea_fail(err, TEA_ERR_CRYPTO, "claims: algorithm must be Ed25519");
    goto out;
  }
  pj = json_loadb((const char *)p, pl, JSON_REJECT_DUPLICATES, &je);
  if (!pj) {
    rc = tea_fail(err, TEA_ERR_MALFORMED, "claims: payload is not JSON (%s)", je.text);
    goto out;
  }
  if ((rc = parse_payload(pj, c, err)) != TEA_OK) goto out;
  uint8_t pk[32];
  if ((rc = tea_nkey_decode_public(c->issuer, TEA_NKEY_ACCOUNT, pk, err)) != TEA_OK) {
    rc = tea_error_prefix(err, TEA_ERR_CRYPTO, "claims: issuer: ");
    goto out;
  }
  uint8_t sub[32];
  if ((rc = tea_nkey_decode_public(c->subject, TEA_NKEY_MODULE, sub, err)) != TEA_OK) {
    rc = tea_error_prefix(err, TEA_ERR_INVALID, "claims: subject: ");
    goto out;
  }
  if (sl != crypto_sign_BYTES ||
      crypto_sign_verify_detached(s, (const uint8_t *)jwt, (size_t)(d2 - jwt), pk) != 0) {
    rc = tea_fail(err, TEA_ERR_CRYPTO, "claims: bad signature");
    goto out;
  }
out:
  json_decref(hj);
  json_decref(pj);
  free(h), free(p), free(s);
  return rc;
}

tea_code tea_claims_read(const uint8_t *m, size_t len, tea_claims *c, tea_error *err) {
  memset(c, 0, sizeof *c);
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to start");
  const uint8_t *jwt;
  size_t n;
  tea_code rc = tea_sections_find_custom(m, len, TEA_CLAIMS_SECTION, &jwt, &n, err);
  if (rc == TEA_ERR_NOT_FOUND) return tea_fail(err, TEA_ERR_CRYPTO, "module carries no signed claims");
  if (rc != TEA_OK) return rc;
  if (n > MAX_JWT) return tea_fail(err, TEA_ERR_LIMIT, "claims section larger than %d bytes", MAX_JWT);
  if ((rc = read_jwt((const char *)jwt, n, c, err)) != TEA_OK) goto fail;
  char hash[65];
  if ((rc = tea_claims_module_hash(m, len, hash, err)) != TEA_OK) goto fail;
  if (strcmp(hash, c->hash) != 0) {
    rc = tea_fail(err, TEA_ERR_CRYPTO, "claims: module hash mismatch (claims %.16s..., module %.16s...)",
                  c->hash, hash);
    goto fail;
  }
  return TEA_OK;
fail:
  tea_claims_free(c);
  return rc;
}

tea_code tea_claims_verify(const uint8_t *m, size_t len, const tea_actor_record *rec, int64_t now,
                           tea_claims *c, tea_error *err) {
  tea_code rc = tea_claims_read(m, len, c, err);
  if (rc != TEA_OK) return rc;
  if (c->exp && now >= c->exp)
    rc = tea_fail(err, TEA_ERR_CRYPTO, "claims expired at %" PRId64 " (now %" PRId64 ")", c->exp, now);
  else if (c->nbf && now < c->nbf)
    rc = tea_fail(err, TEA_ERR_CRYPTO, "claims not valid before %" PRId64 " (now %" PRId64 ")", c->nbf, now);
  else if (c->rev < rec->min_rev)
    rc = tea_fail(err, TEA_ERR_CRYPTO, "revision %" PRIu64 " is below the registry's minimum %" PRIu64
                  " (rollback refused)", c->rev, rec->min_rev);
  else {
    bool ok = false;
    for (size_t i = 0; i < rec->nissuers && !ok; i++) ok = rec->issuers[i] && strcmp(rec->issuers[i], c->issuer) == 0;
    if (!ok) rc = tea_fail(err, TEA_ERR_CRYPTO, "issuer %s is not allowed for actor %s", c->issuer, rec->name);
  }
  if (rc != TEA_OK) tea_claims_free(c);
  return rc;
}

/* ---- signing -------------------------------------------------------------- */

static json_t *str_array(const char *const *items, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) json_array_append_new(a, json_string(items[i]));
  return a;
}

tea_code tea_claims_sign(const uint8_t *module, size_t len, const tea_claims_spec *spec,
                         const tea_keypair *issuer, const tea_keypair *subject, uint8_t **out,
                         size_t *out_len, tea_error *err) {
  if (!spec->name || !*spec->name) return tea_fail(err, TEA_ERR_ARG, "claims need a name");
  if (issuer->kind != TEA_NKEY_ACCOUNT || subject->kind != TEA_NKEY_MODULE)
    return tea_fail(err, TEA_ERR_ARG, "sign with an account key about a module key");
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to start");
  uint8_t *clean = NULL;
  size_t clean_len;
  tea_code rc = tea_sections_strip(module, len, TEA_CLAIMS_SECTION, &clean, &clean_len, err);
  if (rc != TEA_OK) return rc;
  char hash[65], iss[TEA_NKEY_LEN + 1], sub[TEA_NKEY_LEN + 1], jti[33];
  uint8_t nonce[16];
  randombytes_buf(nonce, sizeof nonce);
  tea_hex_encode(nonce, sizeof nonce, jti);
  tea_keypair_public(issuer, iss);
  tea_keypair_public(subject, sub);
  char *h64 = NULL, *p64 = NULL, *s64 = NULL, *payload = NULL, *signing = NULL;
  json_t *w = NULL, *p = NULL;
  if ((rc = tea_claims_module_hash(clean, clean_len, hash, err)) != TEA_OK) goto out;
  w = json_pack("{s:s, s:s, s:o, s:o, s:I, s:b, s:o}", "name", spec->name, "hash", hash, "caps",
                str_array(spec->caps, spec->ncaps), "tags", json_array(), "rev", (json_int_t)spec->rev,
                "prov", 0, "call", str_array(spec->call, spec->ncall));
  if (w && spec->ver) json_object_set_new(w, "ver", json_string(spec->ver));
  int64_t iat = spec->iat ? spec->iat : (int64_t)time(NULL);
  p = w ? json_pack("{s:s, s:I, s:s, s:s, s:O, s:i}", "jti", jti, "iat", (json_int_t)iat, "iss", iss,
                    "sub", sub, "wascap", w, "wascap_revision", 3)
        : NULL;
  if (p && spec->exp) json_object_set_new(p, "exp", json_integer(spec->exp));
  if (p && spec->nbf) json_object_set_new(p, "nbf", json_integer(spec->nbf));
  if (!p || !(payload = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS))) {
    rc = tea_fail(err, TEA_ERR_NOMEM, "cannot build the claims");
    goto out;
  }
  static const char header[] = "{\"typ\":\"jwt\",\"alg\":\"Ed25519\"}";
  h64 = tea_base64url_encode((const uint8_t *)header, sizeof header - 1);
  p64 = tea_base64url_encode((const uint8_t *)payload, strlen(payload));
  size_t slen = (h64 ? strlen(h64) : 0) + (p64 ? strlen(p64) : 0) + 1;
  if (!h64 || !p64 || !(signing = malloc(slen + 1 + sodium_base64_ENCODED_LEN(64, B64)))) {
    rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    goto out;
  }
  snprintf(signing, slen + 1, "%s.%s", h64, p64);
  uint8_t sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, NULL, (const uint8_t *)signing, slen, issuer->sk);
  if (!(s64 = tea_base64url_encode(sig, sizeof sig))) {
    rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    goto out;
  }
  strcat(signing, ".");
  strcat(signing, s64);
  rc = tea_sections_append_custom(clean, clean_len, TEA_CLAIMS_SECTION, (const uint8_t *)signing,
                                  strlen(signing), out, out_len, err);
out:
  json_decref(w);
  json_decref(p);
  free(clean), free(h64), free(p64), free(s64), free(payload), free(signing);
  return rc;
}
