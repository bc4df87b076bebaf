/* `teanode verify` end to end: a receipt file, a JSON policy file, an input file;
 * the exit status and the check named on failure. The teanode binary is found
 * relative to this test's own (BUILD/tests/unit -> BUILD/src/cli). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <jansson.h>

#include "trust_fixture.h"

static char teanode[4096];
static fx F;
static char receipt_path[128], policy_path[128], input_path[128], out_path[128];
static const char INPUT[] = "hello, actor";

static void find_teanode(void) {
  char self[2048];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  assert_true(n > 0);
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  *slash = '\0';
  snprintf(teanode, sizeof teanode, "%s/../../src/cli/teanode", self);
  if (access(teanode, X_OK) != 0) fail_msg("teanode not built at %s", teanode);
}

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(p, 1, n, f), n);
  fclose(f);
}

static void write_receipt(tea_receipt *r) {
  uint8_t *buf;
  size_t n;
  assert_int_equal(tea_receipt_encode(r, &buf, &n, NULL), TEA_OK);
  write_file(receipt_path, buf, n);
  free(buf);
}

static void base_receipt(tea_receipt *r) {
  tea_receipt_init(r);
  memcpy(r->runtime, F.runtime, 32);
  snprintf(r->runtime_version, sizeof r->runtime_version, "0.1.0");
  snprintf(r->actor, sizeof r->actor, FX_ACTOR);
  snprintf(r->cid, sizeof r->cid, FX_CID);
  r->height = 4;
  memcpy(r->block, F.blocks[4], 32);
  tea_sha256(INPUT, strlen(INPUT), r->input, NULL);
  r->nproviders = 1;
  memcpy(r->providers[0], F.provider, 32);
  assert_int_equal(tea_receipt_sign(r, &F.keys, NULL), TEA_OK);
}

/* Runs teanode with args; returns its exit status, output in out_path. */
static int run(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5, const char *a6) {
  const char *args[] = {teanode, "verify", a1, a2, a3, a4, a5, a6, NULL};
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (!freopen(out_path, "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(99);
    execv(teanode, (char *const *)args);
    _exit(98);
  }
  int st;
  waitpid(pid, &st, 0);
  assert_true(WIFEXITED(st));
  return WEXITSTATUS(st);
}

static bool output_has(const char *s) {
  FILE *f = fopen(out_path, "r");
  char buf[8192];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strstr(buf, s) != NULL;
}

static void write_policy(void) {
  tea_ak a;
  tea_tpm_ak_public(F.tpm, &a, NULL);
  char node[65], ak[65], rt[65], pv[65], b4[65];
  tea_hex_encode(F.keys.ed_pk, 32, node);
  tea_hex_encode(a.pub, 32, ak);
  tea_hex_encode(F.runtime, 32, rt);
  tea_hex_encode(F.provider, 32, pv);
  tea_hex_encode(F.blocks[4], 32, b4);
  FILE *f = fopen(policy_path, "w");
  fprintf(f,
          "{\"blocks\": [{\"height\": 4, \"hash\": \"%s\"}],\n"
          " \"nodes\": [{\"id\": \"%s\", \"ak\": {\"alg\": \"ed25519\", \"software\": true, \"pub\": \"%s\"}}],\n"
          " \"runtimes\": [{\"hash\": \"%s\"}],\n"
          " \"actors\": [{\"name\": \"%s\", \"cid\": \"%s\"}],\n"
          " \"providers\": [{\"hash\": \"%s\"}]}\n",
          b4, node, ak, rt, FX_ACTOR, FX_CID, pv);
  fclose(f);
}

static int setup(void **state) {
  (void)state;
  find_teanode();
  fx_init(&F);
  if (tea_tpm_open_soft(F.dir, &F.tpm, NULL)) return -1;
  snprintf(receipt_path, sizeof receipt_path, "%s/receipt.cbor", F.dir);
  snprintf(policy_path, sizeof policy_path, "%s/policy.json", F.dir);
  snprintf(input_path, sizeof input_path, "%s/input", F.dir);
  snprintf(out_path, sizeof out_path, "%s/out", F.dir);
  write_policy();
  write_file(input_path, INPUT, strlen(INPUT));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  fx_free(&F);
  return 0;
}

static void test_pass(void **state) {
  (void)state;
  tea_receipt r;
  base_receipt(&r);
  write_receipt(&r);
  assert_int_equal(run(receipt_path, "--policy", policy_path, "--input", input_path, NULL), 0);
  assert_true(output_has("signature  pass"));
  assert_true(output_has("input      pass"));
  assert_true(output_has("quote      skip"));
  assert_true(output_has("PASS"));
  /* with a quote attached */
  tea_eventlog_init(&F.log);
  assert_int_equal(fx_boot(&F), TEA_OK);
  assert_int_equal(tea_receipt_attach_quote(&r, F.tpm, &F.log, NULL), TEA_OK);
  write_receipt(&r);
  tea_receipt_free(&r);
  assert_int_equal(run(receipt_path, "--policy", policy_path, NULL, NULL, NULL), 1);
  assert_true(output_has("quote      fail")); /* this policy does not allow software TPMs */
  assert_true(output_has("FAIL: quote"));
}

static void test_failures_name_the_check(void **state) {
  (void)state;
  tea_receipt r;
  base_receipt(&r);
  r.fuel = 99; /* not re-signed */
  write_receipt(&r);
  assert_int_equal(run(receipt_path, "--policy", policy_path, NULL, NULL, NULL), 1);
  assert_true(output_has("FAIL: signature\n"));

  base_receipt(&r);
  r.cid[12] ^= 1;
  assert_int_equal(tea_receipt_sign(&r, &F.keys, NULL), TEA_OK);
  write_receipt(&r);
  assert_int_equal(run(receipt_path, "--policy", policy_path, NULL, NULL, NULL), 1);
  assert_true(output_has("FAIL: actor\n"));

  base_receipt(&r);
  write_receipt(&r);
  write_file(input_path, "other", 5);
  assert_int_equal(run(receipt_path, "--policy", policy_path, "--input", input_path, NULL), 1);
  assert_true(output_has("FAIL: input\n"));
  write_file(input_path, INPUT, strlen(INPUT));

  /* replay needs the code, the transcript and a ledger: a policy file is not enough,
     and the command line says so rather than skipping the check (tests/e2e runs it) */
  assert_int_equal(run(receipt_path, "--policy", policy_path, "--input", input_path, "--replay"), 2);

  /* the chain: this receipt after the previous one */
  char prev_path[160];
  snprintf(prev_path, sizeof prev_path, "%s/prev.cbor", F.dir);
  tea_receipt prev;
  base_receipt(&prev);
  prev.seq = 41;
  assert_int_equal(tea_receipt_sign(&prev, &F.keys, NULL), TEA_OK);
  uint8_t *pb;
  size_t pn;
  assert_int_equal(tea_receipt_encode(&prev, &pb, &pn, NULL), TEA_OK);
  write_file(prev_path, pb, pn);
  free(pb);
  base_receipt(&r);
  r.seq = 42;
  assert_int_equal(tea_receipt_hash(&prev, r.prev, NULL), TEA_OK);
  assert_int_equal(tea_receipt_sign(&r, &F.keys, NULL), TEA_OK);
  write_receipt(&r);
  assert_int_equal(run(receipt_path, "--policy", policy_path, "--prev", prev_path, NULL), 0);
  assert_true(output_has("chain      pass"));
  r.seq = 43;
  assert_int_equal(tea_receipt_sign(&r, &F.keys, NULL), TEA_OK);
  write_receipt(&r);
  assert_int_equal(run(receipt_path, "--policy", policy_path, "--prev", prev_path, NULL), 1);
  assert_true(output_has("FAIL: chain\n"));
  base_receipt(&r);
  write_receipt(&r);

  /* JSON */
  assert_int_equal(run(receipt_path, "--policy", policy_path, "--json", NULL, NULL), 0);
  json_error_t je;
  json_t *o = json_load_file(out_path, 0, &je);
  assert_non_null(o);
  assert_true(json_is_true(json_object_get(o, "pass")));
  assert_int_equal(json_array_size(json_object_get(o, "checks")), TEA_RC_COUNT);
  assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(o, "checks"), 0), "check")),
                      "signature");
  json_decref(o);

  /* not a receipt; missing policy source; no ledger where one is named */
  assert_int_equal(run(policy_path, "--policy", policy_path, NULL, NULL, NULL), 1);
  assert_int_equal(run(receipt_path, NULL, NULL, NULL, NULL, NULL), 2);
  assert_int_equal(run(receipt_path, "--policy", policy_path, "--replay", NULL, NULL), 2);
  assert_int_equal(run(receipt_path, "--ledger", "/nonexistent", NULL, NULL, NULL), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pass),
      cmocka_unit_test(test_failures_name_the_check),
  };
  return cmocka_run_group_tests_name("verify_cli", tests, setup, teardown);
}
