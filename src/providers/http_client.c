/* tea:http-client: outgoing HTTP for actors, only to hosts on the actor's
 * allow-list (from its registry record). The URL is parsed once and the
 * parsed form is what curl uses, so what is checked is what is fetched.
 * No redirects (they could leave the allow-list), http and https only,
 * bounded request and response sizes, a timeout that never outlasts the
 * invocation's deadline. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "providers/common.h"

typedef struct http_provider {
  tea_http_limits lim;
} http_provider;

typedef struct body {
  uint8_t *data;
  size_t len, max;
  bool too_big;
} body;

static size_t on_data(char *p, size_t size, size_t n, void *ctx) {
  body *b = ctx;
  size_t add = size * n;
  if (add > b->max - b->len) {
    b->too_big = true;
    return 0; /* aborts the transfer */
  }
  uint8_t *d = realloc(b->data, b->len + add + 1);
  if (!d) return 0;
  memcpy(d + b->len, p, add);
  b->data = d;
  b->len += add;
  return add;
}

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* host and host:port against the allow-list. */
static bool allowed(const tea_provider_ctx *ctx, const char *host, const char *port) {
  char hp[512];
  snprintf(hp, sizeof hp, "%s:%s", host, port ? port : "");
  for (size_t i = 0; i < ctx->nhttp_allow; i++) {
    const char *a = ctx->http_allow[i];
    if (strcasecmp(a, host) == 0 || (port && strcasecmp(a, hp) == 0)) return true;
  }
  return false;
}

static tea_code parse_url(const tea_provider_ctx *ctx, const char *url, CURLU **out, tea_error *err) {
  CURLU *u = curl_url();
  if (!u) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  char *scheme = NULL, *host = NULL, *port = NULL;
  tea_code rc = TEA_OK;
  if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0)) {
    rc = tea_fail(err, TEA_ERR_ARG, "tea:http-client: not a URL");
  } else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
    rc = tea_fail(err, TEA_ERR_STATE, "tea:http-client: scheme %s not allowed (http, https)", scheme);
  } else if (curl_url_get(u, CURLUPART_HOST, &host, 0)) {
    rc = tea_fail(err, TEA_ERR_ARG, "tea:http-client: URL without a host");
  } else {
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    if (!allowed(ctx, host, port))
      rc = tea_fail(err, TEA_ERR_STATE, "tea:http-client: host %s is not on actor %s's allow-list", host, ctx->actor);
  }
  curl_free(scheme), curl_free(host), curl_free(port);
  if (rc != TEA_OK) {
    curl_url_cleanup(u);
    return rc;
  }
  *out = u;
  return TEA_OK;
}

static tea_code transfer(http_provider *h, const tea_provider_ctx *ctx, CURLU *url, const char *ctype,
                         const uint8_t *payload, size_t payload_len, bool post, uint8_t **resp, size_t *resp_len,
                         tea_error *err) {
  long timeout = (long)h->lim.timeout_ms;
  if (ctx->deadline_ns) {
    uint64_t now = mono_ns();
    if (now >= ctx->deadline_ns) return tea_fail(err, TEA_ERR_LIMIT, "tea:http-client: deadline passed");
    uint64_t left_ms = (ctx->deadline_ns - now) / 1000000u + 1;
    if (left_ms < (uint64_t)timeout) timeout = (long)left_ms;
  }
  CURL *c = curl_easy_init();
  if (!c) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  body b = {NULL, 0, h->lim.max_response, false};
  struct curl_slist *hdrs = NULL;
  curl_easy_setopt(c, CURLOPT_CURLU, url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->lim.max_response);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "tea-actor/1");
  if (post) {
    char ct[300];
    snprintf(ct, sizeof ct, "Content-Type: %s", *ctype ? ctype : "application/octet-stream");
    hdrs = curl_slist_append(hdrs, ct);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload_len ? (const char *)payload : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)payload_len);
  }
  CURLcode cr = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  tea_code rc = TEA_OK;
  if (b.too_big || cr == CURLE_FILESIZE_EXCEEDED)
    rc = tea_fail(err, TEA_ERR_LIMIT, "tea:http-client: response over the limit of %zu bytes", h->lim.max_response);
  else if (cr == CURLE_OPERATION_TIMEDOUT)
    rc = tea_fail(err, TEA_ERR_LIMIT, "tea:http-client: timed out after %ld ms", timeout);
  else if (cr != CURLE_OK)
    rc = tea_fail(err, TEA_ERR_IO, "tea:http-client: %s", curl_easy_strerror(cr));
  else if (status >= 400)
    rc = tea_fail(err, TEA_ERR_IO, "http status %ld", status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  if (rc != TEA_OK) {
    free(b.data);
    return rc;
  }
  *resp = b.data;
  *resp_len = b.len;
  return TEA_OK;
}

static tea_code http_call(void *self, void *session, const tea_provider_ctx *ctx, const char *op,
                          const uint8_t *req, size_t req_len, uint8_t **resp, size_t *resp_len, tea_error *err) {
  (void)session;
  http_provider *h = self;
  *resp = NULL;
  *resp_len = 0;
  bool post = strcmp(op, "post") == 0;
  if (!post && strcmp(op, "get") != 0) return tea_fail(err, TEA_ERR_ARG, "tea:http-client has no operation %s (get, post)", op);
  if (req_len > h->lim.max_request)
    return tea_fail(err, TEA_ERR_LIMIT, "tea:http-client: request over the limit of %zu bytes", h->lim.max_request);
  char *url = NULL, *ctype = NULL;
  const uint8_t *rest, *payload = NULL;
  size_t rest_len, payload_len = 0;
  tea_code rc = tea_provider_split(req, req_len, &url, &rest, &rest_len, post, err);
  if (rc == TEA_OK && post) rc = tea_provider_split(rest, rest_len, &ctype, &payload, &payload_len, true, err);
  CURLU *u = NULL;
  if (rc == TEA_OK) rc = parse_url(ctx, url, &u, err);
  if (rc == TEA_OK) rc = transfer(h, ctx, u, ctype, payload, payload_len, post, resp, resp_len, err);
  curl_url_cleanup(u);
  free(url), free(ctype);
  return rc;
}

/* curl_global_init is not thread-safe: once per process. */
static void init_curl(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static const tea_provider_ops http_ops = {.capability = TEA_CAP_HTTP, .call = http_call, .destroy = free};

tea_code tea_provider_http_new(const tea_http_limits *limits, tea_provider **out, tea_error *err) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, init_curl);
  http_provider *h = calloc(1, sizeof *h);
  if (!h) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (limits) h->lim = *limits;
  if (!h->lim.max_request) h->lim.max_request = 1u << 20;
  if (!h->lim.max_response) h->lim.max_response = 1u << 20;
  if (!h->lim.timeout_ms) h->lim.timeout_ms = 10000;
  return tea_provider_make(&http_ops, h, out, err);
}
