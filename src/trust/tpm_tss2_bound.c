/* A signing key bound to PCR values on a real TPM. Its authPolicy is PolicyPCR over
 * (selection, expected PCR digest), computed in a trial session; the key is a primary
 * derived from that template, so the same policy gives the same key without storing
 * anything. userWithAuth is clear: the key can be used only through a policy session
 * in which the TPM itself has compared its PCRs with the expected digest. Every
 * session and the key are flushed on every path (0x902 otherwise). */
#include <string.h>

#include "trust/tpm_tss2.h"

static tea_code start_session(tss2_tpm *s, TPM2_SE type, ESYS_TR *session, tea_error *err) {
  TPMT_SYM_DEF sym;
  memset(&sym, 0, sizeof sym);
  sym.algorithm = TPM2_ALG_NULL;
  TSS2_RC rc = Esys_StartAuthSession(s->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                     NULL, type, &sym, TPM2_ALG_SHA256, session);
  if (rc != TSS2_RC_SUCCESS) {
    *session = ESYS_TR_NONE;
    return tea_tss2_fail(err, "StartAuthSession", rc);
  }
  /* Keep the session after use so that exactly one place flushes it. */
  Esys_TRSess_SetAttributes(s->esys, *session, TPMA_SESSION_CONTINUESESSION, 0xff);
  return TEA_OK;
}

static tea_code policy_pcr(tss2_tpm *s, ESYS_TR session, uint32_t mask, const uint8_t pcr_digest[TEA_SHA256_LEN],
                           tea_error *err) {
  TPM2B_DIGEST d;
  memset(&d, 0, sizeof d);
  d.size = TEA_SHA256_LEN;
  memcpy(d.buffer, pcr_digest, TEA_SHA256_LEN);
  TPML_PCR_SELECTION sel = tea_tss2_selection(mask);
  TSS2_RC rc = Esys_PolicyPCR(s->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d, &sel);
  if (rc == TSS2_RC_SUCCESS) return TEA_OK;
  /* In a policy session the TPM compares its PCRs here: TPM_RC_VALUE means they differ. */
  if ((rc & 0x3f) == (TPM2_RC_VALUE & 0x3f) && (rc & TPM2_RC_FMT1))
    return tea_fail(err, TEA_ERR_STATE, "tpm: PCR values differ from the key's policy");
  return tea_tss2_fail(err, "PolicyPCR", rc);
}

static void flush(tss2_tpm *s, ESYS_TR *h) {
  if (*h != ESYS_TR_NONE) Esys_FlushContext(s->esys, *h);
  *h = ESYS_TR_NONE;
}

static tea_code create_key(tss2_tpm *s, const TPM2B_DIGEST *policy, ESYS_TR *key, tea_ak *pub_out, tea_error *err) {
  memset(pub_out, 0, sizeof *pub_out);
  pub_out->alg = TEA_AK_P256;
  pub_out->len = 65;
  /* no userWithAuth: the key signs only under its PCR policy */
  return tea_tss2_create_p256(s,
                              TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                  TPMA_OBJECT_SENSITIVEDATAORIGIN,
                              policy, "CreatePrimary (PCR-bound key)", key, pub_out->pub, err);
}

tea_code tea_tss2_sign_bound(tea_tpm *t, uint32_t mask, const uint8_t pcr_digest[TEA_SHA256_LEN],
                         const uint8_t digest[TEA_SHA256_LEN], uint8_t sig[64], tea_ak *key, tea_error *err) {
  tss2_tpm *s = (tss2_tpm *)t;
  ESYS_TR trial = ESYS_TR_NONE, session = ESYS_TR_NONE, handle = ESYS_TR_NONE;
  TPM2B_DIGEST *policy = NULL;
  TPMT_SIGNATURE *signature = NULL;
  tea_code res;
  /* 1. the policy digest, from a trial session (no PCR comparison there) */
  if ((res = start_session(s, TPM2_SE_TRIAL, &trial, err)) || (res = policy_pcr(s, trial, mask, pcr_digest, err)))
    goto done;
  TSS2_RC rc = Esys_PolicyGetDigest(s->esys, trial, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &policy);
  if (rc != TSS2_RC_SUCCESS) {
    res = tea_tss2_fail(err, "PolicyGetDigest", rc);
    goto done;
  }
  flush(s, &trial);
  /* 2. the key with that policy */
  if ((res = create_key(s, policy, &handle, key, err))) goto done;
  /* 3. a real policy session: the TPM checks its PCRs, then lets the key sign */
  if ((res = start_session(s, TPM2_SE_POLICY, &session, err)) ||
      (res = policy_pcr(s, session, mask, pcr_digest, err)))
    goto done;
  TPM2B_DIGEST d;
  memset(&d, 0, sizeof d);
  d.size = TEA_SHA256_LEN;
  memcpy(d.buffer, digest, TEA_SHA256_LEN);
  TPMT_SIG_SCHEME scheme;
  memset(&scheme, 0, sizeof scheme);
  scheme.scheme = TPM2_ALG_ECDSA;
  scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  /* A null ticket: fine for an unrestricted key signing an external digest. */
  TPMT_TK_HASHCHECK ticket;
  memset(&ticket, 0, sizeof ticket);
  ticket.tag = TPM2_ST_HASHCHECK;
  ticket.hierarchy = TPM2_RH_NULL;
  rc = Esys_Sign(s->esys, handle, session, ESYS_TR_NONE, ESYS_TR_NONE, &d, &scheme, &ticket, &signature);
  if (rc != TSS2_RC_SUCCESS) {
    res = tea_tss2_fail(err, "Sign", rc);
    goto done;
  }
  if (signature->sigAlg != TPM2_ALG_ECDSA) {
    res = tea_fail(err, TEA_ERR_IO, "tpm: unexpected signature algorithm %#x", signature->sigAlg);
    goto done;
  }
  tea_tss2_pad32(sig, &signature->signature.ecdsa.signatureR);
  tea_tss2_pad32(sig + 32, &signature->signature.ecdsa.signatureS);
  res = TEA_OK;
done:
  Esys_Free(policy);
  Esys_Free(signature);
  flush(s, &trial);
  flush(s, &session);
  flush(s, &handle);
  return res;
}
