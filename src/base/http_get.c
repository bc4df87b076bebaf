/* Bounded HTTP GET and POST for the node's peers, the CLI and the trustless-gateway client:
 * answers are collected in memory, so a size limit and a deadline keep a
 * hostile or stuck server from holding memory or the caller for long. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tea/http.h"

#define DEFAULT_TIMEOUT_MS 10000u
#define DEFAULT_MAX (64ull << 20)

typedef struct sink {
  uint8_t *data;
  size_t len, cap;
  uint64_t max;
  bool too_big, nomem;
} sink;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud) {
  sink *b = ud;
  size_t n = size * nmemb;
  if (b->len + n > b->max) {
    b->too_big = true;
    return 0;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 65536;
    while (cap < b->len + n) cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) {
      b->nomem = true;
      return 0;
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return n;
}

/* GET, or POST when body is not NULL. */
static tea_code request(const char *url, const tea_http_get_opts *opts, const char *content_type,
                        const uint8_t *body, size_t body_len, tea_http_answer *ans, tea_error *err) {
  memset(ans, 0, sizeof *ans);
  unsigned timeout = opts && opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
  sink b = {.max = opts && opts->max_bytes ? opts->max_bytes : DEFAULT_MAX};
  CURL *c = curl_easy_init();
  if (!c) return tea_fail(err, TEA_ERR_IO, "%s: cannot start an HTTP client (%s)", url, curl_easy_strerror(CURLE_FAILED_INIT));
  struct curl_slist *h = NULL;
  char hdr[256];
  if (opts && opts->accept) {
    snprintf(hdr, sizeof hdr, "Accept: %s", opts->accept);
    h = curl_slist_append(h, hdr);
  }
  if (body) {
    snprintf(hdr, sizeof hdr, "Content-Type: %s", content_type ? content_type : "application/octet-stream");
    h = curl_slist_append(h, hdr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  /* only http(s), also after a redirect: a URL from a config file must not read local files */
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 4L);
  CURLcode cc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ans->status);
  char *ct = NULL;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
    snprintf(ans->content_type, sizeof ans->content_type, "%s", ct);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  tea_code rc = TEA_OK;
  if (b.too_big)
    rc = tea_fail(err, TEA_ERR_LIMIT, "%s: answer over %llu bytes", url, (unsigned long long)b.max);
  else if (b.nomem)
    rc = tea_fail(err, TEA_ERR_NOMEM, "%s: out of memory", url);
  else if (cc == CURLE_OPERATION_TIMEDOUT)
    rc = tea_fail(err, TEA_ERR_IO, "%s: timed out after %u ms", url, timeout);
  else if (cc != CURLE_OK)
    rc = tea_fail(err, TEA_ERR_IO, "%s: %s", url, curl_easy_strerror(cc));
  else if (body ? ans->status / 100 != 2 : ans->status != 200) {
    /* the start of the answer (a problem-details "detail", usually) says why */
    char why[161];
    size_t k = 0;
    for (; k < b.len && k < sizeof why - 1; k++) why[k] = b.data[k] >= 0x20 && b.data[k] < 0x7f ? (char)b.data[k] : ' ';
    why[k] = '\0';
    rc = tea_fail(err, ans->status == 404 || ans->status == 410 ? TEA_ERR_NOT_FOUND : TEA_ERR_STATE,
                  "%s: HTTP %ld%s%s", url, ans->status, k ? ": " : "", why);
  }
  if (rc != TEA_OK) {
    free(b.data);
    return rc;
  }
  ans->body = b.data;
  ans->len = b.len;
  return TEA_OK;
}

tea_code tea_http_get(const char *url, const tea_http_get_opts *opts, tea_http_answer *ans,
                      tea_error *err) {
  return request(url, opts, NULL, NULL, 0, ans, err);
}

tea_code tea_http_post(const char *url, const tea_http_get_opts *opts, const char *content_type,
                       const uint8_t *body, size_t len, tea_http_answer *ans, tea_error *err) {
  static const uint8_t empty[1];
  return request(url, opts, content_type, body ? body : empty, len, ans, err);
}
