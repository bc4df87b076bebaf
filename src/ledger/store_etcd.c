/* An etcd v3 ledger store (the JSON gateway over libcurl), for several machines
 * sharing one chain. Keys under a prefix P:
 *   P "head"               the number of blocks, decimal
 *   P "block/" %020 height  a block's signed encoding
 * append is one transaction: if head still holds the expected count (or, for genesis,
 * does not exist) put the block and the new head, else fail with TEA_ERR_STATE; so
 * two proposers racing for the same height cannot both win. etcd only stores bytes:
 * every block read back is verified by the ledger like any other store's. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tea/ledger.h"

#define MAX_ENDPOINTS TEA_LEDGER_ETCD_MAX_MEMBERS
#define PREFIX_MAX TEA_LEDGER_ETCD_PREFIX_MAX

typedef struct etcd_store {
  tea_ledger_store base;
  CURL *curl;
  char *endpoints[MAX_ENDPOINTS];
  size_t nendpoints, current; /* the member that answered last is tried first */
  char prefix[PREFIX_MAX];
} etcd_store;

typedef struct buf {
  char *p;
  size_t n, cap;
} buf;

static size_t on_data(char *data, size_t size, size_t nmemb, void *ctx) {
  buf *b = ctx;
  size_t n = size * nmemb;
  if (b->n + n + 1 > b->cap) {
    size_t cap = (b->n + n + 1) * 2;
    if (cap > 64u * 1024 * 1024) return 0; /* a reply larger than any block: refuse */
    char *p = realloc(b->p, cap);
    if (!p) return 0;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, data, n);
  b->n += n;
  b->p[b->n] = '\0';
  return n;
}

static char *b64(const void *data, size_t n) {
  size_t len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
  char *s = malloc(len);
  if (s) sodium_bin2base64(s, len, data, n, sodium_base64_VARIANT_ORIGINAL);
  return s;
}

static tea_code unb64(const char *s, uint8_t **out, size_t *n, tea_error *err) {
  size_t len = strlen(s);
  *out = malloc(len ? len : 1);
  if (!*out) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (sodium_base642bin(*out, len, s, len, NULL, n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
    free(*out);
    return tea_fail(err, TEA_ERR_MALFORMED, "etcd: bad base64 value");
  }
  return TEA_OK;
}

/* curl_global_init is not thread-safe before 7.84 and must precede any handle. */
static tea_code curl_ready(tea_error *err) {
  static bool ready;
  if (!ready) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) return tea_fail(err, TEA_ERR_IO, "libcurl failed to initialise");
    ready = true;
  }
  return TEA_OK;
}

/* POSTs body to /v3/<api> on the first member that answers; *reply is parsed JSON. */
static tea_code call(etcd_store *es, const char *api, json_t *body, json_t **reply, tea_error *err) {
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  if (!text) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  tea_code c = tea_fail(err, TEA_ERR_IO, "etcd: no endpoint");
  for (size_t i = 0; i < es->nendpoints; i++) {
    size_t e = (es->current + i) % es->nendpoints;
    char url[512];
    snprintf(url, sizeof url, "%s/v3/%s", es->endpoints[e], api);
    buf b = {0};
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_reset(es->curl);
    curl_easy_setopt(es->curl, CURLOPT_URL, url);
    curl_easy_setopt(es->curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(es->curl, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(es->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(es->curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(es->curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(es->curl, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(es->curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(es->curl);
    long status = 0;
    curl_easy_getinfo(es->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    if (rc != CURLE_OK || status >= 500 || status == 0) {
      /* this member is down or without quorum: try the next (the message stands only
         when every member failed) */
      c = tea_fail(err, TEA_ERR_IO, "no etcd member answered (%zu tried; %s: %s)", es->nendpoints,
                   es->endpoints[e], rc != CURLE_OK ? curl_easy_strerror(rc) : "server error");
      free(b.p);
      continue;
    }
    json_error_t je;
    *reply = b.p ? json_loads(b.p, 0, &je) : NULL;
    free(b.p);
    if (status != 200 || !*reply) {
      json_decref(*reply);
      c = tea_fail(err, TEA_ERR_IO, "etcd %s: HTTP %ld", es->endpoints[e], status);
      break;
    }
    es->current = e;
    c = TEA_OK;
    break;
  }
  free(text);
  return c;
}

static json_t *key_json(etcd_store *es, const char *suffix) {
  char k[PREFIX_MAX + 64];
  snprintf(k, sizeof k, "%s%s", es->prefix, suffix);
  char *s = b64(k, strlen(k));
  json_t *j = s ? json_string(s) : NULL;
  free(s);
  return j;
}

/* The value of one key (*found false when absent). */
static tea_code range(etcd_store *es, const char *suffix, uint8_t **val, size_t *n, bool *found, tea_error *err) {
  json_t *reply;
  tea_code c = call(es, "kv/range", json_pack("{s:o}", "key", key_json(es, suffix)), &reply, err);
  if (c) return c;
  json_t *kvs = json_object_get(reply, "kvs");
  *found = json_array_size(kvs) == 1;
  const char *v = *found ? json_string_value(json_object_get(json_array_get(kvs, 0), "value")) : NULL;
  if (*found && !v) v = ""; /* etcd omits empty values */
  c = *found ? unb64(v, val, n, err) : TEA_OK;
  json_decref(reply);
  return c;
}

static tea_code es_count(tea_ledger_store *s, uint64_t *count, tea_error *err) {
  etcd_store *es = (etcd_store *)s;
  uint8_t *v;
  size_t n;
  bool found;
  tea_code c = range(es, "head", &v, &n, &found, err);
  if (c) return c;
  *count = 0;
  if (!found) return TEA_OK;
  char num[24];
  bool ok = n > 0 && n < sizeof num;
  if (ok) {
    memcpy(num, v, n);
    num[n] = '\0';
    char *end;
    *count = strtoull(num, &end, 10);
    ok = *end == '\0';
  }
  free(v);
  return ok ? TEA_OK : tea_fail(err, TEA_ERR_MALFORMED, "etcd: bad head value");
}

static void block_key(char *out, size_t cap, uint64_t h) {
  snprintf(out, cap, "block/%020llu", (unsigned long long)h);
}

static tea_code es_get(tea_ledger_store *s, uint64_t h, uint8_t **out, size_t *n, tea_error *err) {
  etcd_store *es = (etcd_store *)s;
  char k[40];
  block_key(k, sizeof k, h);
  bool found;
  tea_code c = range(es, k, out, n, &found, err);
  if (c) return c;
  if (!found) return tea_fail(err, TEA_ERR_NOT_FOUND, "etcd: no block %llu", (unsigned long long)h);
  return TEA_OK;
}

static json_t *put_op(etcd_store *es, const char *suffix, const void *val, size_t n) {
  char *v = b64(val, n);
  json_t *j = v ? json_pack("{s:{s:o, s:s}}", "request_put", "key", key_json(es, suffix), "value", v) : NULL;
  free(v);
  return j;
}

static tea_code es_append(tea_ledger_store *s, uint64_t h, const uint8_t *data, size_t n, tea_error *err) {
  etcd_store *es = (etcd_store *)s;
  char k[40], head[24], next[24];
  block_key(k, sizeof k, h);
  snprintf(head, sizeof head, "%llu", (unsigned long long)h);
  snprintf(next, sizeof next, "%llu", (unsigned long long)h + 1);
  json_t *cmp;
  if (h == 0) {
    /* genesis: only if there is no head yet */
    cmp = json_pack("{s:o, s:s, s:s, s:s}", "key", key_json(es, "head"), "target", "CREATE", "result", "EQUAL",
                    "create_revision", "0");
  } else {
    char *hv = b64(head, strlen(head));
    cmp = json_pack("{s:o, s:s, s:s, s:s}", "key", key_json(es, "head"), "target", "VALUE", "result", "EQUAL", "value",
                    hv ? hv : "");
    free(hv);
  }
  json_t *body = json_pack("{s:[o], s:[o, o]}", "compare", cmp, "success", put_op(es, k, data, n),
                           put_op(es, "head", next, strlen(next)));
  if (!body) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  json_t *reply;
  tea_code c = call(es, "kv/txn", body, &reply, err);
  if (c) return c;
  bool won = json_is_true(json_object_get(reply, "succeeded"));
  json_decref(reply);
  if (!won) return tea_fail(err, TEA_ERR_STATE, "etcd: the head moved (another proposer appended block %llu)",
                            (unsigned long long)h);
  return TEA_OK;
}

/* A comma-separated list into malloc'd strings; false if none or out of memory. */
static bool split_endpoints(const char *list, char **out, size_t *n) {
  *n = 0;
  for (const char *p = list; *p && *n < MAX_ENDPOINTS;) {
    size_t len = strcspn(p, ",");
    if (len) {
      out[*n] = strndup(p, len);
      if (!out[(*n)++]) return false;
    }
    p += len + (p[len] == ',');
  }
  return *n > 0;
}

static void es_close(tea_ledger_store *s) {
  etcd_store *es = (etcd_store *)s;
  for (size_t i = 0; i < es->nendpoints; i++) free(es->endpoints[i]);
  if (es->curl) curl_easy_cleanup(es->curl);
  free(es);
}

static const tea_ledger_store_ops etcd_ops = {"etcd", es_count, es_get, es_append, es_close};

/* What the store and the watch need before they make anything. */
static tea_code open_ready(const char *prefix, tea_error *err) {
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to initialise");
  if (strlen(prefix) >= PREFIX_MAX) return tea_fail(err, TEA_ERR_ARG, "etcd prefix too long");
  return curl_ready(err);
}

tea_code tea_ledger_store_etcd_open(tea_ledger_store **out, const char *endpoints, const char *prefix,
                                    tea_error *err) {
  tea_code c = open_ready(prefix, err);
  if (c) return c;
  etcd_store *es = calloc(1, sizeof *es);
  if (!es) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  es->base.ops = &etcd_ops;
  snprintf(es->prefix, sizeof es->prefix, "%s", prefix);
  bool split = split_endpoints(endpoints, es->endpoints, &es->nendpoints);
  es->curl = curl_easy_init();
  if (!split || !es->curl) {
    es_close(&es->base);
    return tea_fail(err, TEA_ERR_ARG, "etcd: no usable endpoint in '%s'", endpoints);
  }
  *out = &es->base;
  return TEA_OK;
}

/* ---- naming an etcd ledger ---- */

static bool host_ok(const char *h, size_t n) {
  bool v6 = n > 2 && h[0] == '[' && h[n - 1] == ']';
  if (v6) h++, n -= 2;
  if (!n) return false;
  for (size_t i = 0; i < n; i++) {
    char ch = h[i];
    bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') || ch == '.' ||
              (v6 ? ch == ':' : (ch >= 'g' && ch <= 'z') || (ch >= 'G' && ch <= 'Z') || ch == '-' || ch == '_');
    if (!ok) return false;
  }
  return true;
}

static bool port_ok(const char *p, size_t n) {
  unsigned long v = 0;
  if (n == 0 || n > 5) return false;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return false;
    v = v * 10 + (unsigned long)(p[i] - '0');
  }
  return v >= 1 && v <= 65535;
}

tea_code tea_ledger_etcd_parse(const char *text, const char *default_prefix, tea_ledger_etcd_spec *out,
                               tea_error *err) {
  static const char usage[] = "expected etcd://HOST:PORT[,HOST:PORT...][/PREFIX]";
  memset(out, 0, sizeof *out);
  bool url = strncmp(text, "etcd://", 7) == 0;
  bool list = strncmp(text, "http://", 7) == 0 || strncmp(text, "https://", 8) == 0;
  if (!url && !list) return tea_fail(err, TEA_ERR_ARG, "etcd ledger \"%.80s\": %s", text, usage);
  const char *p = url ? text + 7 : text;
  /* in the etcd:// form the first "/" ends the members; a member URL's own "//"
   * never reaches here because that form has no member URLs */
  const char *path = url ? strchr(p, '/') : NULL;
  const char *end = path ? path : p + strlen(p);
  size_t used = 0;
  for (const char *q = p;;) {
    const char *comma = memchr(q, ',', (size_t)(end - q));
    const char *m = q, *mend = comma ? comma : end;
    const char *scheme = "http://";
    size_t k = out->nmembers + 1;
    if (list) {
      if (strncmp(m, "https://", 8) == 0) scheme = "https://", m += 8;
      else if (strncmp(m, "http://", 7) == 0) m += 7;
      else return tea_fail(err, TEA_ERR_ARG, "etcd ledger: member %zu \"%.*s\" is not an http:// URL", k,
                           (int)(mend - q > 80 ? 80 : mend - q), q);
    }
    if (m >= mend) return tea_fail(err, TEA_ERR_ARG, "etcd ledger \"%.80s\": member %zu is empty (%s)", text, k, usage);
    const char *colon = mend;
    while (colon > m && colon[-1] != ':') colon--;
    size_t mlen = (size_t)(mend - m);
    if (colon == m) return tea_fail(err, TEA_ERR_ARG, "etcd ledger: member %zu \"%.*s\" has no port (HOST:PORT)", k,
                                    (int)(mlen > 80 ? 80 : mlen), m);
    if (!host_ok(m, (size_t)(colon - 1 - m)) || !port_ok(colon, (size_t)(mend - colon)))
      return tea_fail(err, TEA_ERR_ARG, "etcd ledger: member %zu \"%.*s\" is not HOST:PORT (port 1-65535)", k,
                      (int)(mlen > 80 ? 80 : mlen), m);
    if (out->nmembers == TEA_LEDGER_ETCD_MAX_MEMBERS)
      return tea_fail(err, TEA_ERR_ARG, "etcd ledger: more than %d members", TEA_LEDGER_ETCD_MAX_MEMBERS);
    int w = snprintf(out->endpoints + used, sizeof out->endpoints - used, "%s%s%.*s", used ? "," : "", scheme,
                     (int)mlen, m);
    if (w < 0 || (size_t)w >= sizeof out->endpoints - used)
      return tea_fail(err, TEA_ERR_ARG, "etcd ledger: member %zu is too long", k);
    used += (size_t)w;
    out->nmembers++;
    if (!comma) break;
    q = comma + 1;
  }
  const char *prefix = path && strcmp(path, "/") != 0 ? path : (default_prefix ? default_prefix : "/tea/ledger/");
  size_t plen = strlen(prefix);
  for (size_t i = 0; i < plen; i++)
    if ((unsigned char)prefix[i] <= ' ' || prefix[i] == ',' || prefix[i] == 0x7f)
      return tea_fail(err, TEA_ERR_ARG, "etcd ledger: the key prefix \"%.80s\" has a space, comma or control character",
                      prefix);
  /* "/net1" and "/net1/" name the same ledger, not keys "/net1head" */
  bool slash = path && plen && prefix[plen - 1] != '/';
  if (plen + slash >= sizeof out->prefix)
    return tea_fail(err, TEA_ERR_ARG, "etcd ledger: the key prefix is longer than %d bytes",
                    TEA_LEDGER_ETCD_PREFIX_MAX - 1);
  snprintf(out->prefix, sizeof out->prefix, "%s%s", prefix, slash ? "/" : "");
  return TEA_OK;
}

/* ---- watching the head ---- */

struct tea_ledger_watch {
  char *endpoints[MAX_ENDPOINTS];
  size_t nendpoints, current;
  char *body; /* the watch request: create_request on the head key */
  pthread_mutex_t mu;
  pthread_cond_t cv; /* wakes the backoff wait on stop */
  bool stop;
  /* the stream's sockets while open (two while curl races IPv6 against IPv4): stop
   * shuts them down */
  curl_socket_t fds[4];
};

typedef struct stream {
  tea_ledger_watch *w;
  const tea_ledger_watch_cb *cb;
  CURL *curl;
  buf in;
  bool created;
  char why[200];
} stream;

static bool stopped(tea_ledger_watch *w) {
  pthread_mutex_lock(&w->mu);
  bool s = w->stop;
  pthread_mutex_unlock(&w->mu);
  return s;
}

/* curl's own socket calls, wrapped so that stop() can shut the stream's socket down
 * and a blocked read returns at once (a watch can stay silent for hours). */
static curl_socket_t open_sock(void *ctx, curlsocktype purpose, struct curl_sockaddr *a) {
  tea_ledger_watch *w = ctx;
  (void)purpose;
  pthread_mutex_lock(&w->mu);
  curl_socket_t fd = CURL_SOCKET_BAD;
  for (size_t i = 0; !w->stop && i < sizeof w->fds / sizeof w->fds[0]; i++)
    if (w->fds[i] == CURL_SOCKET_BAD) {
      /* a socket stop could not reach is never made */
      fd = w->fds[i] = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
      break;
    }
  pthread_mutex_unlock(&w->mu);
  return fd;
}

static int close_sock(void *ctx, curl_socket_t fd) {
  tea_ledger_watch *w = ctx;
  pthread_mutex_lock(&w->mu);
  for (size_t i = 0; i < sizeof w->fds / sizeof w->fds[0]; i++)
    if (w->fds[i] == fd) w->fds[i] = CURL_SOCKET_BAD;
  int r = close(fd);
  pthread_mutex_unlock(&w->mu);
  return r;
}

/* One message of the stream; false ends it (the reason in s->why). */
static bool on_message(stream *s, json_t *msg) {
  json_t *res = json_object_get(msg, "result");
  if (!res) {
    const char *m = json_string_value(json_object_get(json_object_get(msg, "error"), "message"));
    snprintf(s->why, sizeof s->why, "watch error: %s", m ? m : "unexpected message");
    return false;
  }
  if (json_is_true(json_object_get(res, "canceled"))) {
    const char *m = json_string_value(json_object_get(res, "cancel_reason"));
    snprintf(s->why, sizeof s->why, "watch canceled by etcd%s%s", m ? ": " : "", m ? m : "");
    return false;
  }
  if (json_is_true(json_object_get(res, "created"))) s->created = true;
  else if (!json_array_size(json_object_get(res, "events"))) return true; /* progress notice */
  if (s->cb->changed) s->cb->changed(s->cb->ctx);
  return true;
}

/* The stream is a sequence of JSON messages; a read may end anywhere inside one. */
static size_t on_stream(char *data, size_t size, size_t nmemb, void *ctx) {
  stream *s = ctx;
  long status = 0;
  curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    snprintf(s->why, sizeof s->why, "HTTP %ld", status);
    return 0;
  }
  size_t n = on_data(data, size, nmemb, &s->in);
  if (n != size * nmemb || s->in.n > (1u << 20)) {
    snprintf(s->why, sizeof s->why, "watch message too large");
    return 0;
  }
  size_t off = 0;
  while (off < s->in.n) {
    json_error_t je;
    json_t *msg = json_loadb(s->in.p + off, s->in.n - off, JSON_DISABLE_EOF_CHECK, &je);
    if (!msg) break; /* incomplete: wait for the rest */
    off += (size_t)je.position;
    bool go = on_message(s, msg);
    json_decref(msg);
    if (!go) return 0;
  }
  memmove(s->in.p, s->in.p + off, s->in.n - off + 1);
  s->in.n -= off;
  return n;
}

/* Watches through the first member that answers until the stream ends.
 * *established: a watch was in place (so the next attempt starts a fresh backoff). */
static tea_code watch_once(tea_ledger_watch *w, const tea_ledger_watch_cb *cb, bool *established, tea_error *err) {
  tea_code c = tea_fail(err, TEA_ERR_IO, "etcd: no endpoint");
  for (size_t i = 0; i < w->nendpoints && !stopped(w); i++) {
    size_t e = (w->current + i) % w->nendpoints;
    char url[512];
    snprintf(url, sizeof url, "%s/v3/watch", w->endpoints[e]);
    stream s = {.w = w, .cb = cb, .curl = curl_easy_init()};
    if (!s.curl) return tea_fail(err, TEA_ERR_NOMEM, "libcurl: no handle");
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(s.curl, CURLOPT_URL, url);
    curl_easy_setopt(s.curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(s.curl, CURLOPT_POSTFIELDS, w->body);
    curl_easy_setopt(s.curl, CURLOPT_WRITEFUNCTION, on_stream);
    curl_easy_setopt(s.curl, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(s.curl, CURLOPT_OPENSOCKETFUNCTION, open_sock);
    curl_easy_setopt(s.curl, CURLOPT_OPENSOCKETDATA, w);
    curl_easy_setopt(s.curl, CURLOPT_CLOSESOCKETFUNCTION, close_sock);
    curl_easy_setopt(s.curl, CURLOPT_CLOSESOCKETDATA, w);
    curl_easy_setopt(s.curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    /* no overall timeout: the stream lasts as long as the member; keepalive notices
     * a member that vanished without closing the connection */
    curl_easy_setopt(s.curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(s.curl, CURLOPT_TCP_KEEPIDLE, 5L);
    curl_easy_setopt(s.curl, CURLOPT_TCP_KEEPINTVL, 2L);
    curl_easy_setopt(s.curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(s.curl);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(s.curl);
    free(s.in.p);
    const char *why = s.why[0] ? s.why : rc != CURLE_OK ? curl_easy_strerror(rc) : "the stream ended";
    if (s.created) {
      *established = true;
      /* the member that dropped the stream may be going away: ask the next one first */
      w->current = (e + 1) % w->nendpoints;
      return tea_fail(err, TEA_ERR_IO, "etcd %s: watch lost: %s", w->endpoints[e], why);
    }
    c = tea_fail(err, TEA_ERR_IO, "no etcd member answered (%zu tried; %s: %s)", w->nendpoints, w->endpoints[e], why);
  }
  return c;
}

void tea_ledger_watch_run(tea_ledger_watch *w, const tea_ledger_watch_cb *cb) {
  unsigned backoff = 100;
  while (!stopped(w)) {
    tea_error err = {0};
    bool established = false;
    watch_once(w, cb, &established, &err);
    if (established) backoff = 100;
    pthread_mutex_lock(&w->mu);
    if (!w->stop) {
      pthread_mutex_unlock(&w->mu);
      if (cb->lost) cb->lost(cb->ctx, &err, backoff);
      pthread_mutex_lock(&w->mu);
      struct timespec until;
      clock_gettime(CLOCK_MONOTONIC, &until);
      until.tv_sec += backoff / 1000;
      until.tv_nsec += (long)(backoff % 1000) * 1000000L;
      if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
      while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0) {
      }
    }
    pthread_mutex_unlock(&w->mu);
    backoff = backoff >= 2500 ? 5000 : backoff * 2;
  }
}

void tea_ledger_watch_stop(tea_ledger_watch *w) {
  pthread_mutex_lock(&w->mu);
  w->stop = true;
  for (size_t i = 0; i < sizeof w->fds / sizeof w->fds[0]; i++)
    if (w->fds[i] != CURL_SOCKET_BAD) shutdown(w->fds[i], SHUT_RDWR);
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

void tea_ledger_watch_close(tea_ledger_watch *w) {
  if (!w) return;
  for (size_t i = 0; i < w->nendpoints; i++) free(w->endpoints[i]);
  free(w->body);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  free(w);
}

tea_code tea_ledger_watch_open(tea_ledger_watch **out, const char *endpoints, const char *prefix, tea_error *err) {
  tea_code c = open_ready(prefix, err);
  if (c) return c;
  tea_ledger_watch *w = calloc(1, sizeof *w);
  if (!w) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < sizeof w->fds / sizeof w->fds[0]; i++) w->fds[i] = CURL_SOCKET_BAD;
  pthread_mutex_init(&w->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&w->cv, &ca);
  pthread_condattr_destroy(&ca);
  char key[PREFIX_MAX + 8];
  snprintf(key, sizeof key, "%shead", prefix);
  char *k = b64(key, strlen(key));
  json_t *req = k ? json_pack("{s:{s:s}}", "create_request", "key", k) : NULL;
  free(k);
  w->body = req ? json_dumps(req, JSON_COMPACT) : NULL;
  json_decref(req);
  bool split = split_endpoints(endpoints, w->endpoints, &w->nendpoints);
  if (!w->body || !split) {
    tea_code why = w->body ? TEA_ERR_ARG : TEA_ERR_NOMEM;
    tea_ledger_watch_close(w);
    return tea_fail(err, why, "etcd: no usable endpoint in '%s'", endpoints);
  }
  *out = w;
  return TEA_OK;
}
