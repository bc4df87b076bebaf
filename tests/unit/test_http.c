/* The embedded HTTP server: complete requests reach the handler, limits and
 * malformed requests are answered by the server, which keeps serving. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tea/http.h"

/* Echoes method, path, a query argument and the body length. */
static void echo(void *user, const tea_http_request *req, tea_http_response *resp) {
  (void)user;
  if (strcmp(req->path, "/boom") == 0) {
    tea_http_problem(resp, 404, "Not Found", "no route for %s", req->path);
    return;
  }
  char buf[512];
  const char *q = tea_http_query(req, "q");
  int n = snprintf(buf, sizeof buf, "%s %s q=%s len=%zu", req->method, req->path, q ? q : "-",
                   req->body_len);
  resp->status = 200;
  tea_http_set_body(resp, "text/plain", buf, (size_t)n);
  tea_http_add_header(resp, "X-Tea", "yes");
}

typedef struct buf {
  char data[4096];
  size_t len;
} buf;

static size_t collect(char *p, size_t size, size_t n, void *ud) {
  buf *b = ud;
  size_t k = size * n;
  if (b->len + k >= sizeof b->data) k = sizeof b->data - 1 - b->len;
  memcpy(b->data + b->len, p, k);
  b->len += k;
  b->data[b->len] = 0;
  return size * n;
}

static long request(uint16_t port, const char *path, const char *body, size_t body_len, buf *out) {
  CURL *c = curl_easy_init();
  char url[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
  memset(out, 0, sizeof *out);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
  }
  long code = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  return code;
}

static tea_http_server *start(size_t max_body) {
  tea_http_config cfg = {.max_body = max_body};
  tea_http_server *s;
  tea_error err;
  assert_int_equal(tea_http_start(&cfg, echo, NULL, &s, &err), TEA_OK);
  assert_int_not_equal(tea_http_port(s), 0);
  return s;
}

static void test_get_and_post_reach_the_handler(void **state) {
  (void)state;
  tea_http_server *s = start(1024);
  buf b;
  assert_int_equal(request(tea_http_port(s), "/v1/x?q=7", NULL, 0, &b), 200);
  assert_string_equal(b.data, "GET /v1/x q=7 len=0");
  assert_int_equal(request(tea_http_port(s), "/p", "hello", 5, &b), 200);
  assert_string_equal(b.data, "POST /p q=- len=5");
  assert_int_equal(request(tea_http_port(s), "/boom", NULL, 0, &b), 404);
  assert_non_null(strstr(b.data, "\"status\":404"));
  tea_http_stop(s);
}

static void test_oversized_body_is_refused(void **state) {
  (void)state;
  tea_http_server *s = start(1000);
  char *big = malloc(5000);
  memset(big, 'x', 5000);
  buf b;
  assert_int_equal(request(tea_http_port(s), "/p", big, 5000, &b), 413);
  assert_non_null(strstr(b.data, "\"status\":413"));
  assert_int_equal(request(tea_http_port(s), "/p", big, 1000, &b), 200);
  free(big);
  tea_http_stop(s);
}

static void test_malformed_request_then_still_serving(void **state) {
  (void)state;
  tea_http_server *s = start(1024);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(tea_http_port(s))};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  const char *junk = "THIS IS NOT HTTP\r\n\r\n";
  assert_int_equal(write(fd, junk, strlen(junk)), (ssize_t)strlen(junk));
  char reply[256] = {0};
  ssize_t n = read(fd, reply, sizeof reply - 1);
  close(fd);
  assert_true(n > 0);
  assert_non_null(strstr(reply, " 400 ")); /* or the connection was refused politely */
  buf b;
  assert_int_equal(request(tea_http_port(s), "/ok", NULL, 0, &b), 200);
  tea_http_stop(s);
}

int main(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_get_and_post_reach_the_handler),
      cmocka_unit_test(test_oversized_body_is_refused),
      cmocka_unit_test(test_malformed_request_then_still_serving),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
