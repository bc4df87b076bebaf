/* A real TPM 2.0 through ESAPI (libtss2-esys) and the TCTI loader: swtpm in tests,
 * /dev/tpmrm0 on hosts. The AK is a restricted ECDSA P-256 signing key created as a
 * primary in the endorsement hierarchy from a fixed template: the TPM derives it from
 * its endorsement seed, so the same TPM gives the same AK after every reboot without
 * persisting a handle. Quotes are TPMS_ATTEST structures the TPM signed itself; the
 * verifier checks them in quote.c with Nettle, never trusting this code.
 *
 * The node owns its TPM connection alone (swtpm's socket serves one client, and a
 * resource manager is what lets /dev/tpmrm0 share), and flushes every transient
 * object it creates: a TPM has only a few slots and answers 0x902 (out of object
 * memory) once they are full. */
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "trust/tpm_tss2.h"

tea_code tea_tss2_fail(tea_error *err, const char *what, TSS2_RC rc) {
  return tea_fail(err, TEA_ERR_IO, "tpm: %s: %s (0x%x)", what, Tss2_RC_Decode(rc), (unsigned)rc);
}

TPML_PCR_SELECTION tea_tss2_selection(uint32_t mask) {
  TPML_PCR_SELECTION sel;
  memset(&sel, 0, sizeof sel);
  sel.count = 1;
  sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
  sel.pcrSelections[0].sizeofSelect = 3;
  sel.pcrSelections[0].pcrSelect[0] = (uint8_t)mask;
  sel.pcrSelections[0].pcrSelect[1] = (uint8_t)(mask >> 8);
  sel.pcrSelections[0].pcrSelect[2] = (uint8_t)(mask >> 16);
  return sel;
}

static tea_code t_extend(tea_tpm *t, unsigned pcr, const uint8_t digest[TEA_SHA256_LEN], tea_error *err) {
  tss2_tpm *s = (tss2_tpm *)t;
  TPML_DIGEST_VALUES dv;
  memset(&dv, 0, sizeof dv);
  dv.count = 1;
  dv.digests[0].hashAlg = TPM2_ALG_SHA256;
  memcpy(dv.digests[0].digest.sha256, digest, TEA_SHA256_LEN);
  TSS2_RC rc = Esys_PCR_Extend(s->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &dv);
  return rc == TSS2_RC_SUCCESS ? TEA_OK : tea_tss2_fail(err, "PCR_Extend", rc);
}

static tea_code t_read(tea_tpm *t, uint32_t mask, uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN], tea_error *err) {
  tss2_tpm *s = (tss2_tpm *)t;
  uint32_t left = mask;
  /* PCR_Read answers at most 8 digests at a time and says which it answered. */
  while (left) {
    TPML_PCR_SELECTION sel = tea_tss2_selection(left), *out_sel = NULL;
    TPML_DIGEST *values = NULL;
    UINT32 counter;
    TSS2_RC rc = Esys_PCR_Read(s->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &counter, &out_sel, &values);
    if (rc != TSS2_RC_SUCCESS) return tea_tss2_fail(err, "PCR_Read", rc);
    uint32_t got = 0;
    if (out_sel->count == 1 && out_sel->pcrSelections[0].hash == TPM2_ALG_SHA256) {
      const uint8_t *b = out_sel->pcrSelections[0].pcrSelect;
      got = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
    }
    got &= left;
    uint32_t k = 0;
    tea_code res = TEA_OK;
    for (unsigned i = 0; i < TEA_PCR_COUNT && res == TEA_OK; i++) {
      if (!(got & (1u << i))) continue;
      if (k >= values->count || values->digests[k].size != TEA_SHA256_LEN)
        res = tea_fail(err, TEA_ERR_IO, "tpm: PCR_Read returned a short answer");
      else memcpy(pcrs[i], values->digests[k++].buffer, TEA_SHA256_LEN);
    }
    Esys_Free(out_sel);
    Esys_Free(values);
    if (res) return res;
    if (!got) return tea_fail(err, TEA_ERR_UNSUPPORTED, "tpm: no SHA-256 PCR bank (or PCRs %#x missing)", left);
    left &= ~got;
  }
  return TEA_OK;
}

void tea_tss2_pad32(uint8_t out[32], const TPM2B_ECC_PARAMETER *p) {
  memset(out, 0, 32);
  size_t n = p->size <= 32 ? p->size : 32;
  memcpy(out + 32 - n, p->buffer + (p->size - n), n);
}

static tea_code t_quote(tea_tpm *t, uint32_t mask, const uint8_t *qual, size_t qual_len, tea_quote *out,
                        tea_error *err) {
  tss2_tpm *s = (tss2_tpm *)t;
  TPM2B_DATA qd;
  memset(&qd, 0, sizeof qd);
  qd.size = (UINT16)qual_len;
  if (qual_len) memcpy(qd.buffer, qual, qual_len);
  TPMT_SIG_SCHEME scheme;
  memset(&scheme, 0, sizeof scheme);
  scheme.scheme = TPM2_ALG_NULL; /* the key's own: ECDSA with SHA-256 */
  TPML_PCR_SELECTION sel = tea_tss2_selection(mask);
  TPM2B_ATTEST *quoted = NULL;
  TPMT_SIGNATURE *sig = NULL;
  TSS2_RC rc = Esys_Quote(s->esys, s->ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qd, &scheme, &sel, &quoted, &sig);
  if (rc != TSS2_RC_SUCCESS) return tea_tss2_fail(err, "Quote", rc);
  tea_code res = TEA_OK;
  if (quoted->size > TEA_ATTEST_MAX || sig->sigAlg != TPM2_ALG_ECDSA) {
    res = tea_fail(err, TEA_ERR_IO, "tpm: unexpected quote (size %u, signature %#x)", quoted->size, sig->sigAlg);
  } else {
    memset(out, 0, sizeof *out);
    out->alg = TEA_AK_P256;
    memcpy(out->attest, quoted->attestationData, quoted->size);
    out->attest_len = quoted->size;
    tea_tss2_pad32(out->sig, &sig->signature.ecdsa.signatureR);
    tea_tss2_pad32(out->sig + 32, &sig->signature.ecdsa.signatureS);
    out->sig_len = 64;
  }
  Esys_Free(quoted);
  Esys_Free(sig);
  return res;
}

static tea_code t_ak_public(tea_tpm *t, tea_ak *out, tea_error *err) {
  (void)err;
  tss2_tpm *s = (tss2_tpm *)t;
  memset(out, 0, sizeof *out);
  out->alg = TEA_AK_P256;
  out->software = false;
  out->len = 65;
  memcpy(out->pub, s->ak_pub, 65);
  return TEA_OK;
}

static void t_close(tea_tpm *t) {
  tss2_tpm *s = (tss2_tpm *)t;
  if (s->esys) {
    if (s->ak != ESYS_TR_NONE) Esys_FlushContext(s->esys, s->ak);
    Esys_Finalize(&s->esys);
  }
  if (s->tcti) Tss2_TctiLdr_Finalize(&s->tcti);
  free(s);
}

static const tea_tpm_ops tss2_ops = {
    .name = "tss2",
    .extend = t_extend,
    .read = t_read,
    .quote = t_quote,
    .ak_public = t_ak_public,
    .sign_bound = tea_tss2_sign_bound,
    .close = t_close,
};

/* Both keys the node makes are ECDSA P-256 primaries under the endorsement
 * hierarchy from a fixed template, so the same key comes back after a reboot. */
tea_code tea_tss2_create_p256(tss2_tpm *s, TPMA_OBJECT attrs, const TPM2B_DIGEST *policy,
                              const char *what, ESYS_TR *key, uint8_t pub_out[65], tea_error *err) {
  TPM2B_PUBLIC tmpl;
  memset(&tmpl, 0, sizeof tmpl);
  TPMT_PUBLIC *p = &tmpl.publicArea;
  p->type = TPM2_ALG_ECC;
  p->nameAlg = TPM2_ALG_SHA256;
  p->objectAttributes = attrs;
  if (policy) p->authPolicy = *policy;
  p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
  p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
  p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  TPM2B_SENSITIVE_CREATE sens;
  memset(&sens, 0, sizeof sens);
  TPM2B_DATA outside;
  memset(&outside, 0, sizeof outside);
  TPML_PCR_SELECTION creation_pcr;
  memset(&creation_pcr, 0, sizeof creation_pcr);
  TPM2B_PUBLIC *pub = NULL;
  TPM2B_CREATION_DATA *cdata = NULL;
  TPM2B_DIGEST *chash = NULL;
  TPMT_TK_CREATION *ticket = NULL;
  TSS2_RC rc = Esys_CreatePrimary(s->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
                                  &tmpl, &outside, &creation_pcr, key, &pub, &cdata, &chash, &ticket);
  if (rc != TSS2_RC_SUCCESS) {
    *key = ESYS_TR_NONE;
    return tea_tss2_fail(err, what, rc);
  }
  tea_code res = TEA_OK;
  const TPMS_ECC_POINT *pt = &pub->publicArea.unique.ecc;
  if (pt->x.size > 32 || pt->y.size > 32) {
    res = tea_fail(err, TEA_ERR_IO, "tpm: %s: key point too large", what);
  } else {
    pub_out[0] = 0x04;
    tea_tss2_pad32(pub_out + 1, &pt->x);
    tea_tss2_pad32(pub_out + 33, &pt->y);
  }
  Esys_Free(pub);
  Esys_Free(cdata);
  Esys_Free(chash);
  Esys_Free(ticket);
  return res;
}

static tea_code create_ak(tss2_tpm *s, tea_error *err) {
  /* Restricted: the TPM signs only digests it computed itself, and refuses external
   * data starting with TPM_GENERATED_VALUE, so nothing but a genuine quote can carry
   * that magic. fixedTPM: the private key never leaves this TPM. */
  return tea_tss2_create_p256(s,
                              TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
                                  TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                  TPMA_OBJECT_USERWITHAUTH,
                              NULL, "CreatePrimary (attestation key)", &s->ak, s->ak_pub, err);
}

tea_code tea_tpm_open_tss2(const char *tcti, tea_tpm **out, tea_error *err) {
  *out = NULL;
  tss2_tpm *s = calloc(1, sizeof *s);
  if (!s) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  s->base.ops = &tss2_ops;
  s->ak = ESYS_TR_NONE;
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti, &s->tcti);
  if (rc != TSS2_RC_SUCCESS) {
    free(s);
    return tea_tss2_fail(err, tcti ? tcti : "default TCTI", rc);
  }
  rc = Esys_Initialize(&s->esys, s->tcti, NULL);
  if (rc != TSS2_RC_SUCCESS) {
    s->esys = NULL;
    t_close(&s->base);
    return tea_tss2_fail(err, "Esys_Initialize", rc);
  }
  tea_code res = create_ak(s, err);
  if (res) {
    t_close(&s->base);
    return res;
  }
  *out = &s->base;
  return TEA_OK;
}

/* PCR 23 is the node's (the platform leaves it to applications and lets any
 * locality reset it). A node that starts again on a TPM that did not reboot
 * resets it first, so that its new event log replays to the quoted value;
 * a reset also wipes whatever an earlier process measured, which is why the
 * node must own its TPM alone (docs/trust.md). */
tea_code tea_tpm_tss2_reset_pcr(tea_tpm *t, unsigned pcr, tea_error *err) {
  if (t->ops != &tss2_ops) return tea_fail(err, TEA_ERR_ARG, "not a tss2 TPM");
  if (pcr != 16 && pcr != 23) return tea_fail(err, TEA_ERR_ARG, "PCR %u is not resettable by applications", pcr);
  tss2_tpm *s = (tss2_tpm *)t;
  TSS2_RC rc = Esys_PCR_Reset(s->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
  return rc == TSS2_RC_SUCCESS ? TEA_OK : tea_tss2_fail(err, "Esys_PCR_Reset", rc);
}
