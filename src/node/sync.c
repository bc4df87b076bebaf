/* Talking to peers: ledger blocks (GET /v1/ledger/blocks?from=H, a CBOR
 * array of encoded blocks, each verified by the ledger before it is
 * appended) and code (GET /ipfs/{cid}, the trustless gateway protocol,
 * every block hash-checked). Peers are never trusted. */
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "tea/cbor.h"
#include "node/internal.h"

#define MAX_FETCH (64u << 20)

/* GET url into a buffer; TEA_OK only for a 200 answer. */
tea_code node_http_get(const char *url, const char *accept, uint8_t **out, size_t *len,
                       tea_error *err) {
  tea_http_get_opts o = {.accept = accept, .timeout_ms = 10000, .max_bytes = MAX_FETCH};
  tea_http_answer a;
  tea_code rc = tea_http_get(url, &o, &a, err);
  *out = a.body;
  *len = a.len;
  return rc;
}

static tea_code keep_block(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n, tea_error *err) {
  (void)err;
  tea_error ignored; /* a full store still lets us run what we fetched */
  tea_blobstore_put(ctx, cid, block, n, &ignored);
  return TEA_OK;
}

/* Code by CID: the local blob store, else the peers and then the configured public
 * gateways (tea_gateway_fetch verifies everything they send); what is fetched is
 * kept in the store. Called with the node lock held. */
tea_code node_fetch_code(tea_node *n, const tea_cid *cid, uint8_t **bytes, size_t *len,
                         tea_error *err) {
  tea_error miss;
  if (tea_unixfs_cat(cid, tea_blobstore_get_fn, n->blobs, MAX_FETCH, bytes, len, &miss) == TEA_OK)
    return TEA_OK;
  const char *sources[TEA_GATEWAY_MAX_SOURCES];
  size_t ns = 0;
  for (size_t i = 0; i < n->cfg.npeers && ns < TEA_GATEWAY_MAX_SOURCES; i++) sources[ns++] = n->cfg.peers[i];
  for (size_t i = 0; i < n->cfg.ngateways && ns < TEA_GATEWAY_MAX_SOURCES; i++)
    sources[ns++] = n->cfg.gateways[i];
  if (ns == 0) {
    char text[TEA_CID_STR_MAX];
    tea_code rc = tea_cid_format(cid, text, err);
    if (rc != TEA_OK) return rc;
    return tea_fail(err, TEA_ERR_NOT_FOUND,
                    "%s is not in the blob store and no peer or gateway is configured", text);
  }
  tea_gateway_opts o = {.max_bytes = MAX_FETCH, .sink = keep_block, .sink_ctx = n->blobs};
  return tea_gateway_fetch(cid, sources, ns, &o, bytes, len, NULL, err);
}

size_t node_store_refresh(tea_node *n) {
  uint64_t added = 0;
  tea_error e;
  pthread_mutex_lock(&n->lock);
  tea_code rc = tea_ledger_refresh(n->ledger, &added, &e);
  pthread_mutex_unlock(&n->lock);
  node_store_refreshed(n, rc == TEA_OK);
  /* an unreachable etcd is retried on the next event or tick; a block that fails
     verification is not applied, and keeps failing, so say which */
  if (rc != TEA_OK && rc != TEA_ERR_IO) node_log(n, NODE_LOG_WARN, "ledger.refresh_failed", "%s", e.msg);
  return (size_t)added;
}

void node_ledger_advanced(tea_node *n, size_t added) {
  atomic_fetch_add(&n->m.blocks_synced, added);
  if (!added) return;
  node_follow_upgrades(n);
  pthread_mutex_lock(&n->lock);
  uint64_t count = tea_ledger_count(n->ledger);
  tea_ledger_node rec;
  tea_error e;
  const char *st = count && tea_ledger_node_at(n->ledger, n->keys.ed_pk, count - 1, &rec, &e) == TEA_OK
                       ? tea_node_status_name(rec.status)
                       : "unregistered";
  bool changed = strcmp(st, n->logged_status) != 0;
  const char *was = changed ? n->logged_status : "";
  char before[sizeof n->logged_status];
  snprintf(before, sizeof before, "%s", was);
  if (changed) snprintf(n->logged_status, sizeof n->logged_status, "%s", st);
  pthread_mutex_unlock(&n->lock);
  char h[24], k[24];
  snprintf(h, sizeof h, "%llu", (unsigned long long)(count ? count - 1 : 0));
  snprintf(k, sizeof k, "%zu", added);
  node_log_field f[] = {{"height", h, 0}, {"blocks", k, 0}};
  node_log_kv(n, NODE_LOG_DEBUG, "ledger.advanced", f, 2);
  if (changed) { /* what the ledger says about this node: it refuses calls unless active */
    node_log_field g[] = {{"from", before[0] ? before : "unknown", 0}, {"to", st, 0}, {"height", h, 0}};
    node_log_kv(n, strcmp(st, "active") == 0 ? NODE_LOG_INFO : NODE_LOG_WARN, "node.status", g, 3);
  }
}

size_t tea_node_sync(tea_node *n) {
  size_t added = node_store_poll_due(n) ? node_store_refresh(n) : 0;
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
  node_ledger_advanced(n, added);
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
  tea_ledger_store *s;
  tea_code rc;
  struct stat st;
  if (strncmp(where, "etcd://", 7) == 0) {
    /* the committee's etcd ledger, read (and verified) directly */
    tea_ledger_etcd_spec spec;
    rc = tea_ledger_etcd_parse(where, NULL, &spec, err);
    if (rc == TEA_OK) rc = tea_ledger_store_etcd_open(&s, spec.endpoints, spec.prefix, err);
  } else {
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
    rc = tea_ledger_store_file_open(&s, path, err);
  }
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
