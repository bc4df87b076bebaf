/* Ledger benchmark: N blocks (default 5000) through the governance path (propose one
 * verdict, two approvals, fsync) into a file store, then a reopen (replay and verify
 * from genesis) and a million node queries at random heights.
 * Build and run from the repository root after a release build in BUILD:
 *   cc -O2 -std=c17 -D_GNU_SOURCE -Iinclude tests/ledger/bench_ledger.c BUILD/src/libtea.a \
 *     -lcrypto -lsodium -ljansson -lcurl -lm -lpthread -o bench_ledger && ./bench_ledger 5000 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tea/ledger.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu(void) { return (double)clock() / CLOCKS_PER_SEC; }

static void seed_kp(tea_ledger_keypair *k, int tag) {
  uint8_t s[32];
  memset(s, tag, sizeof s);
  tea_ledger_keypair_from_seed(s, k, NULL);
}

static int fail(const char *what, const tea_error *e) {
  fprintf(stderr, "%s: %s\n", what, e->msg);
  return 1;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 5000;
  const char *path = "bench_ledger.log";
  unlink(path);
  tea_ledger_keypair cm[3], nd[4];
  for (int i = 0; i < 3; i++) seed_kp(&cm[i], 1 + i);
  for (int i = 0; i < 4; i++) seed_kp(&nd[i], 50 + i);
  tea_ledger_store *s;
  tea_ledger *l;
  tea_error e;
  if (tea_ledger_store_file_open(&s, path, &e) || tea_ledger_open(&l, s, &e)) return fail("open", &e);
  tea_ledger_committee c = {.n = 3, .threshold = 2};
  for (int i = 0; i < 3; i++) memcpy(c.keys[i], cm[i].pk, 32);
  uint8_t chain[32];
  memset(chain, 0xAA, sizeof chain);
  tea_ledger_block b;
  bool done;
  if (tea_ledger_genesis(&b, chain, &c, NULL, 1, &e) || tea_ledger_approve(l, &b, &cm[0], &done, &e) ||
      tea_ledger_approve(l, &b, &cm[1], &done, &e))
    return fail("genesis", &e);
  tea_ledger_block_free(&b);
  tea_ledger_tx *tx = calloc(1, sizeof *tx);
  tea_ledger_slice regs[4];
  for (int i = 0; i < 4; i++) {
    memset(tx, 0, sizeof *tx);
    tx->kind = TEA_TX_NODE_REGISTER;
    memcpy(tx->chain, chain, 32);
    memcpy(tx->u.node.node, nd[i].pk, 32);
    tx->u.node.ak_len = 1;
    strcpy(tx->u.node.ak_alg, "x");
    uint8_t *p;
    if (tea_ledger_tx_sign(tx, &nd[i], &e) || tea_ledger_tx_encode(tx, &p, &regs[i].n, &e)) return fail("tx", &e);
    regs[i].p = p;
  }
  if (tea_ledger_propose(l, regs, 4, 2, &b, &e) || tea_ledger_approve(l, &b, &cm[0], &done, &e) ||
      tea_ledger_approve(l, &b, &cm[1], &done, &e))
    return fail("registrations", &e);
  tea_ledger_block_free(&b);
  double t0 = now();
  for (int h = 2; h < n; h++) {
    memset(tx, 0, sizeof *tx);
    tx->kind = TEA_TX_VERDICT;
    memcpy(tx->chain, chain, 32);
    tx->nonce = (uint64_t)h;
    memcpy(tx->u.verdict.subject, nd[0].pk, 32);
    tx->u.verdict.pass = h % 2 == 0;
    tx->u.verdict.fresh_height = (uint64_t)h - 1;
    tea_ledger_block_cid_at(l, (uint64_t)h - 1, &tx->u.verdict.fresh_cid, NULL);
    tx->u.verdict.nonce_len = sizeof h;
    memcpy(tx->u.verdict.nonce, &h, sizeof h);
    uint8_t *p;
    size_t len;
    if (tea_ledger_tx_sign(tx, &nd[1 + h % 3], &e) || tea_ledger_tx_encode(tx, &p, &len, &e)) return fail("tx", &e);
    tea_ledger_slice one = {p, len};
    tea_code rc = tea_ledger_propose(l, &one, 1, (uint64_t)h, &b, &e);
    free(p);
    if (rc || tea_ledger_approve(l, &b, &cm[0], &done, &e) || tea_ledger_approve(l, &b, &cm[1], &done, &e) || !done)
      return fail("block", &e);
    tea_ledger_block_free(&b);
  }
  double t1 = now();
  tea_ledger_close(l);
  double c1 = cpu();
  if (tea_ledger_store_file_open(&s, path, &e) || tea_ledger_open(&l, s, &e)) return fail("reopen", &e);
  double c2 = cpu(), t2 = now();
  int q = 1000000, active = 0;
  unsigned x = 1;
  tea_ledger_node node;
  for (int i = 0; i < q; i++) {
    x = x * 1103515245u + 12345u;
    tea_ledger_node_at(l, nd[0].pk, 1 + (x >> 8) % (unsigned)(n - 1), &node, NULL);
    active += node.status == TEA_NODE_ACTIVE;
  }
  double t3 = now();
  printf("%d blocks: append %.2f ms/block (propose + 2 approvals + fsync); reopen and verify %.0f us CPU/block;\n"
         "node_at at a random height %.0f ns/query\n",
         n, (t1 - t0) * 1e3 / (n - 2), (c2 - c1) * 1e6 / n, (t3 - t2) * 1e9 / q);
  tea_ledger_close(l);
  free(tx);
  for (int i = 0; i < 4; i++) free((void *)regs[i].p);
  unlink(path);
  return active < 0;
}
