/* Capability providers on their own, through their tea_provider_ops, with
 * their limits and failure paths: log, clock, random, keyvalue (sessions,
 * commit and abort, namespaces, quotas, persistence), blobstore, http-client
 * (against a tiny server on 127.0.0.1) and actor calls. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tea/hash.h"
#include "tea/provider.h"

/* ---- helpers ---------------------------------------------------------------- */

typedef struct answer {
  tea_code rc;
  uint8_t *data;
  size_t len;
  tea_error err;
} answer;

static answer call(tea_provider *p, void *session, const tea_provider_ctx *ctx, const char *op, const void *req,
                   size_t len) {
  answer a;
  memset(&a, 0, sizeof a);
  a.rc = p->ops->call(p->self, session, ctx, op, req, len, &a.data, &a.len, &a.err);
  return a;
}

static answer call_str(tea_provider *p, void *session, const tea_provider_ctx *ctx, const char *op, const char *req) {
  return call(p, session, ctx, op, req, strlen(req));
}

static void expect(answer a, const char *want) {
  if (a.rc != TEA_OK) fail_msg("call failed: %s", a.err.msg);
  assert_int_equal(a.len, strlen(want));
  if (a.len) assert_memory_equal(a.data, want, a.len);
  free(a.data);
}

/* code TEA_OK: any failure will do */
static void expect_fail(answer a, tea_code code, const char *msg_part) {
  if (code == TEA_OK) assert_int_not_equal(a.rc, TEA_OK);
  else assert_int_equal(a.rc, code);
  if (msg_part && !strstr(a.err.msg, msg_part)) fail_msg("message '%s' lacks '%s'", a.err.msg, msg_part);
  free(a.data);
}

static tea_provider_ctx ctx_for(const char *actor) {
  tea_provider_ctx c;
  memset(&c, 0, sizeof c);
  c.actor = actor;
  c.actor_cid = "bafkreiexample";
  return c;
}

/* ---- tea:log ------------------------------------------------------------------ */

static char logged[256];

static void sink(void *user, const char *actor, const char *level, const char *msg, size_t len) {
  (void)user;
  snprintf(logged, sizeof logged, "%s %s %.*s", actor, level, (int)len, msg);
}

static void test_log(void **state) {
  (void)state;
  tea_provider *p;
  tea_error err;
  assert_int_equal(tea_provider_log_new(sink, NULL, 5, &p, &err), TEA_OK);
  assert_string_equal(p->ops->capability, "tea:log");
  tea_provider_ctx c = ctx_for("a1");
  expect(call_str(p, NULL, &c, "warn", "hello world"), "");
  assert_string_equal(logged, "a1 warn hello"); /* cut at max_line */
  expect_fail(call_str(p, NULL, &c, "shout", "x"), TEA_ERR_ARG, "no operation shout");
  tea_provider_free(p);
}

/* ---- tea:clock and tea:random ------------------------------------------------ */

static tea_code fixed(void *user, uint32_t id, uint64_t *ns) {
  (void)user;
  if (id == 7) return TEA_ERR_IO;
  *ns = 1234567890123ull + id;
  return TEA_OK;
}

static void test_clock(void **state) {
  (void)state;
  tea_provider *p;
  tea_error err;
  tea_provider_ctx c = ctx_for("a");
  assert_int_equal(tea_provider_clock_new(fixed, NULL, &p, &err), TEA_OK);
  expect(call_str(p, NULL, &c, "now", ""), "1234567890123");
  uint8_t id1[4] = {1, 0, 0, 0};
  answer a = call(p, NULL, &c, "clock_time_get", id1, 4);
  assert_int_equal(a.rc, TEA_OK);
  assert_int_equal(a.len, 8);
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | a.data[i];
  assert_int_equal(v, 1234567890124ull);
  free(a.data);
  expect_fail(call(p, NULL, &c, "clock_time_get", id1, 3), TEA_ERR_ARG, "4 bytes");
  uint8_t id7[4] = {7, 0, 0, 0};
  expect_fail(call(p, NULL, &c, "clock_time_get", id7, 4), TEA_ERR_IO, "clock source failed");
  expect_fail(call_str(p, NULL, &c, "tomorrow", ""), TEA_ERR_ARG, NULL);
  tea_provider_free(p);
  /* the system clock */
  assert_int_equal(tea_provider_clock_new(NULL, NULL, &p, &err), TEA_OK);
  a = call_str(p, NULL, &c, "now", "");
  assert_int_equal(a.rc, TEA_OK);
  assert_true(a.len >= 19); /* nanoseconds since 1970: 19 digits until 2286 */
  free(a.data);
  uint8_t id9[4] = {9, 0, 0, 0};
  expect_fail(call(p, NULL, &c, "clock_res_get", id9, 4), TEA_ERR_ARG, "unknown clock");
  tea_provider_free(p);
}

static void test_random(void **state) {
  (void)state;
  tea_provider *p;
  tea_error err;
  tea_provider_ctx c = ctx_for("a");
  assert_int_equal(tea_provider_random_new(64, &p, &err), TEA_OK);
  answer a = call_str(p, NULL, &c, "bytes", "32"), b = call_str(p, NULL, &c, "bytes", "32");
  assert_int_equal(a.rc, TEA_OK);
  assert_int_equal(a.len, 32);
  assert_memory_not_equal(a.data, b.data, 32);
  free(a.data), free(b.data);
  uint8_t le[4] = {16, 0, 0, 0};
  a = call(p, NULL, &c, "bytes", le, 4);
  assert_int_equal(a.len, 16);
  free(a.data);
  expect(call_str(p, NULL, &c, "bytes", "0"), "");
  expect_fail(call_str(p, NULL, &c, "bytes", "65"), TEA_ERR_LIMIT, "limit of 64");
  expect_fail(call_str(p, NULL, &c, "bytes", "1x"), TEA_ERR_ARG, NULL);
  expect_fail(call_str(p, NULL, &c, "bytes", ""), TEA_ERR_ARG, NULL);
  expect_fail(call_str(p, NULL, &c, "coin", "1"), TEA_ERR_ARG, NULL);
  tea_provider_free(p);
}

/* ---- tea:keyvalue --------------------------------------------------------------- */

static char state_dir[64];

static int make_dir(void **state) {
  (void)state;
  snprintf(state_dir, sizeof state_dir, "/tmp/tea-test-kv-XXXXXX");
  return mkdtemp(state_dir) ? 0 : -1;
}

static int remove_dir(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", state_dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void *begin(tea_provider *p, const tea_provider_ctx *c) {
  void *s = NULL;
  tea_error err;
  assert_int_equal(p->ops->begin(p->self, c, &s, &err), TEA_OK);
  return s;
}

static tea_code end(tea_provider *p, void *s, const tea_provider_ctx *c, bool commit, tea_error *err) {
  return p->ops->end(p->self, s, c, commit, err);
}

static answer set(tea_provider *p, void *s, const tea_provider_ctx *c, const char *k, const char *v) {
  char buf[512];
  size_t kl = strlen(k), vl = strlen(v);
  memcpy(buf, k, kl + 1);
  memcpy(buf + kl + 1, v, vl);
  return call(p, s, c, "set", buf, kl + 1 + vl);
}

static void test_keyvalue_basics(void **state) {
  (void)state;
  tea_provider *p;
  tea_error err;
  assert_int_equal(tea_provider_keyvalue_new(state_dir, NULL, &p, &err), TEA_OK);
  tea_provider_ctx c = ctx_for("alice");
  void *s = begin(p, &c);
  expect_fail(call_str(p, s, &c, "get", "k"), TEA_ERR_NOT_FOUND, "not found");
  expect(set(p, s, &c, "k", "v1"), "");
  expect(call_str(p, s, &c, "get", "k"), "v1"); /* reads see the session's writes */
  expect(set(p, s, &c, "k", "v2"), "");
  expect(set(p, s, &c, "empty", ""), "");
  expect(call_str(p, s, &c, "get", "empty"), "");
  expect(call_str(p, s, &c, "increment", "n"), "1");
  expect(call(p, s, &c, "increment", "n\0-5", 4), "-4");
  expect(call(p, s, &c, "increment", "big\0" "9223372036854775807", 23), "9223372036854775807");
  expect_fail(call_str(p, s, &c, "increment", "big"), TEA_ERR_LIMIT, "overflows");
  assert_int_equal(end(p, s, &c, true, &err), TEA_OK);

  s = begin(p, &c);
  expect(call_str(p, s, &c, "get", "k"), "v2");
  expect(call_str(p, s, &c, "delete", "k"), "1");
  expect(call_str(p, s, &c, "delete", "k"), "0");
  expect_fail(call_str(p, s, &c, "get", "k"), TEA_ERR_NOT_FOUND, NULL);
  expect(set(p, s, &c, "new", "x"), "");
  /* abort: nothing of this session is kept */
  assert_int_equal(end(p, s, &c, false, &err), TEA_OK);
  s = begin(p, &c);
  expect(call_str(p, s, &c, "get", "k"), "v2");
  expect_fail(call_str(p, s, &c, "get", "new"), TEA_ERR_NOT_FOUND, NULL);
  /* another actor's namespace is separate */
  tea_provider_ctx bob = ctx_for("bob");
  void *sb = begin(p, &bob);
  expect_fail(call_str(p, sb, &bob, "get", "k"), TEA_ERR_NOT_FOUND, NULL);
  assert_int_equal(end(p, sb, &bob, true, &err), TEA_OK);
  assert_int_equal(end(p, s, &c, true, &err), TEA_OK);
  tea_provider_free(p);

  /* persistence: a new provider on the same directory */
  assert_int_equal(tea_provider_keyvalue_new(state_dir, NULL, &p, &err), TEA_OK);
  s = begin(p, &c);
  expect(call_str(p, s, &c, "get", "k"), "v2");
  expect(call_str(p, s, &c, "get", "n"), "-4");
  assert_int_equal(end(p, s, &c, false, &err), TEA_OK);
  tea_provider_free(p);
}

static void test_keyvalue_list(void **state) {
  (void)state;
  tea_provider *p;
  tea_error err;
  tea_kv_limits lim = {.max_list_keys = 3};
  assert_int_equal(tea_provider_keyvalue_new(state_dir, &lim, &p, &err), TEA_OK);
  tea_provider_ctx c = ctx_for("lister");
  void *s = begin(p, &c);
  expect(set(p, s, &c, "user/b", "1"), "");
  expect(set(p, s, &c, "user/a", "1"), "");
  expect(set(p, s, &c, "other", "1"), "");
  assert_int_equal(end(p, s, &c, true, &err), TEA_OK);
  s = begin(p, &c);
  expect(set(p, s, &c, "user/c", "1"), "");   /* buffered, listed */
  expect(call_str(p, s, &c, "delete", "user/a"), "1"); /* buffered delete, not listed */
  answer a = call_str(p, s, &c, "list", "user/");
  assert_int_equal(a.rc, TEA_OK);
  assert_int_equal(a.len, 14);
  assert_memory_equal(a.data, "user/b\0user/c\0", 14);
  free(a.data);
  expect(set(p, s, &c, "user/d", "1"), "");
  expect(set(p, s, &c, "user/e", "1"), "");
  a = call_str(p, s, &c, "list", "user/"); /* at most 3 */
  assert_int_equal(a.len, 21);
  free(a.data);
  expect(call_str(p, s, &c, "list", "nothing"), "");
  assert_int_equal(end(p, s, &c, false, &err), TEA_OK);
  tea_provider_free(p);
}

static void test_keyvalue_limits(void **state) {
  (void)state;
  tea_provider *p;
  tea_error err;
  tea_kv_limits lim = {.max_key = 8, .max_value = 16, .max_namespace_bytes = 40};
  assert_int_equal(tea_provider_keyvalue_new(state_dir, &lim, &p, &err), TEA_OK);
  tea_provider_ctx c = ctx_for("limited");
  void *s = begin(p, &c);
  expect_fail(set(p, s, &c, "123456789", "v"), TEA_ERR_LIMIT, "key must be 1..8");
  expect_fail(set(p, s, &c, "", "v"), TEA_ERR_LIMIT, NULL);
  expect_fail(set(p, s, &c, "k", "01234567890123456"), TEA_ERR_LIMIT, "value of 17 bytes");
  expect_fail(call_str(p, s, &c, "set", "no-separator"), TEA_ERR_ARG, NULL);
  expect(set(p, s, &c, "a", "0123456789012345"), ""); /* 17 bytes */
  expect(set(p, s, &c, "b", "0123456789012345"), ""); /* 34 bytes */
  expect_fail(set(p, s, &c, "c", "0123456789"), TEA_ERR_LIMIT, "would exceed 40 bytes");
  expect(set(p, s, &c, "a", "x"), ""); /* shrinking frees room */
  expect(set(p, s, &c, "c", "0123456789"), "");
  expect(set(p, s, &c, "word", "abc"), "");
  expect_fail(call_str(p, s, &c, "increment", "word"), TEA_ERR_INVALID, "not an integer");
  expect_fail(call(p, s, &c, "increment", "n\0zz", 4), TEA_ERR_ARG, NULL);
  expect_fail(call_str(p, s, &c, "rename", "a"), TEA_ERR_ARG, NULL);
  assert_int_equal(end(p, s, &c, false, &err), TEA_OK);
  tea_provider_free(p);
}

/* ---- tea:blobstore ---------------------------------------------------------------- */

static void test_blobstore(void **state) {
  (void)state;
  char dir[128];
  snprintf(dir, sizeof dir, "%s/blobs", state_dir);
  tea_blobstore *bs;
  tea_error err;
  assert_int_equal(tea_blobstore_open(&bs, dir, 0, &err), TEA_OK);
  tea_provider *p;
  assert_int_equal(tea_provider_blobstore_new(bs, 10, &p, &err), TEA_OK);
  tea_provider_ctx c = ctx_for("a");
  answer a = call_str(p, NULL, &c, "put", "hello");
  assert_int_equal(a.rc, TEA_OK);
  char cid[TEA_CID_STR_MAX];
  snprintf(cid, sizeof cid, "%.*s", (int)a.len, (const char *)a.data);
  free(a.data);
  tea_cid want;
  assert_int_equal(tea_cid_of(TEA_CODEC_RAW, "hello", 5, &want, &err), TEA_OK);
  char wants[TEA_CID_STR_MAX];
  tea_cid_format(&want, wants, &err);
  assert_string_equal(cid, wants);
  expect(call_str(p, NULL, &c, "get", cid), "hello");
  expect(call_str(p, NULL, &c, "has", cid), "1");
  expect_fail(call_str(p, NULL, &c, "put", "more than ten"), TEA_ERR_LIMIT, "limit of 10");
  expect_fail(call_str(p, NULL, &c, "get", "not-a-cid"), TEA_OK, NULL);
  expect_fail(call_str(p, NULL, &c, "get", ""), TEA_ERR_ARG, NULL);
  /* a block over the provider's limit that is in the store */
  tea_cid big;
  assert_int_equal(tea_blobstore_put_raw(bs, "0123456789abcdef", 16, &big, &err), TEA_OK);
  tea_cid_format(&big, wants, &err);
  expect_fail(call_str(p, NULL, &c, "get", wants), TEA_ERR_LIMIT, NULL);
  tea_blobstore_remove(bs, &big, &err);
  expect_fail(call_str(p, NULL, &c, "get", wants), TEA_ERR_NOT_FOUND, NULL);
  expect(call_str(p, NULL, &c, "has", wants), "0");
  expect_fail(call_str(p, NULL, &c, "delete", cid), TEA_ERR_ARG, NULL);
  tea_provider_free(p);
  tea_blobstore_close(bs);
}

/* ---- tea:http-client --------------------------------------------------------------- */

typedef struct server {
  int fd;
  int port;
  pthread_t th;
} server;

/* One request per connection; the path picks the answer. */
static void *serve(void *p) {
  server *s = p;
  for (;;) {
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) return NULL;
    char req[4096];
    ssize_t n = recv(c, req, sizeof req - 1, 0);
    if (n <= 0) {
      close(c);
      continue;
    }
    req[n] = 0;
    if (strncmp(req, "GET /quit", 9) == 0) {
      close(c);
      return NULL;
    }
    char resp[8192];
    int len;
    if (strncmp(req, "GET /hello", 10) == 0) {
      len = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    } else if (strncmp(req, "GET /big", 8) == 0) {
      len = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n");
      memset(resp + len, 'x', 2000);
      len += 2000;
    } else if (strncmp(req, "GET /redirect", 13) == 0) {
      len = snprintf(resp, sizeof resp,
                     "HTTP/1.1 302 Found\r\nLocation: http://example.com/\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n");
    } else if (strncmp(req, "GET /slow", 9) == 0) {
      usleep(600 * 1000);
      len = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nslow");
    } else if (strncmp(req, "POST /echo", 10) == 0) {
      const char *body = strstr(req, "\r\n\r\n");
      body = body ? body + 4 : "";
      const char *ct = strstr(req, "Content-Type: ");
      char ctype[64] = "";
      if (ct) sscanf(ct + 14, "%63[^\r]", ctype);
      char out[512];
      int ol = snprintf(out, sizeof out, "%s|%s", ctype, body);
      len = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", ol, out);
    } else {
      len = snprintf(resp, sizeof resp, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
    ssize_t sent = send(c, resp, (size_t)len, MSG_NOSIGNAL);
    (void)sent;
    close(c);
  }
}

static void server_start(server *s) {
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(s->fd, 16), 0);
  socklen_t al = sizeof a;
  getsockname(s->fd, (struct sockaddr *)&a, &al);
  s->port = ntohs(a.sin_port);
  pthread_create(&s->th, NULL, serve, s);
}

static void test_http(void **state) {
  (void)state;
  server srv;
  server_start(&srv);
  tea_provider *p;
  tea_error err;
  tea_http_limits lim = {.max_response = 1000, .max_request = 200, .timeout_ms = 300};
  assert_int_equal(tea_provider_http_new(&lim, &p, &err), TEA_OK);
  char allow_entry[64];
  snprintf(allow_entry, sizeof allow_entry, "127.0.0.1:%d", srv.port);
  const char *allow[] = {allow_entry};
  tea_provider_ctx c = ctx_for("fetcher");
  c.http_allow = allow;
  c.nhttp_allow = 1;
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/hello", srv.port);
  expect(call_str(p, NULL, &c, "get", url), "hello");
  /* POST: URL \0 content type \0 body */
  char req[256];
  int n = snprintf(req, sizeof req, "http://127.0.0.1:%d/echo%ctext/plain%cabc", srv.port, 0, 0);
  expect(call(p, NULL, &c, "post", req, (size_t)n), "text/plain|abc");
  /* failure paths */
  snprintf(url, sizeof url, "http://127.0.0.1:%d/missing", srv.port);
  expect_fail(call_str(p, NULL, &c, "get", url), TEA_ERR_IO, "http status 404");
  snprintf(url, sizeof url, "http://127.0.0.1:%d/big", srv.port);
  expect_fail(call_str(p, NULL, &c, "get", url), TEA_ERR_LIMIT, "over the limit of 1000");
  snprintf(url, sizeof url, "http://127.0.0.1:%d/redirect", srv.port); /* not followed */
  expect(call_str(p, NULL, &c, "get", url), "");
  snprintf(url, sizeof url, "http://127.0.0.1:%d/hello", srv.port + 1 == 65536 ? 1 : srv.port + 1);
  expect_fail(call_str(p, NULL, &c, "get", url), TEA_ERR_STATE, "allow-list");
  expect_fail(call_str(p, NULL, &c, "get", "http://localhost/hello"), TEA_ERR_STATE, "allow-list");
  expect_fail(call_str(p, NULL, &c, "get", "file:///etc/passwd"), TEA_ERR_STATE, NULL);
  expect_fail(call_str(p, NULL, &c, "get", "not a url"), TEA_ERR_ARG, NULL);
  char big[300];
  memset(big, 'a', sizeof big);
  expect_fail(call(p, NULL, &c, "get", big, sizeof big), TEA_ERR_LIMIT, NULL);
  expect_fail(call(p, NULL, &c, "post", url, strlen(url)), TEA_ERR_ARG, NULL); /* no separators */
  expect_fail(call_str(p, NULL, &c, "delete", url), TEA_ERR_ARG, NULL);
  /* an empty allow-list allows nothing */
  tea_provider_ctx none = ctx_for("nobody");
  snprintf(url, sizeof url, "http://127.0.0.1:%d/hello", srv.port);
  expect_fail(call_str(p, NULL, &none, "get", url), TEA_ERR_STATE, NULL);
  /* an entry without a port allows the host on any port */
  const char *host_only[] = {"127.0.0.1"};
  c.http_allow = host_only;
  expect(call_str(p, NULL, &c, "get", url), "hello");
  /* last: the one-at-a-time server stays busy after the client gives up */
  snprintf(url, sizeof url, "http://127.0.0.1:%d/slow", srv.port);
  expect_fail(call_str(p, NULL, &c, "get", url), TEA_ERR_LIMIT, "timed out");
  tea_provider_free(p);
  /* stop the server: a raw request, the provider is gone */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(send(fd, "GET /quit HTTP/1.0\r\n\r\n", 22, 0), 22);
  close(fd);
  pthread_join(srv.th, NULL);
  close(srv.fd);
}

/* ---- tea:actor ---------------------------------------------------------------------- */

static char called[128];

static tea_code fake_call(void *host_ctx, const char *actor, const char *op, const uint8_t *in, size_t in_len,
                          uint8_t **out, size_t *out_len, tea_error *err) {
  (void)host_ctx, (void)err;
  snprintf(called, sizeof called, "%s.%s(%.*s)", actor, op, (int)in_len, (const char *)in);
  *out = (uint8_t *)strdup("done");
  *out_len = 4;
  return TEA_OK;
}

static void test_actor_call(void **state) {
  (void)state;
  tea_provider *p;
  tea_error err;
  assert_int_equal(tea_provider_actor_new(&p, &err), TEA_OK);
  const char *callable[] = {"wordcount"};
  tea_provider_ctx c = ctx_for("caller");
  c.callable = callable;
  c.ncallable = 1;
  c.call_actor = fake_call;
  expect(call(p, NULL, &c, "call", "wordcount\0count\0a b", 19), "done");
  assert_string_equal(called, "wordcount.count(a b)");
  expect_fail(call(p, NULL, &c, "call", "secret\0get\0", 11), TEA_ERR_STATE, "not in its claims");
  expect_fail(call(p, NULL, &c, "call", "wordcount", 9), TEA_ERR_ARG, NULL);
  expect_fail(call(p, NULL, &c, "call", "wordcount\0count", 15), TEA_ERR_ARG, NULL);
  expect_fail(call(p, NULL, &c, "invoke", "wordcount\0count\0", 16), TEA_ERR_ARG, NULL);
  c.call_actor = NULL;
  expect_fail(call(p, NULL, &c, "call", "wordcount\0count\0", 16), TEA_ERR_STATE, "cannot call");
  tea_provider_free(p);
}

/* ---- native plugins ------------------------------------------------------------------- */

static int measured_plugins;
static bool refuse;

static tea_code measure(void *user, const uint8_t hash[32], const char *kind, const char *name, tea_error *err) {
  (void)user, (void)hash;
  if (refuse) return tea_fail(err, TEA_ERR_STATE, "PCR extend failed");
  assert_string_equal(kind, "provider");
  assert_string_equal(name, "echo_provider.so");
  measured_plugins++;
  return TEA_OK;
}

static void test_plugin(void **state) {
  (void)state;
  FILE *f = fopen(PLUGIN_PATH, "rb");
  assert_non_null(f);
  uint8_t buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf, f);
  assert_true(feof(f));
  fclose(f);
  uint8_t good[32], bad[32];
  tea_error err;
  assert_int_equal(tea_sha256(buf, n, good, &err), TEA_OK);
  memcpy(bad, good, 32);
  bad[0] ^= 1;
  tea_provider *p;
  /* a hash the ledger did not approve: refused before anything is loaded */
  assert_int_equal(tea_provider_plugin_load(PLUGIN_PATH, bad, "cfg", measure, NULL, &p, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "not the approved"));
  assert_null(p);
  assert_int_equal(measured_plugins, 0);
  refuse = true;
  assert_int_equal(tea_provider_plugin_load(PLUGIN_PATH, good, "cfg", measure, NULL, &p, &err), TEA_ERR_STATE);
  assert_non_null(strstr(err.msg, "measurement refused"));
  refuse = false;
  assert_int_equal(tea_provider_plugin_load("/nonexistent.so", good, "cfg", measure, NULL, &p, &err), TEA_ERR_IO);
  assert_int_equal(tea_provider_plugin_load(PLUGIN_PATH, good, "cfg", measure, NULL, &p, &err), TEA_OK);
  assert_int_equal(measured_plugins, 1);
  assert_string_equal(p->ops->capability, "tea:echo");
  tea_provider_ctx c = ctx_for("a");
  expect(call_str(p, NULL, &c, "any", "ping"), "cfg:ping");
  tea_provider_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_log),
      cmocka_unit_test(test_clock),
      cmocka_unit_test(test_random),
      cmocka_unit_test_setup_teardown(test_keyvalue_basics, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(test_keyvalue_list, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(test_keyvalue_limits, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(test_blobstore, make_dir, remove_dir),
      cmocka_unit_test(test_http),
      cmocka_unit_test(test_actor_call),
      cmocka_unit_test(test_plugin),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
