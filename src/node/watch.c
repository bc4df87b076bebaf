/* A node whose ledger lives in etcd (docs/operating.md). The store is shared with the
 * committee and the other nodes, so blocks land there without passing through this
 * node: a thread watches etcd's head key and on every change reads, verifies and
 * applies the new blocks (node_store_refresh, then what follows a peer sync). The
 * periodic sync reads the head itself while no watch is in place, and every
 * POLL_WATCHED_MS even with one, in case a member keeps a stream open but stops
 * delivering events (partitioned from the leader). etcd is storage only: every block
 * is verified here as it would be from a peer. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "node/internal.h"

#define POLL_WATCHED_MS 30000

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

tea_code node_ledger_store_open(tea_node *n, tea_ledger_store **out, tea_error *err) {
  const char *b = n->cfg.ledger_backend;
  if (!b[0] || strcmp(b, "file") == 0) return tea_ledger_store_file_open(out, n->cfg.ledger, err);
  tea_code rc = tea_ledger_etcd_parse(b, NULL, &n->etcd, err);
  if (rc == TEA_OK) rc = tea_ledger_store_etcd_open(out, n->etcd.endpoints, n->etcd.prefix, err);
  if (rc == TEA_OK) {
    n->on_etcd = true;
    atomic_store(&n->etcd_refreshed_ms, now_ms());
  }
  return rc;
}

/* Each read of etcd holds the ledger lock, and against members that do not answer it
 * lasts their connect timeouts: while reads fail, polling backs off (1, 2, 4 ... 30 s)
 * so the node's requests are not stalled every second. */
bool node_store_poll_due(tea_node *n) {
  if (!n->on_etcd) return false;
  unsigned fails = atomic_load(&n->etcd_failures);
  long long every = atomic_load(&n->watch_live) ? POLL_WATCHED_MS : fails >= 5 ? POLL_WATCHED_MS : 1000LL << fails;
  long long now = now_ms();
  /* the sync loop ticks about every second: a little slack keeps 1 s from becoming 2 */
  if (now - atomic_load(&n->etcd_refreshed_ms) < every - 100) return false;
  atomic_store(&n->etcd_refreshed_ms, now);
  return true;
}

void node_store_refreshed(tea_node *n, bool ok) {
  if (!n->on_etcd) return;
  if (ok) atomic_store(&n->etcd_failures, 0);
  else atomic_fetch_add(&n->etcd_failures, 1);
}

static void on_changed(void *ctx) {
  tea_node *n = ctx;
  atomic_store(&n->watch_live, true);
  atomic_store(&n->etcd_refreshed_ms, now_ms());
  size_t added = node_store_refresh(n);
  atomic_fetch_add(&n->m.blocks_watched, added);
  node_ledger_advanced(n, added);
}

static void on_lost(void *ctx, const tea_error *why, unsigned retry_ms) {
  tea_node *n = ctx;
  atomic_store(&n->watch_live, false);
  node_log(n, NODE_LOG_WARN, "ledger.watch_lost", "%s (again in %u ms; polling meanwhile)", why->msg, retry_ms);
}

static void *watch_main(void *arg) {
  tea_node *n = arg;
  tea_ledger_watch_cb cb = {on_changed, on_lost, n};
  tea_ledger_watch_run(n->watch, &cb);
  return NULL;
}

tea_code node_watch_start(tea_node *n, tea_error *err) {
  if (!n->on_etcd || n->watching) return TEA_OK;
  tea_code rc = tea_ledger_watch_open(&n->watch, n->etcd.endpoints, n->etcd.prefix, err);
  if (rc != TEA_OK) return rc;
  if (pthread_create(&n->watch_thread, NULL, watch_main, n) != 0) {
    tea_ledger_watch_close(n->watch);
    n->watch = NULL;
    return tea_fail(err, TEA_ERR_NOMEM, "cannot start the ledger watch thread");
  }
  n->watching = true;
  return TEA_OK;
}

void node_watch_stop(tea_node *n) {
  if (!n->watching) return;
  tea_ledger_watch_stop(n->watch);
  pthread_join(n->watch_thread, NULL);
  tea_ledger_watch_close(n->watch);
  n->watch = NULL;
  n->watching = false;
  atomic_store(&n->watch_live, false);
}
