/* The tss2 backend's state, shared by its files (tpm_tss2.c: connection, PCRs,
 * quotes; tpm_tss2_bound.c: the PCR-bound signing key). Not public API. */
#ifndef TEA_TRUST_TPM_TSS2_H
#define TEA_TRUST_TPM_TSS2_H

#include <tss2/tss2_esys.h>

#include "trust/internal.h"

typedef struct tss2_tpm {
  tea_tpm base;
  TSS2_TCTI_CONTEXT *tcti;
  ESYS_CONTEXT *esys;
  ESYS_TR ak;
  uint8_t ak_pub[65];
} tss2_tpm;

/* TEA_ERR_IO naming the command and the TPM's decoded answer. */
tea_code tea_tss2_fail(tea_error *err, const char *what, TSS2_RC rc);
/* One SHA-256 bank with the PCRs in mask. */
TPML_PCR_SELECTION tea_tss2_selection(uint32_t mask);
/* A big-endian ECC coordinate left-padded to 32 bytes. */
void tea_tss2_pad32(uint8_t out[32], const TPM2B_ECC_PARAMETER *p);
/* An ECDSA P-256 primary key under the endorsement hierarchy; pub_out gets
 * 0x04 || X || Y. */
tea_code tea_tss2_create_p256(tss2_tpm *s, TPMA_OBJECT attrs, const TPM2B_DIGEST *policy,
                              const char *what, ESYS_TR *key, uint8_t pub_out[65], tea_error *err);

tea_code tea_tss2_sign_bound(tea_tpm *t, uint32_t mask, const uint8_t pcr_digest[TEA_SHA256_LEN],
                         const uint8_t digest[TEA_SHA256_LEN], uint8_t sig[64], tea_ak *key, tea_error *err);

#endif
