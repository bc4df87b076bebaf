/* The TPM interface: argument checks shared by every backend, then the vtable. */
#include "trust/internal.h"

static tea_code check_pcr_mask(uint32_t mask, tea_error *err) {
  if (mask == 0 || mask >> TEA_PCR_COUNT)
    return tea_fail(err, TEA_ERR_ARG, "PCR selection %#x is empty or above PCR 23", mask);
  return TEA_OK;
}

tea_code tea_tpm_extend(tea_tpm *t, unsigned pcr, const uint8_t digest[TEA_SHA256_LEN], tea_error *err) {
  if (!t || !digest) return tea_fail(err, TEA_ERR_ARG, "tpm: NULL argument");
  if (pcr >= TEA_PCR_COUNT) return tea_fail(err, TEA_ERR_ARG, "tpm: no PCR %u", pcr);
  return t->ops->extend(t, pcr, digest, err);
}

tea_code tea_tpm_read(tea_tpm *t, uint32_t mask, uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN],
                      tea_error *err) {
  if (!t || !pcrs) return tea_fail(err, TEA_ERR_ARG, "tpm: NULL argument");
  tea_code rc = check_pcr_mask(mask, err);
  return rc ? rc : t->ops->read(t, mask, pcrs, err);
}

tea_code tea_tpm_quote(tea_tpm *t, uint32_t mask, const uint8_t *qual, size_t qual_len, tea_quote *out,
                       tea_error *err) {
  if (!t || !out || (!qual && qual_len)) return tea_fail(err, TEA_ERR_ARG, "tpm: NULL argument");
  /* TPM2B_DATA holds at most one digest of the largest hash: 64 bytes. */
  if (qual_len > 64) return tea_fail(err, TEA_ERR_ARG, "tpm: qualifying data over 64 bytes");
  tea_code rc = check_pcr_mask(mask, err);
  return rc ? rc : t->ops->quote(t, mask, qual, qual_len, out, err);
}

tea_code tea_tpm_ak_public(tea_tpm *t, tea_ak *out, tea_error *err) {
  if (!t || !out) return tea_fail(err, TEA_ERR_ARG, "tpm: NULL argument");
  return t->ops->ak_public(t, out, err);
}

tea_code tea_tpm_sign_bound(tea_tpm *t, uint32_t mask, const uint8_t pcr_digest[TEA_SHA256_LEN],
                            const uint8_t digest[TEA_SHA256_LEN], uint8_t sig[64], tea_ak *key,
                            tea_error *err) {
  if (!t || !pcr_digest || !digest || !sig || !key) return tea_fail(err, TEA_ERR_ARG, "tpm: NULL argument");
  if (!t->ops->sign_bound)
    return tea_fail(err, TEA_ERR_UNSUPPORTED, "tpm: %s backend has no PCR-bound key", t->ops->name);
  tea_code rc = check_pcr_mask(mask, err);
  return rc ? rc : t->ops->sign_bound(t, mask, pcr_digest, digest, sig, key, err);
}

const char *tea_tpm_name(const tea_tpm *t) { return t ? t->ops->name : "none"; }

void tea_tpm_close(tea_tpm *t) {
  if (t) t->ops->close(t);
}
