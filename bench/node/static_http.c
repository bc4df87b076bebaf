/* The ceiling for `make bench`'s node figures: the same embedded HTTP server
 * (tea_http, libmicrohttpd underneath, same thread count) answering every
 * request with a fixed body, no work at all.
 * Usage: tea_static_http PORT [THREADS] — runs until SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tea/http.h"

static void fixed(void *user, const tea_http_request *req, tea_http_response *resp) {
  (void)user;
  (void)req;
  resp->status = 200;
  tea_http_set_body(resp, "application/octet-stream", "hello", 5);
}

static volatile sig_atomic_t stop;
static void on_signal(int s) {
  (void)s;
  stop = 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: tea_static_http PORT [THREADS]\n");
    return 2;
  }
  tea_http_config c = {.port = (uint16_t)atoi(argv[1]), .threads = argc > 2 ? (unsigned)atoi(argv[2]) : 2};
  tea_http_server *s;
  tea_error err;
  if (tea_http_start(&c, fixed, NULL, &s, &err) != TEA_OK) {
    fprintf(stderr, "tea_static_http: %s\n", err.msg);
    return 1;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  while (!stop) pause();
  tea_http_stop(s);
  return 0;
}
