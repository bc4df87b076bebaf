/* tss2 (ESAPI, the TCTI loader, RC decoding), loaded on first use: only the
 * swtpm and device backends need it, and linking it costs every teanode start
 * about 1.3 ms (five libraries). Defines the functions tpm_tss2*.c call;
 * without the libraries each fails with TSS2_BASE_RC_NOT_IMPLEMENTED. */
#include <dlfcn.h>
#include <pthread.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#define FAIL ((TSS2_RC)(TSS2_ESAPI_RC_LAYER | TSS2_BASE_RC_NOT_IMPLEMENTED))

static struct {
  TSS2_RC (*CreatePrimary)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR,
                           const TPM2B_SENSITIVE_CREATE *, const TPM2B_PUBLIC *, const TPM2B_DATA *,
                           const TPML_PCR_SELECTION *, ESYS_TR *, TPM2B_PUBLIC **,
                           TPM2B_CREATION_DATA **, TPM2B_DIGEST **, TPMT_TK_CREATION **);
  void (*Finalize)(ESYS_CONTEXT **);
  TSS2_RC (*FlushContext)(ESYS_CONTEXT *, ESYS_TR);
  void (*Free)(void *);
  TSS2_RC (*Initialize)(ESYS_CONTEXT **, TSS2_TCTI_CONTEXT *, TSS2_ABI_VERSION *);
  TSS2_RC (*PCR_Extend)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, const TPML_DIGEST_VALUES *);
  TSS2_RC (*PCR_Reset)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR);
  TSS2_RC (*PCR_Read)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, const TPML_PCR_SELECTION *, UINT32 *,
                      TPML_PCR_SELECTION **, TPML_DIGEST **);
  TSS2_RC (*PolicyGetDigest)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, TPM2B_DIGEST **);
  TSS2_RC (*PolicyPCR)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, const TPM2B_DIGEST *,
                       const TPML_PCR_SELECTION *);
  TSS2_RC (*Quote)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, const TPM2B_DATA *,
                   const TPMT_SIG_SCHEME *, const TPML_PCR_SELECTION *, TPM2B_ATTEST **,
                   TPMT_SIGNATURE **);
  TSS2_RC (*Sign)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, const TPM2B_DIGEST *,
                  const TPMT_SIG_SCHEME *, const TPMT_TK_HASHCHECK *, TPMT_SIGNATURE **);
  TSS2_RC (*StartAuthSession)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR,
                              const TPM2B_NONCE *, TPM2_SE, const TPMT_SYM_DEF *, TPMI_ALG_HASH,
                              ESYS_TR *);
  TSS2_RC (*TRSess_SetAttributes)(ESYS_CONTEXT *, ESYS_TR, TPMA_SESSION, TPMA_SESSION);
  const char *(*RC_Decode)(TSS2_RC);
  void (*TctiLdr_Finalize)(TSS2_TCTI_CONTEXT **);
  TSS2_RC (*TctiLdr_Initialize)(const char *, TSS2_TCTI_CONTEXT **);
} api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

static void load(void) {
  void *esys = dlopen("libtss2-esys.so.0", RTLD_NOW | RTLD_LOCAL);
  void *ldr = dlopen("libtss2-tctildr.so.0", RTLD_NOW | RTLD_LOCAL);
  void *rc = dlopen("libtss2-rc.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!esys || !ldr || !rc) return;
#define SYM(h, field, name)                \
  do {                                     \
    *(void **)&api.field = dlsym(h, name); \
    if (!api.field) return;                \
  } while (0)
  SYM(esys, CreatePrimary, "Esys_CreatePrimary");
  SYM(esys, Finalize, "Esys_Finalize");
  SYM(esys, FlushContext, "Esys_FlushContext");
  SYM(esys, Free, "Esys_Free");
  SYM(esys, Initialize, "Esys_Initialize");
  SYM(esys, PCR_Extend, "Esys_PCR_Extend");
  SYM(esys, PCR_Reset, "Esys_PCR_Reset");
  SYM(esys, PCR_Read, "Esys_PCR_Read");
  SYM(esys, PolicyGetDigest, "Esys_PolicyGetDigest");
  SYM(esys, PolicyPCR, "Esys_PolicyPCR");
  SYM(esys, Quote, "Esys_Quote");
  SYM(esys, Sign, "Esys_Sign");
  SYM(esys, StartAuthSession, "Esys_StartAuthSession");
  SYM(esys, TRSess_SetAttributes, "Esys_TRSess_SetAttributes");
  SYM(rc, RC_Decode, "Tss2_RC_Decode");
  SYM(ldr, TctiLdr_Finalize, "Tss2_TctiLdr_Finalize");
  SYM(ldr, TctiLdr_Initialize, "Tss2_TctiLdr_Initialize");
#undef SYM
  loaded = 1;
}

static int ready(void) {
  pthread_once(&once, load);
  return loaded;
}

TSS2_RC Esys_CreatePrimary(ESYS_CONTEXT *c, ESYS_TR h, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                           const TPM2B_SENSITIVE_CREATE *in, const TPM2B_PUBLIC *pub,
                           const TPM2B_DATA *out, const TPML_PCR_SELECTION *pcr, ESYS_TR *obj,
                           TPM2B_PUBLIC **op, TPM2B_CREATION_DATA **cd, TPM2B_DIGEST **ch,
                           TPMT_TK_CREATION **ct) {
  return ready() ? api.CreatePrimary(c, h, s1, s2, s3, in, pub, out, pcr, obj, op, cd, ch, ct) : FAIL;
}
void Esys_Finalize(ESYS_CONTEXT **c) {
  if (ready()) api.Finalize(c);
}
TSS2_RC Esys_FlushContext(ESYS_CONTEXT *c, ESYS_TR h) { return ready() ? api.FlushContext(c, h) : FAIL; }
void Esys_Free(void *p) {
  if (ready()) api.Free(p);
}
TSS2_RC Esys_Initialize(ESYS_CONTEXT **c, TSS2_TCTI_CONTEXT *t, TSS2_ABI_VERSION *v) {
  return ready() ? api.Initialize(c, t, v) : FAIL;
}
TSS2_RC Esys_PCR_Extend(ESYS_CONTEXT *c, ESYS_TR h, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                        const TPML_DIGEST_VALUES *d) {
  return ready() ? api.PCR_Extend(c, h, s1, s2, s3, d) : FAIL;
}
TSS2_RC Esys_PCR_Reset(ESYS_CONTEXT *c, ESYS_TR h, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3) {
  return ready() ? api.PCR_Reset(c, h, s1, s2, s3) : FAIL;
}
TSS2_RC Esys_PCR_Read(ESYS_CONTEXT *c, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                      const TPML_PCR_SELECTION *in, UINT32 *cnt, TPML_PCR_SELECTION **out,
                      TPML_DIGEST **vals) {
  return ready() ? api.PCR_Read(c, s1, s2, s3, in, cnt, out, vals) : FAIL;
}
TSS2_RC Esys_PolicyGetDigest(ESYS_CONTEXT *c, ESYS_TR p, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                             TPM2B_DIGEST **d) {
  return ready() ? api.PolicyGetDigest(c, p, s1, s2, s3, d) : FAIL;
}
TSS2_RC Esys_PolicyPCR(ESYS_CONTEXT *c, ESYS_TR p, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                       const TPM2B_DIGEST *d, const TPML_PCR_SELECTION *pcrs) {
  return ready() ? api.PolicyPCR(c, p, s1, s2, s3, d, pcrs) : FAIL;
}
TSS2_RC Esys_Quote(ESYS_CONTEXT *c, ESYS_TR k, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                   const TPM2B_DATA *q, const TPMT_SIG_SCHEME *sch, const TPML_PCR_SELECTION *sel,
                   TPM2B_ATTEST **quoted, TPMT_SIGNATURE **sig) {
  return ready() ? api.Quote(c, k, s1, s2, s3, q, sch, sel, quoted, sig) : FAIL;
}
TSS2_RC Esys_Sign(ESYS_CONTEXT *c, ESYS_TR k, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
                  const TPM2B_DIGEST *d, const TPMT_SIG_SCHEME *sch, const TPMT_TK_HASHCHECK *v,
                  TPMT_SIGNATURE **sig) {
  return ready() ? api.Sign(c, k, s1, s2, s3, d, sch, v, sig) : FAIL;
}
TSS2_RC Esys_StartAuthSession(ESYS_CONTEXT *c, ESYS_TR key, ESYS_TR bind, ESYS_TR s1, ESYS_TR s2,
                              ESYS_TR s3, const TPM2B_NONCE *n, TPM2_SE type,
                              const TPMT_SYM_DEF *sym, TPMI_ALG_HASH hash, ESYS_TR *session) {
  return ready() ? api.StartAuthSession(c, key, bind, s1, s2, s3, n, type, sym, hash, session) : FAIL;
}
TSS2_RC Esys_TRSess_SetAttributes(ESYS_CONTEXT *c, ESYS_TR s, TPMA_SESSION f, TPMA_SESSION m) {
  return ready() ? api.TRSess_SetAttributes(c, s, f, m) : FAIL;
}
const char *Tss2_RC_Decode(TSS2_RC rc) {
  return ready() ? api.RC_Decode(rc) : "tss2 libraries could not be loaded";
}
void Tss2_TctiLdr_Finalize(TSS2_TCTI_CONTEXT **c) {
  if (ready()) api.TctiLdr_Finalize(c);
}
TSS2_RC Tss2_TctiLdr_Initialize(const char *conf, TSS2_TCTI_CONTEXT **c) {
  return ready() ? api.TctiLdr_Initialize(conf, c) : FAIL;
}
