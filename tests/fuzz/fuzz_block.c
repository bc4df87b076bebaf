/* libFuzzer target: ledger blocks and the transactions inside them.
 * The input is offered as block 2 of a fixed two-block chain (genesis from fixed keys,
 * then a block registering two nodes and an actor), so valid-looking inputs reach the
 * signature checks and the state machine.
 * Properties: never crashes; anything the decoder accepts re-encodes to exactly the
 * input (one encoding per block and per transaction); a rejected block leaves the
 * ledger unchanged; the JSON view never fails on a decoded block.
 *
 * Build (libFuzzer ships with clang's runtime):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc tests/fuzz/fuzz_block.c \
 *     $(ls src/base/[a-z]*.c src/cas/[a-z]*.c src/ledger/[a-z]*.c) -lnettle -lsodium -ljansson -lcurl -lm
 * With -DTEA_FUZZ_MAKE_SEEDS (and without -fsanitize=fuzzer) it is instead a program that
 * writes the seed corpus into the directory given as its argument. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"
#include "tea/ledger.h"

static tea_ledger *ledger;
static tea_ledger_keypair cm[3], nodes[2];

static void die(const char *what, const tea_error *err) {
  fprintf(stderr, "fuzz_block setup: %s: %s\n", what, err->msg);
  abort();
}

static void seed_kp(tea_ledger_keypair *kp, uint8_t tag) {
  uint8_t seed[32];
  memset(seed, tag, sizeof seed);
  tea_ledger_keypair_from_seed(seed, kp, NULL);
}

static tea_ledger_slice signed_tx(tea_ledger_tx *tx, const tea_ledger_keypair *kp) {
  tea_error err;
  tea_ledger_slice s = {0};
  uint8_t *buf;
  if (tea_ledger_tx_sign(tx, kp, &err) || tea_ledger_tx_encode(tx, &buf, &s.n, &err)) die("tx", &err);
  s.p = buf;
  return s;
}

static tea_ledger_tx *tx_new(tea_tx_kind kind, uint64_t nonce) {
  tea_ledger_tx *tx = calloc(1, sizeof *tx);
  tx->kind = kind;
  memset(tx->chain, 0xAA, 32);
  tx->nonce = nonce;
  return tx;
}

/* A block at the head + 1 with these transactions, signed by committee members 0 and 1. */
static uint8_t *make_block(tea_ledger_slice *txs, size_t ntx, size_t *n) {
  tea_ledger_block b;
  memset(&b, 0, sizeof b);
  memset(b.chain, 0xAA, 32);
  b.height = tea_ledger_count(ledger);
  tea_ledger_block_cid_at(ledger, b.height - 1, &b.prev, NULL);
  b.time = 1700000000 + b.height;
  b.txs = txs;
  b.ntx = ntx;
  tea_error err;
  uint8_t *buf;
  if (tea_ledger_block_sign(&b, &cm[0], &err) || tea_ledger_block_sign(&b, &cm[1], &err) ||
      tea_ledger_block_encode(&b, true, &buf, n, &err))
    die("block", &err);
  return buf;
}

static tea_ledger_slice node_reg(int i) {
  tea_ledger_tx *tx = tx_new(TEA_TX_NODE_REGISTER, 10 + (uint64_t)i);
  memcpy(tx->u.node.node, nodes[i].pk, 32);
  tx->u.node.ak_len = 4;
  memcpy(tx->u.node.ak, "akey", 4);
  strcpy(tx->u.node.ak_alg, "tpm2-ecc-p256");
  strcpy(tx->u.node.endpoint, "http://127.0.0.1:7000");
  tx->u.node.tier = (uint32_t)i;
  tea_ledger_slice s = signed_tx(tx, &nodes[i]);
  free(tx);
  return s;
}

static tea_ledger_slice actor(tea_tx_kind kind, uint64_t nonce, uint8_t tag) {
  tea_ledger_tx *tx = tx_new(kind, nonce);
  strcpy(tx->u.actor.name, "echo");
  tea_cid_of(TEA_CODEC_RAW, &tag, 1, &tx->u.actor.cid, NULL);
  tx->u.actor.ncaps = 1;
  strcpy(tx->u.actor.caps[0], "wasmcloud:log");
  tx->u.actor.min_rev = tag;
  tea_ledger_slice s = signed_tx(tx, &cm[2]);
  free(tx);
  return s;
}

static void setup(void) {
  tea_error err;
  for (int i = 0; i < 3; i++) seed_kp(&cm[i], (uint8_t)(1 + i));
  for (int i = 0; i < 2; i++) seed_kp(&nodes[i], (uint8_t)(100 + i));
  tea_ledger_store *s;
  if (tea_ledger_store_mem_open(&s, &err) || tea_ledger_open(&ledger, s, &err)) die("open", &err);
  tea_ledger_committee c = {.n = 3, .threshold = 2};
  for (int i = 0; i < 3; i++) memcpy(c.keys[i], cm[i].pk, 32);
  tea_ledger_params p = {.quarantine_attestors = 2, .fresh_window = 8, .recover_passes = 1};
  uint8_t chain[32];
  memset(chain, 0xAA, sizeof chain);
  tea_ledger_block g;
  uint8_t *buf;
  size_t n;
  if (tea_ledger_genesis(&g, chain, &c, &p, 1700000000, &err) || tea_ledger_block_sign(&g, &cm[0], &err) ||
      tea_ledger_block_sign(&g, &cm[1], &err) || tea_ledger_block_encode(&g, true, &buf, &n, &err) ||
      tea_ledger_append(ledger, buf, n, &err))
    die("genesis", &err);
  free(buf);
  tea_ledger_slice txs[3] = {node_reg(0), node_reg(1), actor(TEA_TX_ACTOR_REGISTER, 1, 1)};
  buf = make_block(txs, 3, &n);
  if (tea_ledger_append(ledger, buf, n, &err)) die("block 1", &err);
  free(buf);
  for (int i = 0; i < 3; i++) free((void *)txs[i].p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ledger) setup();
  tea_error err;
  tea_ledger_block b;
  if (tea_ledger_block_decode(data, size, &b, &err) == TEA_OK) {
    uint8_t *buf;
    size_t n;
    if (tea_ledger_block_encode(&b, true, &buf, &n, &err) || n != size || memcmp(buf, data, size) != 0) abort();
    free(buf);
    char *json;
    if (tea_ledger_block_json(&b, &json, &err)) abort();
    free(json);
    tea_ledger_tx *tx = malloc(sizeof *tx);
    for (size_t i = 0; i < b.ntx; i++) {
      if (tea_ledger_tx_decode(b.txs[i].p, b.txs[i].n, tx, &err)) continue;
      if (tea_ledger_tx_encode(tx, &buf, &n, &err) || n != b.txs[i].n || memcmp(buf, b.txs[i].p, n) != 0) abort();
      free(buf);
    }
    free(tx);
    /* the state machine without the committee signatures, then the real check */
    if (b.height == tea_ledger_count(ledger)) tea_ledger_check_candidate(ledger, &b, &err);
    tea_ledger_block_free(&b);
  }
  tea_cid head;
  tea_ledger_block_cid_at(ledger, 1, &head, NULL);
  tea_ledger_check(ledger, data, size, &err);
  tea_cid after;
  tea_ledger_block_cid_at(ledger, 1, &after, NULL);
  if (tea_ledger_count(ledger) != 2 || !tea_cid_equal(&head, &after)) abort();
  return 0;
}

#ifdef TEA_FUZZ_MAKE_SEEDS
static void write_seed(const char *dir, const char *name, const uint8_t *buf, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(buf, 1, n, f) != n || fclose(f)) abort();
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  setup();
  size_t n;
  uint8_t *buf;
  tea_ledger_block_bytes(ledger, 0, &buf, &n, NULL);
  write_seed(argv[1], "genesis", buf, n);
  free(buf);
  tea_ledger_block_bytes(ledger, 1, &buf, &n, NULL);
  write_seed(argv[1], "registrations", buf, n);
  free(buf);
  /* one block per remaining kind, each valid at height 2 */
  tea_cid b1;
  tea_ledger_block_cid_at(ledger, 1, &b1, NULL);
  tea_ledger_tx *tx;
  tea_ledger_slice t[8];
  size_t k = 0;
  tx = tx_new(TEA_TX_VERDICT, 20);
  memcpy(tx->u.verdict.subject, nodes[1].pk, 32);
  tx->u.verdict.nonce_len = 8;
  strcpy(tx->u.verdict.reason, "pcr 10 mismatch");
  tx->u.verdict.fresh_height = 1;
  tx->u.verdict.fresh_cid = b1;
  t[k++] = signed_tx(tx, &nodes[0]);
  free(tx);
  tx = tx_new(TEA_TX_RUNTIME_APPROVE, 21);
  memset(tx->u.runtime.hash, 0x11, 32);
  strcpy(tx->u.runtime.version, "0.1.0");
  strcpy(tx->u.runtime.platform, "x86_64-linux");
  t[k++] = signed_tx(tx, &cm[0]);
  free(tx);
  tx = tx_new(TEA_TX_PROVIDER, 22);
  strcpy(tx->u.provider.name, "keyvalue");
  tx->u.provider.n = 2;
  strcpy(tx->u.provider.a[0].platform, "x86_64-linux");
  memset(tx->u.provider.a[0].hash, 0x22, 32);
  strcpy(tx->u.provider.a[1].platform, "wasm32");
  tx->u.provider.a[1].is_cid = true;
  tx->u.provider.a[1].cid = b1;
  t[k++] = signed_tx(tx, &cm[1]);
  free(tx);
  tx = tx_new(TEA_TX_UPGRADE, 23);
  strcpy(tx->u.upgrade.actor, "echo");
  uint8_t two = 2;
  tea_cid_of(TEA_CODEC_RAW, &two, 1, &tx->u.upgrade.cid, NULL);
  tx->u.upgrade.nwaves = 2;
  tx->u.upgrade.waves[0] = (tea_ledger_wave){0, 3};
  tx->u.upgrade.waves[1] = (tea_ledger_wave){1, 5};
  tx->u.upgrade.passes = 2;
  t[k++] = signed_tx(tx, &cm[2]);
  free(tx);
  tx = tx_new(TEA_TX_QUARANTINE, 24);
  memcpy(tx->u.quarantine.node, nodes[0].pk, 32);
  strcpy(tx->u.quarantine.reason, "key leaked");
  t[k++] = signed_tx(tx, &cm[0]);
  free(tx);
  tx = tx_new(TEA_TX_COMMITTEE, 25);
  tx->u.committee.n = 2;
  tx->u.committee.threshold = 2;
  memcpy(tx->u.committee.keys[0], cm[0].pk, 32);
  memcpy(tx->u.committee.keys[1], cm[1].pk, 32);
  if (memcmp(cm[0].pk, cm[1].pk, 32) > 0) {
    memcpy(tx->u.committee.keys[0], cm[1].pk, 32);
    memcpy(tx->u.committee.keys[1], cm[0].pk, 32);
  }
  t[k++] = signed_tx(tx, &cm[0]);
  free(tx);
  t[k++] = actor(TEA_TX_ACTOR_UPDATE, 26, 3);
  tx = tx_new(TEA_TX_RUNTIME_RETIRE, 27);
  memset(tx->u.runtime.hash, 0x11, 32);
  tx->u.runtime.retire_height = 9;
  t[k++] = signed_tx(tx, &cm[0]);
  free(tx);
  const char *names[] = {"verdict", "runtime", "provider", "upgrade", "quarantine", "committee", "actor_update"};
  for (size_t i = 0; i < 7; i++) {
    buf = make_block(&t[i], 1, &n);
    tea_error err;
    if (tea_ledger_check(ledger, buf, n, &err)) die(names[i], &err);
    write_seed(argv[1], names[i], buf, n);
    free(buf);
  }
  buf = make_block(t, 2, &n); /* approve + retire in one block */
  t[0] = t[1];
  t[1] = t[7];
  free(buf);
  buf = make_block(t, 2, &n);
  write_seed(argv[1], "approve_retire", buf, n);
  free(buf);
  return 0;
}
#endif
