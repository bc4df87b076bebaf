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
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tea/ledger.h"

#define MAX_ENDPOINTS 8
#define PREFIX_MAX 128

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
      /* this member is down or without quorum: try the next */
      c = tea_fail(err, TEA_ERR_IO, "etcd %s: %s", es->endpoints[e],
                   rc != CURLE_OK ? curl_easy_strerror(rc) : "server error");
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

static void es_close(tea_ledger_store *s) {
  etcd_store *es = (etcd_store *)s;
  for (size_t i = 0; i < es->nendpoints; i++) free(es->endpoints[i]);
  if (es->curl) curl_easy_cleanup(es->curl);
  free(es);
}

static const tea_ledger_store_ops etcd_ops = {"etcd", es_count, es_get, es_append, es_close};

tea_code tea_ledger_store_etcd_open(tea_ledger_store **out, const char *endpoints, const char *prefix,
                                    tea_error *err) {
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to initialise");
  if (strlen(prefix) >= PREFIX_MAX) return tea_fail(err, TEA_ERR_ARG, "etcd prefix too long");
  /* curl_global_init is not thread-safe before 7.84 and must precede any handle. */
  static bool curl_ready;
  if (!curl_ready) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) return tea_fail(err, TEA_ERR_IO, "libcurl failed to initialise");
    curl_ready = true;
  }
  etcd_store *es = calloc(1, sizeof *es);
  if (!es) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  es->base.ops = &etcd_ops;
  snprintf(es->prefix, sizeof es->prefix, "%s", prefix);
  const char *p = endpoints;
  while (*p && es->nendpoints < MAX_ENDPOINTS) {
    size_t len = strcspn(p, ",");
    if (len) {
      es->endpoints[es->nendpoints] = strndup(p, len);
      if (!es->endpoints[es->nendpoints++]) break;
    }
    p += len + (p[len] == ',');
  }
  es->curl = curl_easy_init();
  if (!es->nendpoints || !es->curl || !es->endpoints[es->nendpoints - 1]) {
    es_close(&es->base);
    return tea_fail(err, TEA_ERR_ARG, "etcd: no usable endpoint in '%s'", endpoints);
  }
  *out = &es->base;
  return TEA_OK;
}
