/* Naming an etcd ledger (tea_ledger_etcd_parse) and the node's [ledger] backend:
 * accepted forms, normalisation, and a clear reason for each bad one; node.ini round
 * trips and bad lines name the file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tea/ledger.h"
#include "tea/http.h"
#include "tea/node.h"

static void test_etcd_url_forms(void **state) {
  (void)state;
  tea_ledger_etcd_spec s;
  tea_error err = {0};
  assert_int_equal(tea_ledger_etcd_parse("etcd://127.0.0.1:2379", NULL, &s, &err), TEA_OK);
  assert_string_equal(s.endpoints, "http://127.0.0.1:2379");
  assert_string_equal(s.prefix, "/tea/ledger/");
  assert_int_equal(s.nmembers, 1);

  assert_int_equal(tea_ledger_etcd_parse("etcd://a.example:1,b-2.example:65535,[::1]:3/net/one", NULL, &s, &err),
                   TEA_OK);
  assert_string_equal(s.endpoints, "http://a.example:1,http://b-2.example:65535,http://[::1]:3");
  assert_string_equal(s.prefix, "/net/one/"); /* the final "/" is added */
  assert_int_equal(s.nmembers, 3);

  assert_int_equal(tea_ledger_etcd_parse("etcd://h:7/p/", "/ignored/", &s, &err), TEA_OK);
  assert_string_equal(s.prefix, "/p/");
  assert_int_equal(tea_ledger_etcd_parse("etcd://h:7/", "/dflt/", &s, &err), TEA_OK);
  assert_string_equal(s.prefix, "/dflt/");

  /* the older form of $TEA_LEDGER_ETCD: member URLs, prefix from elsewhere */
  assert_int_equal(tea_ledger_etcd_parse("http://10.0.0.1:2379,https://e:2", "/x/", &s, &err), TEA_OK);
  assert_string_equal(s.endpoints, "http://10.0.0.1:2379,https://e:2");
  assert_string_equal(s.prefix, "/x/");
  assert_int_equal(s.nmembers, 2);
}

static void expect_bad(const char *text, const char *reason) {
  tea_ledger_etcd_spec s;
  tea_error err = {0};
  tea_code c = tea_ledger_etcd_parse(text, NULL, &s, &err);
  if (c != TEA_ERR_ARG || !strstr(err.msg, reason))
    fail_msg("\"%s\": got %d \"%s\", wanted \"%s\"", text, (int)c, err.msg, reason);
}

static void test_etcd_url_bad(void **state) {
  (void)state;
  expect_bad("", "expected etcd://HOST:PORT");
  expect_bad("etcd:/h:1", "expected etcd://HOST:PORT");
  expect_bad("ftp://h:1", "expected etcd://HOST:PORT");
  expect_bad("etcd://", "member 1 is empty");
  expect_bad("etcd:///prefix", "member 1 is empty");
  expect_bad("etcd://h:1,,h:2", "member 2 is empty");
  expect_bad("etcd://h:1,", "member 2 is empty");
  expect_bad("etcd://localhost", "member 1 \"localhost\" has no port");
  expect_bad("etcd://h:0", "is not HOST:PORT");
  expect_bad("etcd://h:65536", "is not HOST:PORT");
  expect_bad("etcd://h:12a", "is not HOST:PORT");
  expect_bad("etcd://:2379", "is not HOST:PORT");
  expect_bad("etcd://ho st:2379", "is not HOST:PORT");
  expect_bad("etcd://h:1,h@x:2", "member 2 \"h@x:2\" is not HOST:PORT");
  expect_bad("etcd://[zz]:1", "is not HOST:PORT");
  expect_bad("etcd://h:1/a b", "has a space");
  expect_bad("http://h:1,h:2", "member 2 \"h:2\" is not an http:// URL");
  expect_bad("http://h:1/path", "is not HOST:PORT");
  expect_bad("etcd://a:1,a:2,a:3,a:4,a:5,a:6,a:7,a:8,a:9", "more than 8 members");
  char longp[300] = "etcd://h:1/";
  memset(longp + strlen(longp), 'p', 200);
  expect_bad(longp, "longer than 127 bytes");
}

static char dir[] = "/tmp/tea-node-config-XXXXXX";

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_config_backend(void **state) {
  (void)state;
  char path[256];
  snprintf(path, sizeof path, "%s/node.ini", dir);
  tea_node_config c;
  tea_error err = {0};

  /* default: the file store; an etcd backend survives save and load */
  tea_node_config_default(&c, dir);
  assert_string_equal(c.ledger_backend, "file");
  assert_int_equal(tea_node_config_set_backend(&c, "etcd://127.0.0.1:2379,127.0.0.1:22379/tea/n1", &err), TEA_OK);
  assert_int_equal(tea_node_config_save(path, &c, &err), TEA_OK);
  tea_node_config back;
  assert_int_equal(tea_node_config_load(path, &back, &err), TEA_OK);
  assert_string_equal(back.ledger_backend, "etcd://127.0.0.1:2379,127.0.0.1:22379/tea/n1");

  assert_int_equal(tea_node_config_set_backend(&c, "file", &err), TEA_OK);
  assert_int_equal(tea_node_config_save(path, &c, &err), TEA_OK);
  assert_int_equal(tea_node_config_load(path, &back, &err), TEA_OK);
  assert_string_equal(back.ledger_backend, "file");
  assert_non_null(strstr(back.ledger, "ledger.log"));

  /* a file without the key is a file-store node (node.ini from before the key) */
  write_file(path, "[node]\nstate = /tmp\n[ledger]\npath = /tmp/x.log\n");
  assert_int_equal(tea_node_config_load(path, &back, &err), TEA_OK);
  assert_string_equal(back.ledger_backend, "file");
  assert_string_equal(back.ledger, "/tmp/x.log");

  /* bad values stop the load with file, line and reason */
  write_file(path, "[node]\nstate = /tmp\n[ledger]\nbackend = etcd://h\n");
  assert_int_equal(tea_node_config_load(path, &back, &err), TEA_ERR_ARG);
  assert_non_null(strstr(err.msg, "line 4"));
  assert_non_null(strstr(err.msg, "has no port"));
  write_file(path, "[ledger]\nbackend = sqlite\n");
  assert_int_equal(tea_node_config_load(path, &back, &err), TEA_ERR_ARG);
  assert_non_null(strstr(err.msg, "line 2"));
  assert_non_null(strstr(err.msg, "expected file or etcd://"));
  /* the member-URL form belongs to $TEA_LEDGER_ETCD; node.ini takes one spelling */
  assert_int_equal(tea_node_config_set_backend(&c, "http://h:1", &err), TEA_ERR_ARG);
  assert_string_equal(c.ledger_backend, "file");
  unlink(path);
}

/* [log], [actors] and [http] max_connections and connection_memory: saved and loaded back, bad values
 * refused, and a log file the node cannot open stops it before anything else. */
static void test_config_log_and_pool(void **state) {
  (void)state;
  char path[256];
  snprintf(path, sizeof path, "%s/node.ini", dir);
  tea_node_config c, back;
  tea_error err = {0};
  tea_node_config_default(&c, dir);
  snprintf(c.log_level, sizeof c.log_level, "debug");
  snprintf(c.log_file, sizeof c.log_file, "%s/node.log", dir);
  c.instance_pool = 8;
  assert_int_equal(c.max_connections, TEA_HTTP_SELECT_MAX); /* the default */
  c.max_connections = 5000;
  assert_int_equal(c.connection_memory, TEA_HTTP_CONNECTION_MEMORY);
  c.connection_memory = 65536;
  assert_int_equal(tea_node_config_save(path, &c, &err), TEA_OK);
  assert_int_equal(tea_node_config_load(path, &back, &err), TEA_OK);
  assert_string_equal(back.log_level, "debug");
  assert_string_equal(back.log_file, c.log_file);
  assert_int_equal(back.instance_pool, 8);
  assert_int_equal(back.max_connections, 5000);
  assert_int_equal(back.connection_memory, 65536);
  write_file(path, "[http]\nconnection_memory = 1024\n"); /* under the minimum */
  assert_int_equal(tea_node_config_load(path, &back, &err), TEA_ERR_ARG);
  assert_non_null(strstr(err.msg, "connection_memory"));
  write_file(path, "[http]\nmax_connections = 0\n");
  assert_int_equal(tea_node_config_load(path, &back, &err), TEA_ERR_ARG);
  write_file(path, "[log]\nlevel = chatty\n");
  assert_int_equal(tea_node_config_load(path, &back, &err), TEA_ERR_ARG);
  assert_non_null(strstr(err.msg, "line 2"));
  write_file(path, "[actors]\npool = 99999\n");
  assert_int_equal(tea_node_config_load(path, &back, &err), TEA_ERR_ARG);
  snprintf(c.log_file, sizeof c.log_file, "%s/no/such/dir/node.log", dir);
  tea_node *n = NULL;
  assert_int_equal(tea_node_open(&c, path, "/proc/self/exe", &n, &err), TEA_ERR_IO);
  assert_null(n);
  assert_non_null(strstr(err.msg, "cannot open the log"));
  unlink(path);
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_etcd_url_forms),
      cmocka_unit_test(test_etcd_url_bad),
      cmocka_unit_test(test_config_backend),
      cmocka_unit_test(test_config_log_and_pool),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  rmdir(dir);
  return rc;
}
