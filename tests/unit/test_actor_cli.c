/* `teanode actor` end to end: keygen, sign, inspect, run (with state, a
 * transcript and a replay), and the refusals a developer meets (no grant,
 * tampered bytes, a wrong issuer). teanode is found relative to this test's
 * own binary (BUILD/tests/unit -> BUILD/src/cli); modules in ACTORS_DIR. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static char teanode[4096], dir[64], out_path[128], err_path[128];

static void find_teanode(void) {
  char self[2048];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  assert_true(n > 0);
  self[n] = '\0';
  *strrchr(self, '/') = '\0';
  snprintf(teanode, sizeof teanode, "%s/../../src/cli/teanode", self);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return strdup("");
  char *buf = calloc(1, 1 << 16);
  size_t n = fread(buf, 1, (1 << 16) - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

/* Runs `teanode actor ARGS` in dir; stdout and stderr go to files. */
static int actor(const char *fmt, ...) {
  char args[2048], cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "cd %s && %s actor %s >%s 2>%s", dir, teanode, args, out_path, err_path);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect_out(const char *want) {
  char *o = slurp(out_path);
  if (!strstr(o, want)) fail_msg("stdout lacks '%s':\n%s", want, o);
  free(o);
}

static void expect_err(const char *want) {
  char *e = slurp(err_path);
  if (!strstr(e, want)) fail_msg("stderr lacks '%s':\n%s", want, e);
  free(e);
}

static int setup(void **state) {
  (void)state;
  find_teanode();
  if (access(teanode, X_OK) != 0) return 0; /* each test skips */
  snprintf(dir, sizeof dir, "/tmp/tea-actor-cli-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  snprintf(out_path, sizeof out_path, "%s/out", dir);
  snprintf(err_path, sizeof err_path, "%s/err", dir);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (!dir[0]) return 0;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static bool ready(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/counter.wasm", ACTORS_DIR);
  if (access(teanode, X_OK) == 0 && access(path, R_OK) == 0) return true;
  print_message("# skipped: teanode or the C actors are not built\n");
  return false;
}

static void test_sign_inspect_run(void **state) {
  (void)state;
  if (!ready()) skip();
  assert_int_equal(actor("keygen -o me.seed"), 0);
  char *pub = slurp(out_path);
  assert_int_equal(pub[0], 'A');
  pub[strcspn(pub, "\n")] = 0;
  assert_int_equal(actor("sign %s/counter.wasm -o counter.wasm --key me.seed --name counter "
                         "--cap tea:keyvalue --rev 3 --ver 1.2.0 --expires-in 3600", ACTORS_DIR), 0);
  expect_out("bafkrei");
  assert_int_equal(actor("inspect counter.wasm"), 0);
  expect_out("name     counter");
  expect_out("caps     tea:keyvalue");
  expect_out("rev      3");
  expect_out(pub);
  expect_out("signature, algorithm and module hash OK");

  assert_int_equal(actor("run counter.wasm --op increment --grant tea:keyvalue"), 0);
  expect_out("1");
  assert_int_equal(actor("run counter.wasm --op increment --grant tea:keyvalue --transcript t.cbor"), 0);
  expect_out("2");
  expect_err("measured actor counter sha256:");
  expect_err("transcript sha256:");
  /* replay: the same answer, and no write (the counter stays at 2) */
  assert_int_equal(actor("run counter.wasm --op increment --grant tea:keyvalue --replay t.cbor"), 0);
  expect_out("2");
  assert_int_equal(actor("run counter.wasm --op get --grant tea:keyvalue"), 0);
  expect_out("2");
  /* input from a file */
  char cmd[256];
  snprintf(cmd, sizeof cmd, "printf 40 > %s/in", dir);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(actor("run counter.wasm --op increment --input in --grant tea:keyvalue"), 0);
  expect_out("42");

  /* refusals */
  assert_int_equal(actor("run counter.wasm --op increment"), 1);
  expect_err("not granted");
  assert_int_equal(actor("keygen -o other.seed"), 0);
  char *other = slurp(out_path);
  other[strcspn(other, "\n")] = 0;
  assert_int_equal(actor("run counter.wasm --op get --grant tea:keyvalue --issuer %s", other), 1);
  expect_err("is not allowed");
  free(other);
  snprintf(cmd, sizeof cmd, "cd %s && printf '\\001' | dd of=counter.wasm bs=1 seek=1000 conv=notrunc 2>/dev/null", dir);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(actor("inspect counter.wasm"), 1);
  expect_out("module hash mismatch");
  free(pub);
}

static void test_usage(void **state) {
  (void)state;
  if (!ready()) skip();
  assert_int_equal(actor("--help"), 0);
  expect_out("keygen");
  assert_int_equal(actor("sign"), 2);
  assert_int_equal(actor("run x.wasm"), 2);
  assert_int_equal(actor("frobnicate"), 2);
  assert_int_equal(actor("run missing.wasm --op x"), 1);
  expect_err("cannot open");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sign_inspect_run),
      cmocka_unit_test(test_usage),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
