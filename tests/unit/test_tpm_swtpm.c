/* The tss2 backend against a real TPM 2.0 implementation: swtpm, started by each test
 * on free loopback ports and always killed at the end (also if this process dies:
 * PR_SET_PDEATHSIG). Real quotes: extend, quote, verify with OpenSSL, attestation
 * with its refusals, receipts with quotes, a reboot (swtpm restart: PCRs reset, the
 * same AK), and no transient-object leak (0x902). swtpm missing is a failure, not a
 * skip: scripts/deps.sh installs it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "trust_fixture.h"
#include "../support/swtpm_proc.h"

typedef struct world {
  fx f;
  tea_swtpm_proc sw;
  char tcti[64];
} world;

/* swtpm belongs to the test: a start that fails fails the test (not a skip) */
static void swtpm_start(tea_swtpm_proc *s) {
  tea_error err;
  if (tea_swtpm_start(s, &err) != TEA_OK) fail_msg("%s", err.msg);
}

static void swtpm_stop(tea_swtpm_proc *s) { tea_swtpm_stop(s); }

/* What the OS does before powering off: TPM2_Shutdown, so that the TPM saves its
 * clock and its next start is orderly (otherwise its clock is reported unsafe). */
static void tpm_orderly_shutdown(world *w) {
  TSS2_TCTI_CONTEXT *tcti = NULL;
  ESYS_CONTEXT *esys = NULL;
  assert_int_equal(Tss2_TctiLdr_Initialize(w->tcti, &tcti), TSS2_RC_SUCCESS);
  assert_int_equal(Esys_Initialize(&esys, tcti, NULL), TSS2_RC_SUCCESS);
  assert_int_equal(Esys_Shutdown(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_SU_CLEAR), TSS2_RC_SUCCESS);
  Esys_Finalize(&esys);
  Tss2_TctiLdr_Finalize(&tcti);
}

static void tpm_open(world *w) {
  tea_error err;
  snprintf(w->tcti, sizeof w->tcti, "swtpm:host=127.0.0.1,port=%d", w->sw.port);
  if (tea_tpm_open_tss2(w->tcti, &w->f.tpm, &err)) fail_msg("%s", err.msg);
}

static int setup(void **state) {
  world *w = calloc(1, sizeof *w);
  fx_init(&w->f);
  snprintf(w->sw.state, sizeof w->sw.state, "%s/tpm", w->f.dir);
  mkdir(w->sw.state, 0700);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  tea_tpm_close(w->f.tpm); /* before swtpm goes: the connection is ours to close */
  w->f.tpm = NULL;
  swtpm_stop(&w->sw);
  fx_free(&w->f);
  free(w);
  return 0;
}

/* Starts swtpm, opens the TPM, measures the boot. */
static world *boot(void **state) {
  world *w = *state;
  swtpm_start(&w->sw);
  tpm_open(w);
  tea_error err;
  if (fx_boot(&w->f)) fail_msg("boot measurements failed");
  (void)err;
  return w;
}

static void test_extend_quote_verify(void **state) {
  world *w = boot(state);
  fx *f = &w->f;
  assert_string_equal(tea_tpm_name(f->tpm), "tss2");
  tea_ak ak;
  assert_int_equal(tea_tpm_ak_public(f->tpm, &ak, NULL), TEA_OK);
  assert_int_equal(ak.alg, TEA_AK_P256);
  assert_false(ak.software);

  /* the TPM's PCR 23 is what the log replays to */
  uint8_t pcrs[TEA_PCR_COUNT][32], want[TEA_PCR_COUNT][32];
  assert_int_equal(tea_tpm_read(f->tpm, 1u << TEA_PCR_NODE, pcrs, NULL), TEA_OK);
  assert_int_equal(tea_eventlog_replay(&f->log, want, NULL, NULL), TEA_OK);
  assert_memory_equal(pcrs[TEA_PCR_NODE], want[TEA_PCR_NODE], 32);

  /* extend by hand on PCR 16 and compare */
  uint8_t d[32], buf[64], expect[32];
  fx_hash("debug", d);
  assert_int_equal(tea_tpm_read(f->tpm, 1u << 16, pcrs, NULL), TEA_OK);
  memcpy(buf, pcrs[16], 32);
  memcpy(buf + 32, d, 32);
  tea_sha256(buf, 64, expect, NULL);
  assert_int_equal(tea_tpm_extend(f->tpm, 16, d, NULL), TEA_OK);
  assert_int_equal(tea_tpm_read(f->tpm, 1u << 16, pcrs, NULL), TEA_OK);
  assert_memory_equal(pcrs[16], expect, 32);

  /* reading all 24 PCRs takes several PCR_Read calls (8 per answer) */
  assert_int_equal(tea_tpm_read(f->tpm, 0xffffff, pcrs, NULL), TEA_OK);
  assert_memory_equal(pcrs[16], expect, 32);

  /* a real quote, verified with OpenSSL */
  uint8_t qual[32];
  fx_hash("qualifying data", qual);
  tea_quote q;
  uint32_t mask = (1u << 16) | (1u << TEA_PCR_NODE) | 1u;
  assert_int_equal(tea_tpm_quote(f->tpm, mask, qual, 32, &q, NULL), TEA_OK);
  assert_int_equal(q.alg, TEA_AK_P256);
  tea_attest_info info;
  tea_error err;
  if (tea_quote_verify(&q, &ak, qual, 32, (const uint8_t(*)[32])pcrs, &info, &err)) fail_msg("%s", err.msg);
  assert_int_equal(info.pcr_mask, mask);
  assert_true(info.safe);
  assert_int_equal(info.signer_len, 34); /* SHA-256 name of the AK */
  /* forged: one bit of the signed structure, or of the signature */
  q.attest[q.attest_len - 1] ^= 1;
  assert_int_equal(tea_quote_verify(&q, &ak, qual, 32, (const uint8_t(*)[32])pcrs, NULL, NULL), TEA_ERR_CRYPTO);
  q.attest[q.attest_len - 1] ^= 1;
  q.sig[40] ^= 1;
  assert_int_equal(tea_quote_verify(&q, &ak, qual, 32, (const uint8_t(*)[32])pcrs, NULL, NULL), TEA_ERR_CRYPTO);
  q.sig[40] ^= 1;
  /* another PCR value than the one quoted */
  pcrs[0][0] ^= 1;
  assert_int_equal(tea_quote_verify(&q, &ak, qual, 32, (const uint8_t(*)[32])pcrs, NULL, NULL), TEA_ERR_CRYPTO);
  pcrs[0][0] ^= 1;
  /* the soft TPM's quote does not verify under this AK */
  assert_int_equal(tea_quote_verify(&q, &ak, qual, 32, (const uint8_t(*)[32])pcrs, NULL, NULL), TEA_OK);
}

/* A key the TPM lets sign only while PCR 23 holds the booted value. */
static void test_pcr_bound_key(void **state) {
  world *w = boot(state);
  fx *f = &w->f;
  uint32_t mask = 1u << TEA_PCR_NODE;
  uint8_t pcrs[TEA_PCR_COUNT][32], pd[32], msg[32], sig[64];
  tea_ak key, key2;
  tea_error err;
  assert_int_equal(tea_tpm_read(f->tpm, mask, pcrs, NULL), TEA_OK);
  assert_int_equal(tea_pcr_digest(mask, (const uint8_t(*)[32])pcrs, pd, NULL), TEA_OK);
  fx_hash("seal me", msg);
  if (tea_tpm_sign_bound(f->tpm, mask, pd, msg, sig, &key, &err)) fail_msg("%s", err.msg);
  assert_int_equal(key.alg, TEA_AK_P256);
  if (tea_bound_verify(&key, msg, sig, &err)) fail_msg("%s", err.msg);
  msg[1] ^= 1;
  assert_int_equal(tea_bound_verify(&key, msg, sig, NULL), TEA_ERR_CRYPTO);
  msg[1] ^= 1;
  assert_int_equal(tea_tpm_sign_bound(f->tpm, mask, pd, msg, sig, &key2, NULL), TEA_OK);
  assert_true(tea_ak_equal(&key, &key2)); /* same policy, same primary key */
  /* another PCR state: the TPM refuses in the policy session */
  assert_int_equal(tea_tpm_extend(f->tpm, TEA_PCR_NODE, msg, NULL), TEA_OK);
  assert_int_equal(tea_tpm_sign_bound(f->tpm, mask, pd, msg, sig, &key2, &err), TEA_ERR_STATE);
  /* and nothing was left loaded: many rounds, no 0x902 */
  assert_int_equal(tea_tpm_read(f->tpm, mask, pcrs, NULL), TEA_OK);
  assert_int_equal(tea_pcr_digest(mask, (const uint8_t(*)[32])pcrs, pd, NULL), TEA_OK);
  for (int i = 0; i < 6; i++) {
    if (tea_tpm_sign_bound(f->tpm, mask, pd, msg, sig, &key, &err)) fail_msg("round %d: %s", i, err.msg);
    assert_int_equal(tea_tpm_sign_bound(f->tpm, mask, msg, msg, sig, &key, NULL), TEA_ERR_STATE);
  }
}

static tea_attest_check attest(world *w, unsigned flags, void (*tamper)(tea_evidence *), tea_attest_result *res) {
  fx *f = &w->f;
  tea_policy_table *t = fx_policy(f, flags);
  tea_policy p = tea_policy_table_policy(t);
  tea_challenge c;
  assert_int_equal(tea_challenge_new(f->keys.ed_pk, 500, &c, NULL), TEA_OK);
  tea_evidence ev;
  tea_error err;
  if (tea_attest_respond(f->tpm, &f->keys, &f->log, c.nonce, FX_HEIGHT, f->blocks[FX_HEIGHT], &ev, &err))
    fail_msg("%s", err.msg);
  if (tamper) tamper(&ev);
  uint8_t *buf;
  size_t n;
  assert_int_equal(tea_evidence_encode(&ev, &buf, &n, NULL), TEA_OK);
  tea_evidence_free(&ev);
  tea_attest_options opt = {.now = 501, .max_age = 30, .max_lag = 2};
  assert_int_equal(tea_attest_verify(&p, &c, buf, n, &opt, res, NULL), TEA_OK);
  free(buf);
  tea_policy_table_free(t);
  return res->failed;
}

static void t_sig(tea_evidence *ev) { ev->quote.sig[3] ^= 1; }
static void t_pcr(tea_evidence *ev) { ev->pcrs[TEA_PCR_NODE][0] ^= 1; }
static void t_log(tea_evidence *ev) { ev->log.ev[ev->log.n - 1].desc[0] = 'X'; }

static void expect(world *w, unsigned flags, void (*tamper)(tea_evidence *), tea_attest_check want) {
  tea_attest_result res;
  tea_attest_check got = attest(w, flags, tamper, &res);
  if (got != want) fail_msg("want %s, got %s: %s", tea_attest_check_name(want), tea_attest_check_name(got), res.reason);
}

static void test_attestation(void **state) {
  world *w = boot(state);
  expect(w, 0, NULL, TEA_AC_NONE);
  expect(w, P_NO_SOFT, NULL, TEA_AC_NONE); /* a real TPM passes where software is refused */
  expect(w, 0, t_sig, TEA_AC_SIGNATURE);
  expect(w, 0, t_pcr, TEA_AC_PCR);
  expect(w, 0, t_log, TEA_AC_EVENTLOG);
  expect(w, P_RETIRED_RUNTIME, NULL, TEA_AC_RUNTIME);
  expect(w, P_NO_ACTOR, NULL, TEA_AC_ACTOR);
  expect(w, P_OTHER_AK, NULL, TEA_AC_AK);
  expect(w, P_NO_NODE, NULL, TEA_AC_AK);

  /* replayed nonce: the answer to one challenge offered for another */
  fx *f = &w->f;
  tea_policy_table *t = fx_policy(f, 0);
  tea_policy p = tea_policy_table_policy(t);
  tea_challenge c1, c2;
  tea_challenge_new(f->keys.ed_pk, 500, &c1, NULL);
  tea_challenge_new(f->keys.ed_pk, 500, &c2, NULL);
  tea_evidence ev;
  assert_int_equal(tea_attest_respond(f->tpm, &f->keys, &f->log, c1.nonce, FX_HEIGHT, f->blocks[FX_HEIGHT], &ev, NULL),
                   TEA_OK);
  uint8_t *buf;
  size_t n;
  assert_int_equal(tea_evidence_encode(&ev, &buf, &n, NULL), TEA_OK);
  tea_attest_options opt = {.now = 501, .max_age = 30, .max_lag = 2};
  tea_attest_result res;
  assert_int_equal(tea_attest_verify(&p, &c1, buf, n, &opt, &res, NULL), TEA_OK);
  assert_int_equal(res.failed, TEA_AC_NONE);
  assert_int_equal(tea_attest_verify(&p, &c2, buf, n, &opt, &res, NULL), TEA_OK);
  assert_int_equal(res.failed, TEA_AC_NONCE);
  free(buf);
  tea_evidence_free(&ev);

  /* an actor loaded after the log was sent: the next answer shows it */
  uint8_t d[32];
  fx_hash("unapproved actor", d);
  assert_int_equal(tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_ACTOR, d, "rogue bafkreirogue", NULL), TEA_OK);
  expect(w, 0, NULL, TEA_AC_ACTOR);
  /* and hiding it from the log does not help */
  f->log.n--;
  expect(w, 0, NULL, TEA_AC_EVENTLOG);

  /* registration evidence */
  assert_int_equal(tea_attest_register(f->tpm, &f->keys, &f->log, &ev, NULL), TEA_OK);
  assert_int_equal(tea_evidence_encode(&ev, &buf, &n, NULL), TEA_OK);
  tea_evidence_free(&ev);
  assert_int_equal(tea_attest_verify_registration(&p, buf, n, &res, NULL), TEA_OK);
  assert_int_equal(res.failed, TEA_AC_EVENTLOG); /* the log still hides the rogue actor */
  free(buf);
  f->log.n++;
  assert_int_equal(tea_attest_register(f->tpm, &f->keys, &f->log, &ev, NULL), TEA_OK);
  assert_int_equal(tea_evidence_encode(&ev, &buf, &n, NULL), TEA_OK);
  tea_evidence_free(&ev);
  assert_int_equal(tea_attest_verify_registration(&p, buf, n, &res, NULL), TEA_OK);
  assert_int_equal(res.failed, TEA_AC_ACTOR);
  free(buf);
  tea_policy_table_free(t);
}

static void test_receipt_with_quote(void **state) {
  world *w = boot(state);
  fx *f = &w->f;
  tea_receipt r;
  tea_receipt_init(&r);
  memcpy(r.runtime, f->runtime, 32);
  snprintf(r.actor, sizeof r.actor, FX_ACTOR);
  snprintf(r.cid, sizeof r.cid, FX_CID);
  r.height = 3;
  memcpy(r.block, f->blocks[3], 32);
  assert_int_equal(tea_receipt_sign(&r, &f->keys, NULL), TEA_OK);
  tea_error err;
  if (tea_receipt_attach_quote(&r, f->tpm, &f->log, &err)) fail_msg("%s", err.msg);
  uint8_t *buf;
  size_t n;
  assert_int_equal(tea_receipt_encode(&r, &buf, &n, NULL), TEA_OK);
  tea_receipt back;
  assert_int_equal(tea_receipt_decode(buf, n, &back, NULL), TEA_OK);
  free(buf);
  tea_policy_table *t = fx_policy(f, P_NO_SOFT);
  tea_policy p = tea_policy_table_policy(t);
  tea_receipt_report rep;
  assert_int_equal(tea_receipt_verify(&p, &back, NULL, &rep, NULL), TEA_OK);
  if (!rep.pass || rep.result[TEA_RC_QUOTE] != TEA_CHECK_PASS) fail_msg("quote: %s", rep.detail[TEA_RC_QUOTE]);
  back.quote.quote.sig[0] ^= 1;
  assert_int_equal(tea_receipt_verify(&p, &back, NULL, &rep, NULL), TEA_OK);
  assert_int_equal(rep.result[TEA_RC_QUOTE], TEA_CHECK_FAIL);
  assert_false(rep.pass);
  tea_receipt_free(&back);
  tea_receipt_free(&r);
  tea_policy_table_free(t);
}

static void test_reboot(void **state) {
  world *w = boot(state);
  fx *f = &w->f;
  tea_ak before, after;
  assert_int_equal(tea_tpm_ak_public(f->tpm, &before, NULL), TEA_OK);
  uint8_t pcrs[TEA_PCR_COUNT][32];
  static const uint8_t zero[32];
  assert_int_equal(tea_tpm_read(f->tpm, 1u << TEA_PCR_NODE, pcrs, NULL), TEA_OK);
  assert_memory_not_equal(pcrs[TEA_PCR_NODE], zero, 32);

  /* an orderly power cycle: the OS shuts the TPM down, swtpm restarts on its state,
   * TPM2_Startup(CLEAR) */
  tea_tpm_close(f->tpm);
  f->tpm = NULL;
  tpm_orderly_shutdown(w);
  swtpm_stop(&w->sw);
  swtpm_start(&w->sw);
  tpm_open(w);
  assert_int_equal(tea_tpm_read(f->tpm, 1u << TEA_PCR_NODE, pcrs, NULL), TEA_OK);
  assert_memory_equal(pcrs[TEA_PCR_NODE], zero, 32);
  assert_int_equal(tea_tpm_ak_public(f->tpm, &after, NULL), TEA_OK);
  assert_true(tea_ak_equal(&before, &after)); /* same endorsement seed, same AK */

  /* the old log no longer replays to the TPM; a fresh boot's does */
  expect(w, 0, NULL, TEA_AC_EVENTLOG);
  tea_eventlog_free(&f->log);
  tea_eventlog_init(&f->log);
  assert_int_equal(fx_boot(f), TEA_OK);
  expect(w, 0, NULL, TEA_AC_NONE);

  /* a power loss (no TPM2_Shutdown): the TPM cannot vouch that its clock did not go
   * back, says so in every quote, and the verifier refuses until it is safe again */
  tea_tpm_close(f->tpm);
  f->tpm = NULL;
  swtpm_stop(&w->sw);
  swtpm_start(&w->sw);
  tpm_open(w);
  tea_eventlog_free(&f->log);
  tea_eventlog_init(&f->log);
  assert_int_equal(fx_boot(f), TEA_OK);
  expect(w, 0, NULL, TEA_AC_CLOCK);
}

/* Every open creates the AK as a transient object and every close flushes it; a
 * leak would hit the TPM's few object slots (0x902) within a handful of rounds. */
static void test_no_transient_leak(void **state) {
  world *w = boot(state);
  for (int i = 0; i < 12; i++) {
    tea_tpm_close(w->f.tpm);
    w->f.tpm = NULL;
    tpm_open(w);
    tea_quote q;
    uint8_t qual[32] = {(uint8_t)i};
    tea_error err;
    if (tea_tpm_quote(w->f.tpm, 1u << TEA_PCR_NODE, qual, 32, &q, &err)) fail_msg("round %d: %s", i, err.msg);
  }
  expect(w, 0, NULL, TEA_AC_NONE);
}

int main(void) {
  /* The refusals tested here are TPM errors the ESAPI would log to stderr as well;
   * the library's own messages carry them. */
  setenv("TSS2_LOG", "all+none", 0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_extend_quote_verify, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pcr_bound_key, setup, teardown),
      cmocka_unit_test_setup_teardown(test_attestation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_receipt_with_quote, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reboot, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_transient_leak, setup, teardown),
  };
  return cmocka_run_group_tests_name("tpm_swtpm", tests, NULL, NULL);
}
