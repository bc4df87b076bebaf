/* Talking to peers: ledger blocks (GET /v1/ledger/blocks?from=H, a CBOR
 * array of encoded blocks, each verified by the ledger before it is
 * appended) and code (GET /ipfs/{cid}, the trustless gateway protocol,
 * every block hash-checked). Peers are never trusted. */
#include <curl/curl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "tea/cbor.h"
#include "node/internal.h"

#define MAX_FETCH (64u << 20)

typedef struct fetch_buf {
  uint8_t *data;
  size_t len, cap;
  bool too_big;
} fetch_buf;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud) {
  fetch_buf *b = ud;
  size_t n = size * nmemb;
  if (b->len + n > MAX_FETCH) {
    b->too_big = true;
    return 0;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 65536;
    while (cap < b->len + n) cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) return 0;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return n;
}

/* GET url into a buffer; TEA_OK only for a 200 answer. */
tea_code node_http_get(const char *url, const char *accept, uint8_t **out, size_t *len,
                       tea_error *err) {
  CURL *c = curl_easy_init();
  if (!c) return tea_fail(err, TEA_ERR_NOMEM, "cannot start an HTTP client");
  fetch_buf b = {0};
  struct curl_slist *h = NULL;
  char hdr[128];
  if (accept) {
    snprintf(hdr, sizeof hdr, "Accept: %s", accept);
    h = curl_slist_append(h, hdr);
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode cc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  if (cc != CURLE_OK || status != 200) {
    free(b.data);
    if (b.too_big) return tea_fail(err, TEA_ERR_LIMIT, "%s: answer over %u bytes", url, MAX_FETCH);
    if (cc != CURLE_OK) return tea_fail(err, TEA_ERR_IO, "%s: %s", url, curl_easy_strerror(cc));
    return tea_fail(err, TEA_ERR_NOT_FOUND, "%s: HTTP %ld", url, status);
  }
  *out = b.data;
  *len = b.len;
  return TEA_OK;
}

tea_code node_fetch_block(tea_node *n, const tea_cid *cid, uint8_t **bytes, size_t *len,
                          tea_error *err) {
  char text[TEA_CID_STR_MAX];
  tea_code rc = tea_cid_format(cid, text, err);
  if (rc != TEA_OK) return rc;
  if (n->cfg.npeers == 0)
    return tea_fail(err, TEA_ERR_NOT_FOUND, "%s is not in the blob store and no peer is configured",
                    text);
  for (size_t i = 0; i < n->cfg.npeers; i++) {
    char url[512];
    snprintf(url, sizeof url, "%s/ipfs/%s", n->cfg.peers[i], text);
    tea_error e;
    if (node_http_get(url, "application/vnd.ipld.raw", bytes, len, &e) != TEA_OK) continue;
    if (tea_cid_verify(cid, *bytes, *len, &e) == TEA_OK) return TEA_OK;
    free(*bytes); /* a peer that lies about content is skipped */
    *bytes = NULL;
  }
  return tea_fail(err, TEA_ERR_NOT_FOUND, "no peer could supply %s", text);
}

size_t tea_node_sync(tea_node *n) {
  size_t added = 0;
  for (size_t i = 0; i < n->cfg.npeers; i++) {
    pthread_mutex_lock(&n->lock);
    uint64_t from = tea_ledger_count(n->ledger);
    pthread_mutex_unlock(&n->lock);
    char url[512];
    snprintf(url, sizeof url, "%s/v1/ledger/blocks?from=%llu", n->cfg.peers[i],
             (unsigned long long)from);
    uint8_t *buf;
    size_t len;
    tea_error e;
    if (node_http_get(url, "application/cbor", &buf, &len, &e) != TEA_OK) continue;
    tea_cbor_reader r;
    uint64_t count;
    if (tea_cbor_reader_init(&r, buf, len, &e) == TEA_OK && tea_cbor_read_array(&r, &count, &e) == TEA_OK) {
      pthread_mutex_lock(&n->lock);
      for (uint64_t k = 0; k < count; k++) {
        const uint8_t *blk;
        size_t blen;
        if (tea_cbor_read_bytes(&r, &blk, &blen, &e) != TEA_OK) break;
        /* the peer may be behind or ahead of what we asked: append checks */
        if (tea_ledger_append(n->ledger, blk, blen, &e) != TEA_OK) break;
        added++;
      }
      pthread_mutex_unlock(&n->lock);
    }
    free(buf);
  }
  atomic_fetch_add(&n->m.blocks_synced, added);
  if (added) node_follow_upgrades(n);
  return added;
}

/* Brings a ledger copy up to date from a node. Every block is verified
 * against the genesis the copy already has; an empty copy takes the node's
 * genesis on first use (and says so on `note`, if given). */
tea_code tea_node_ledger_pull(tea_ledger *l, const char *node, FILE *note, tea_error *err) {
  for (;;) {
    uint64_t from = tea_ledger_count(l);
    char url[600];
    snprintf(url, sizeof url, "%s/v1/ledger/blocks?from=%llu", node, (unsigned long long)from);
    uint8_t *buf;
    size_t len;
    tea_code rc = node_http_get(url, "application/cbor", &buf, &len, err);
    if (rc != TEA_OK) return rc;
    tea_cbor_reader r;
    uint64_t count = 0;
    rc = tea_cbor_reader_init(&r, buf, len, err);
    if (rc == TEA_OK) rc = tea_cbor_read_array(&r, &count, err);
    if (rc == TEA_OK && from == 0 && count && note)
      fprintf(note, "note: the local ledger was empty; took the genesis from %s\n", node);
    for (uint64_t k = 0; rc == TEA_OK && k < count; k++) {
      const uint8_t *b;
      size_t bl;
      rc = tea_cbor_read_bytes(&r, &b, &bl, err);
      if (rc == TEA_OK) rc = tea_ledger_append(l, b, bl, err);
    }
    free(buf);
    if (rc != TEA_OK || count == 0) return rc;
  }
}

tea_code tea_node_ledger_open_copy(const char *where, const char *cache, tea_ledger **out,
                                   tea_error *err) {
  *out = NULL;
  char path[TEA_NODE_PATH_MAX + 16];
  bool url = strncmp(where, "http://", 7) == 0 || strncmp(where, "https://", 8) == 0;
  struct stat st;
  if (url)
    snprintf(path, sizeof path, "%s", cache);
  else if (stat(where, &st) == 0 && S_ISDIR(st.st_mode))
    snprintf(path, sizeof path, "%s/ledger.log", where);
  else
    snprintf(path, sizeof path, "%s", where);
  /* a ledger named by path must exist: judging against a new empty file
     would create it, and prove nothing */
  if (!url && stat(path, &st) != 0)
    return tea_fail(err, TEA_ERR_NOT_FOUND, "no ledger at %s", where);
  tea_ledger_store *s;
  tea_code rc = tea_ledger_store_file_open(&s, path, err);
  if (rc == TEA_OK) rc = tea_ledger_open(out, s, err); /* owns s */
  if (rc == TEA_OK && url) rc = tea_node_ledger_pull(*out, where, stderr, err);
  if (rc == TEA_OK && tea_ledger_count(*out) == 0)
    rc = tea_fail(err, TEA_ERR_NOT_FOUND, "the ledger at %s is empty", where);
  if (rc != TEA_OK) {
    tea_ledger_close(*out);
    *out = NULL;
  }
  return rc;
}
