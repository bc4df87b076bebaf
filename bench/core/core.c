/* tea_bench_core: the library's own costs, in process, one line per figure (each a
 * median of several repetitions). bench/run.sh runs it at its end; bench/README.md
 * explains the lines and docs/performance.md keeps the history.
 *
 *   tea_bench_core [--actors DIR] [--blocks N] [--etcd-blocks N] [--tmp DIR]
 *
 * Sections: hashing (SHA-256, the UnixFS CID of 64 MiB, reading that file back from a
 * CAR with every block verified), the ledger (appends through the governance path into
 * a file store and into a single-member etcd started on loopback, reopen-and-verify from
 * each, historical node queries),
 * trust (soft and swtpm quotes, attestation verdicts, receipts, with libsodium's raw
 * Ed25519 for scale) and actors (one invocation in a fresh instance). Everything it
 * writes lives in one temporary directory that is removed at the end. Exit status 0
 * when every figure was measured; 1 when one failed (the others are still printed);
 * 2 on usage errors. A missing swtpm or actor module is not a failure: the line says so;
 * a missing etcd is (scripts/deps.sh installs it), and its line says NOT MEASURED. */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "tea/cas.h"
#include "tea/hash.h"
#include "tea/host.h"
#include "tea/ledger.h"
#include "tea/provider.h"
#include "tea/trust.h"
#include "tea/http.h"
#include "../../tests/support/swtpm_proc.h"

#ifndef TEA_BENCH_ACTORS_DIR
#define TEA_BENCH_ACTORS_DIR "build/actors"
#endif

#define REPS 5           /* repetitions behind every median */
#define REP_SECONDS 0.15 /* target length of one repetition of a rate measurement */
#define HASH_BYTES (64u << 20)
#define INVOKE_CALLS 2000

static int failures;

/* ---------------------------------------------------------------- helpers */

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorts v in place and returns its median. */
static double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Nearest-rank percentile of a sorted array (q in (0, 1]). */
static double percentile_sorted(const double *v, size_t n, double q) {
  size_t k = (size_t)ceil(q * (double)n);
  return v[k ? k - 1 : 0];
}

/* One failed figure: said on stdout where the figure would have been (so the report
 * shows the gap), counted for the exit status. */
static void report_fail(const char *what, const tea_error *e) {
  printf("%s: FAILED: %s\n", what, e->msg[0] ? e->msg : tea_code_name(e->code));
  fflush(stdout);
  failures++;
}

static void line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void line(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout); /* run.sh shows lines as they come: the ledger section takes seconds */
}

/* Thousands separators make rates of 1e3..1e6 readable at a glance. */
static const char *grouped(double v, char buf[32]) {
  unsigned long long n = (unsigned long long)llround(v);
  char raw[32];
  int len = snprintf(raw, sizeof raw, "%llu", n), o = 0;
  for (int i = 0; i < len; i++) {
    if (i && (len - i) % 3 == 0) buf[o++] = ',';
    buf[o++] = raw[i];
  }
  buf[o] = 0;
  return buf;
}

/* Operations per second of op, median of REPS repetitions of about REP_SECONDS each.
 * A short calibration run (which also warms caches and lazily built state) picks the
 * count per repetition, so slow operations (swtpm) and fast ones (hashing a receipt)
 * get comparable measurement times. */
typedef tea_code (*op_fn)(void *ctx, tea_error *err);

static tea_code rate(op_fn op, void *ctx, double seconds, double *per_s, tea_error *err) {
  tea_code rc;
  long n = 0;
  double t0 = now_s(), t;
  do {
    if ((rc = op(ctx, err))) return rc;
    n++;
    t = now_s();
  } while (t - t0 < seconds / 3);
  long iters = (long)((double)n * seconds / (t - t0));
  if (iters < 3) iters = 3;
  double r[REPS];
  for (int k = 0; k < REPS; k++) {
    t0 = now_s();
    for (long i = 0; i < iters; i++)
      if ((rc = op(ctx, err))) return rc;
    r[k] = (double)iters / (now_s() - t0);
  }
  *per_s = median(r, REPS);
  return TEA_OK;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void rm_tree(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* dir/name into out, refusing to cut it short (a truncated path could name another file). */
static tea_code join(char *out, size_t cap, const char *dir, const char *name, tea_error *err) {
  int n = snprintf(out, cap, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= cap) return tea_fail(err, TEA_ERR_ARG, "path too long: %s/%s", dir, name);
  return TEA_OK;
}

static tea_code read_file(const char *path, uint8_t **out, size_t *len, tea_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return tea_fail(err, errno == ENOENT ? TEA_ERR_NOT_FOUND : TEA_ERR_IO, "%s: %s", path, strerror(errno));
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      uint8_t *p = realloc(buf, cap);
      if (!p) {
        free(buf);
        fclose(f);
        return tea_fail(err, TEA_ERR_NOMEM, "%s: out of memory", path);
      }
      buf = p;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  bool bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return tea_fail(err, TEA_ERR_IO, "%s: read error", path);
  }
  *out = buf;
  *len = n;
  return TEA_OK;
}

/* ---------------------------------------------------------------- hashing */

static tea_code car_sink(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n, tea_error *err) {
  return tea_car_write_block(cid, block, n, tea_mem_write, ctx, err);
}

/* What a fetch from a trustless gateway costs once the bytes are here: the CAR of the
 * 64 MiB file read back with every block hashed against its CID. */
static void bench_car(const uint8_t *buf, const tea_cid *root) {
  tea_error e = {0};
  tea_mem_sink m = {0};
  tea_unixfs *u = NULL;
  tea_cid r;
  tea_code rc = tea_car_write_header(root, 1, tea_mem_write, &m, &e);
  if (!rc) rc = tea_unixfs_new(&u, NULL, car_sink, &m, &e);
  if (!rc) rc = tea_unixfs_write(u, buf, HASH_BYTES, &e);
  if (!rc) rc = tea_unixfs_finish(u, &r, &e);
  tea_unixfs_free(u);
  double t[REPS];
  size_t nblocks = 0;
  for (int k = 0; k < REPS && !rc; k++) {
    tea_mem_source src = {m.buf, m.len, 0};
    tea_car_reader cr;
    double t0 = now_s();
    nblocks = 0;
    if ((rc = tea_car_reader_open(&cr, tea_mem_read, &src, &e))) break;
    for (bool done = false; !rc && !done;) {
      tea_cid c;
      const uint8_t *b;
      size_t n;
      if (!(rc = tea_car_reader_next(&cr, &c, &b, &n, &done, &e)) && !done) nblocks++;
    }
    tea_car_reader_close(&cr);
    t[k] = now_s() - t0;
  }
  free(m.buf);
  if (rc) {
    report_fail("car read", &e);
    return;
  }
  double med = median(t, REPS);
  line("car read: %.0f blocks/s verified, %.0f MB/s (tea_car_reader over the CAR of the 64 MiB file, %zu blocks; "
       "median of %d)",
       (double)nblocks / med, (double)m.len / 1e6 / med, nblocks, REPS);
}

static void bench_hashing(void) {
  tea_error e = {0};
  uint8_t *buf = malloc(HASH_BYTES);
  if (!buf) {
    tea_fail(&e, TEA_ERR_NOMEM, "64 MiB buffer");
    report_fail("sha256", &e);
    return;
  }
  /* Incompressible bytes, every page touched before timing (no page faults inside). */
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < HASH_BYTES; i += 8) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    memcpy(buf + i, &x, 8);
  }
  double t[REPS];
  uint8_t d[TEA_SHA256_LEN];
  bool ok = true;
  for (int k = 0; k < REPS && ok; k++) {
    double t0 = now_s();
    ok = tea_sha256(buf, HASH_BYTES, d, &e) == TEA_OK;
    t[k] = now_s() - t0;
  }
  if (ok)
    line("sha256: %.0f MB/s (tea_sha256 of 64 MiB, median of %d)", HASH_BYTES / 1e6 / median(t, REPS), REPS);
  else
    report_fail("sha256", &e);

  /* The streaming builder as the blob store uses it: 256 KiB raw leaves, 174-link
   * dag-pb nodes, fed in 1 MiB writes; no sink, so this is hashing and encoding only. */
  ok = true;
  tea_cid root, want;
  for (int k = 0; k < REPS && ok; k++) {
    double t0 = now_s();
    tea_unixfs *u;
    if (tea_unixfs_new(&u, NULL, NULL, NULL, &e)) {
      ok = false;
      break;
    }
    for (size_t off = 0; off < HASH_BYTES && ok; off += 1u << 20) ok = tea_unixfs_write(u, buf + off, 1u << 20, &e) == TEA_OK;
    ok = ok && tea_unixfs_finish(u, &root, &e) == TEA_OK;
    tea_unixfs_free(u);
    t[k] = now_s() - t0;
  }
  /* The same root as the one-shot helper, or the loop above did not build the file. */
  if (ok) {
    tea_code rc = tea_unixfs_cid_of(buf, HASH_BYTES, &want, &e);
    if (!rc && !tea_cid_equal(&root, &want)) rc = tea_fail(&e, TEA_ERR_STATE, "streamed root differs from tea_unixfs_cid_of");
    ok = rc == TEA_OK;
  }
  if (ok)
    line("unixfs cid: %.0f MB/s (streaming UnixFS CID of 64 MiB, median of %d)", HASH_BYTES / 1e6 / median(t, REPS),
         REPS);
  else
    report_fail("unixfs cid", &e);

  if (ok) bench_car(buf, &root);
  free(buf);
}

/* ---------------------------------------------------------------- ledger */

#define TX_PER_BLOCK 4
#define LEDGER_NODES 4

typedef struct ledger_bench {
  char path[600];
  const char *etcd;  /* etcd endpoint, or NULL for the file store at path */
  const char *label; /* "file" or "etcd" */
  tea_ledger *l;
  tea_ledger_keypair cm[3], nd[LEDGER_NODES];
  uint8_t chain[32];
  tea_ledger_tx *tx; /* large (a union holding evidence): on the heap */
} ledger_bench;

static tea_code open_store(ledger_bench *lb, tea_ledger_store **s, tea_error *err) {
  return lb->etcd ? tea_ledger_store_etcd_open(s, lb->etcd, "/tea-bench", err)
                  : tea_ledger_store_file_open(s, lb->path, err);
}

/* Fixed keys: the same chain every run, so runs compare like with like. */
static tea_code seed_kp(tea_ledger_keypair *k, int tag, tea_error *err) {
  uint8_t s[32];
  memset(s, tag, sizeof s);
  return tea_ledger_keypair_from_seed(s, k, err);
}

/* Two of the three members approve; the second approval appends (and fsyncs). */
static tea_code commit(ledger_bench *lb, tea_ledger_block *b, tea_error *err) {
  bool done = false;
  tea_code rc;
  if ((rc = tea_ledger_approve(lb->l, b, &lb->cm[0], &done, err)) ||
      (rc = tea_ledger_approve(lb->l, b, &lb->cm[1], &done, err)))
    return rc;
  return done ? TEA_OK : tea_fail(err, TEA_ERR_STATE, "two approvals did not append the block");
}

static tea_code encode_signed(tea_ledger_tx *tx, const tea_ledger_keypair *kp, tea_ledger_slice *out,
                              tea_error *err) {
  uint8_t *p;
  size_t n;
  tea_code rc;
  if ((rc = tea_ledger_tx_sign(tx, kp, err)) || (rc = tea_ledger_tx_encode(tx, &p, &n, err))) return rc;
  out->p = p;
  out->n = n;
  return TEA_OK;
}

static void free_slices(tea_ledger_slice *s, size_t n) {
  for (size_t i = 0; i < n; i++) free((void *)s[i].p);
}

/* Genesis (committee of 3, threshold 2) and block 1 registering the nodes that then
 * attest each other. */
static tea_code ledger_setup(ledger_bench *lb, tea_error *err) {
  tea_ledger_store *s;
  tea_code rc;
  if ((rc = open_store(lb, &s, err)) || (rc = tea_ledger_open(&lb->l, s, err))) return rc;
  tea_ledger_committee c = {.n = 3, .threshold = 2};
  for (int i = 0; i < 3; i++) memcpy(c.keys[i], lb->cm[i].pk, 32);
  tea_ledger_block b;
  if ((rc = tea_ledger_genesis(&b, lb->chain, &c, NULL, 1, err)) == TEA_OK) rc = commit(lb, &b, err);
  tea_ledger_block_free(&b);
  if (rc) return rc;
  tea_ledger_slice regs[LEDGER_NODES] = {{0}};
  for (int i = 0; i < LEDGER_NODES && !rc; i++) {
    memset(lb->tx, 0, sizeof *lb->tx);
    lb->tx->kind = TEA_TX_NODE_REGISTER;
    memcpy(lb->tx->chain, lb->chain, 32);
    memcpy(lb->tx->u.node.node, lb->nd[i].pk, 32);
    lb->tx->u.node.ak_len = 1;
    strcpy(lb->tx->u.node.ak_alg, "x");
    rc = encode_signed(lb->tx, &lb->nd[i], &regs[i], err);
  }
  if (!rc && (rc = tea_ledger_propose(lb->l, regs, LEDGER_NODES, 2, &b, err)) == TEA_OK) {
    rc = commit(lb, &b, err);
    tea_ledger_block_free(&b);
  }
  free_slices(regs, LEDGER_NODES);
  return rc;
}

/* The transactions of block h: TX_PER_BLOCK passing verdicts, each node attesting the
 * next, fresh against the previous block (what the committee collects every round).
 * Signing them is the attestors' work, so it happens before the block is timed. */
static tea_code verdict_txs(ledger_bench *lb, uint64_t h, tea_ledger_slice txs[TX_PER_BLOCK], tea_error *err) {
  tea_code rc = TEA_OK;
  for (int k = 0; k < TX_PER_BLOCK && !rc; k++) {
    int a = (int)((h + (uint64_t)k) % LEDGER_NODES);
    tea_ledger_tx *tx = lb->tx;
    memset(tx, 0, sizeof *tx);
    tx->kind = TEA_TX_VERDICT;
    memcpy(tx->chain, lb->chain, 32);
    tx->nonce = h * TX_PER_BLOCK + (uint64_t)k;
    memcpy(tx->u.verdict.subject, lb->nd[(a + 1) % LEDGER_NODES].pk, 32);
    tx->u.verdict.pass = true;
    tx->u.verdict.fresh_height = h - 1;
    if ((rc = tea_ledger_block_cid_at(lb->l, h - 1, &tx->u.verdict.fresh_cid, err))) break;
    tx->u.verdict.nonce_len = sizeof tx->nonce;
    memcpy(tx->u.verdict.nonce, &tx->nonce, sizeof tx->nonce);
    rc = encode_signed(tx, &lb->nd[a], &txs[k], err);
  }
  return rc;
}

static tea_code ledger_run(ledger_bench *lb, const char *dir, int nblocks, tea_error *err) {
  tea_code rc = join(lb->path, sizeof lb->path, dir, "ledger.log", err);
  if (rc) return rc;
  for (int i = 0; i < 3 && !rc; i++) rc = seed_kp(&lb->cm[i], 1 + i, err);
  for (int i = 0; i < LEDGER_NODES && !rc; i++) rc = seed_kp(&lb->nd[i], 50 + i, err);
  if (rc) return rc;
  memset(lb->chain, 0xAA, sizeof lb->chain);
  if (!(lb->tx = calloc(1, sizeof *lb->tx))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if ((rc = ledger_setup(lb, err))) return rc;

  /* 1. Appends: propose (checks every transaction against the state), two approvals
   * (each verifies the proposal and the signatures on it), the append and its fsync. */
  size_t n = (size_t)nblocks - 2;
  double *lat = calloc(n, sizeof *lat);
  if (!lat) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n && !rc; i++) {
    uint64_t h = 2 + i;
    tea_ledger_slice txs[TX_PER_BLOCK] = {{0}};
    if ((rc = verdict_txs(lb, h, txs, err)) == TEA_OK) {
      tea_ledger_block b;
      double t0 = now_s();
      if ((rc = tea_ledger_propose(lb->l, txs, TX_PER_BLOCK, h, &b, err)) == TEA_OK) {
        rc = commit(lb, &b, err);
        lat[i] = now_s() - t0;
        tea_ledger_block_free(&b);
      }
    }
    free_slices(txs, TX_PER_BLOCK);
  }
  if (rc) {
    free(lat);
    return rc;
  }
  double med = median(lat, n), p99 = percentile_sorted(lat, n, 0.99);
  free(lat);
  line("ledger append (%s): median %.2f ms, p99 %.2f ms per block (%d verdicts, propose + 2 of 3 approvals + %s; "
       "%zu blocks)",
       lb->label, med * 1e3, p99 * 1e3, TX_PER_BLOCK,
       lb->etcd ? "etcd transaction on loopback, one member" : "fsync", n);
  tea_ledger_close(lb->l);
  lb->l = NULL;

  /* 2. Reopen: tea_ledger_open reads every record (CRC), decodes, checks the block and
   * transaction signatures and applies each block to a fresh state. The file is in the
   * page cache, so this is the verification cost, not the disk's. */
  double t[3];
  for (int k = 0; k < 3 && !rc; k++) {
    tea_ledger_store *s;
    double t0 = now_s();
    if ((rc = open_store(lb, &s, err)) || (rc = tea_ledger_open(&lb->l, s, err))) break;
    t[k] = now_s() - t0;
    if (tea_ledger_count(lb->l) != (uint64_t)nblocks)
      rc = tea_fail(err, TEA_ERR_STATE, "reopened %llu blocks, wrote %d", (unsigned long long)tea_ledger_count(lb->l),
                    nblocks);
    if (k < 2 || rc) {
      tea_ledger_close(lb->l);
      lb->l = NULL;
    }
  }
  if (rc) return rc;
  line("ledger reopen (%s): %.0f blocks/s verified (tea_ledger_open of %d blocks, %d tx each, median of 3)", lb->label,
       nblocks / median(t, 3), nblocks, TX_PER_BLOCK);
  if (lb->etcd) return TEA_OK; /* queries run on the in-memory state: the store does not matter */

  /* 3. Historical queries: a node's record at a random past height (what receipt and
   * attestation checks ask). */
  const int q = 100000;
  unsigned x = 1;
  tea_ledger_node node;
  double qt[REPS];
  for (int k = 0; k < REPS && !rc; k++) {
    double t0 = now_s();
    for (int i = 0; i < q && !rc; i++) {
      x = x * 1103515245u + 12345u;
      rc = tea_ledger_node_at(lb->l, lb->nd[0].pk, 1 + (x >> 8) % (unsigned)(nblocks - 1), &node, err);
    }
    qt[k] = (now_s() - t0) / q;
  }
  if (rc) return rc;
  line("ledger node_at: %.0f ns per query at a random height (median of %d x %d)", median(qt, REPS) * 1e9, REPS, q);
  return TEA_OK;
}

/* One backend: a fresh ledger of nblocks blocks in dir (file) or in etcd. */
static void ledger_backend(const char *dir, const char *label, const char *etcd, int nblocks) {
  tea_error e = {0};
  ledger_bench lb;
  memset(&lb, 0, sizeof lb);
  lb.label = label;
  lb.etcd = etcd;
  if (ledger_run(&lb, dir, nblocks, &e)) {
    char what[32];
    snprintf(what, sizeof what, "ledger (%s)", label);
    report_fail(what, &e);
  }
  tea_ledger_close(lb.l);
  free(lb.tx);
}

static void bench_ledger(const char *tmp, int nblocks, int etcd_blocks) {
  char dir[512];
  tea_error e = {0};
  if (join(dir, sizeof dir, tmp, "ledger", &e) || (mkdir(dir, 0700) != 0 &&
                                                    tea_fail(&e, TEA_ERR_IO, "mkdir %s: %s", dir, strerror(errno)))) {
    report_fail("ledger", &e);
    return;
  }
  ledger_backend(dir, "file", NULL, nblocks);
  /* etcd is part of the product (scripts/deps.sh installs it): without it the figure
     is missing, which counts as a failure rather than a quiet skip */
  tea_etcd_proc etcd = {0};
  if (join(etcd.dir, sizeof etcd.dir, tmp, "etcd", &e) || tea_etcd_start(&etcd, &e)) {
    printf("ledger (etcd): NOT MEASURED: %s\n", e.msg);
    fflush(stdout);
    failures++;
  } else {
    ledger_backend(dir, "etcd", etcd.endpoint, etcd_blocks);
  }
  tea_etcd_stop(&etcd);
  rm_tree(dir);
}

/* ---------------------------------------------------------------- trust */

#define FX_HEIGHT 10
#define FX_ACTOR "echo"
#define FX_CID "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"

/* A node as tests/unit/trust_fixture.h sets one up: keys, a soft TPM, the boot
 * measurements `teanode run` makes, and an in-memory policy that approves all of it. */
typedef struct trust_fx {
  tea_node_keys keys;
  tea_tpm *tpm;
  tea_eventlog log;
  uint8_t runtime[32], provider[32], config[32];
  uint8_t blocks[FX_HEIGHT + 1][32];
  tea_policy_table *table;
  tea_policy policy;
  /* what the operations below work on */
  tea_challenge challenge;
  uint8_t *evidence;
  size_t evidence_len;
  tea_receipt receipt;
  uint8_t msg[32], sig[64];
} trust_fx;

static void hash_str(const char *s, uint8_t out[32]) { tea_sha256(s, strlen(s), out, NULL); }

static tea_code trust_setup(trust_fx *f, const char *dir, tea_error *err) {
  tea_code rc;
  tea_eventlog_init(&f->log);
  if ((rc = tea_node_keys_generate(&f->keys, err)) || (rc = tea_tpm_open_soft(dir, &f->tpm, err))) return rc;
  hash_str("teanode executable", f->runtime);
  hash_str("provider: keyvalue", f->provider);
  hash_str("teanode.ini", f->config);
  for (int i = 0; i <= FX_HEIGHT; i++) {
    char b[32];
    snprintf(b, sizeof b, "block %d", i);
    hash_str(b, f->blocks[i]);
  }
  if ((rc = tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_RUNTIME, f->runtime, "0.1.0", err)) ||
      (rc = tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_CONFIG, f->config, "teanode.ini", err)) ||
      (rc = tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_GENESIS, f->blocks[0], "genesis", err)) ||
      (rc = tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_PROVIDER, f->provider, "keyvalue", err)) ||
      (rc = tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_ACTOR, f->blocks[1], FX_ACTOR " " FX_CID, err)))
    return rc;
  if ((rc = tea_policy_table_new(&f->table, err))) return rc;
  for (uint64_t h = 0; h <= FX_HEIGHT; h++)
    if ((rc = tea_policy_table_add_block(f->table, h, f->blocks[h], err))) return rc;
  tea_ak ak;
  if ((rc = tea_tpm_ak_public(f->tpm, &ak, err)) ||
      (rc = tea_policy_table_add_node(f->table, f->keys.ed_pk, &ak, 0, UINT64_MAX, err)) ||
      (rc = tea_policy_table_add_runtime(f->table, f->runtime, 0, UINT64_MAX, err)) ||
      (rc = tea_policy_table_add_actor(f->table, FX_ACTOR, FX_CID, 2, UINT64_MAX, err)) ||
      (rc = tea_policy_table_add_provider(f->table, f->provider, 0, UINT64_MAX, err)))
    return rc;
  tea_policy_table_set_head(f->table, FX_HEIGHT);
  tea_policy_table_allow_software(f->table, true);
  f->policy = tea_policy_table_policy(f->table);
  hash_str("qualifying data", f->msg);

  /* The evidence a peer would send back for one challenge. */
  tea_evidence ev;
  if ((rc = tea_challenge_new(f->keys.ed_pk, 1000, &f->challenge, err)) ||
      (rc = tea_attest_respond(f->tpm, &f->keys, &f->log, f->challenge.nonce, FX_HEIGHT, f->blocks[FX_HEIGHT], &ev,
                               err)))
    return rc;
  rc = tea_evidence_encode(&ev, &f->evidence, &f->evidence_len, err);
  tea_evidence_free(&ev);
  if (rc) return rc;

  /* A receipt with every field a real one has (one provider, a client nonce). */
  tea_receipt *r = &f->receipt;
  tea_receipt_init(r);
  memcpy(r->node, f->keys.ed_pk, 32);
  memcpy(r->runtime, f->runtime, 32);
  snprintf(r->runtime_version, sizeof r->runtime_version, "0.1.0");
  snprintf(r->actor, sizeof r->actor, FX_ACTOR);
  snprintf(r->cid, sizeof r->cid, FX_CID);
  snprintf(r->issuer, sizeof r->issuer, "ACTORISSUERKEY");
  r->revision = 3;
  r->nproviders = 1;
  memcpy(r->providers[0], f->provider, 32);
  r->height = 4;
  memcpy(r->block, f->blocks[4], 32);
  snprintf(r->request, sizeof r->request, "req-1");
  r->nonce_len = 16;
  memset(r->nonce, 0xab, 16);
  hash_str("input", r->input);
  hash_str("output", r->output);
  hash_str("transcript", r->transcript);
  r->fuel = 12345;
  r->time = 1700000000000ull;
  r->seq = 7;
  hash_str("previous receipt", r->prev);
  return tea_receipt_sign(r, &f->keys, err);
}

static void trust_free(trust_fx *f) {
  tea_receipt_free(&f->receipt);
  free(f->evidence);
  tea_policy_table_free(f->table);
  tea_tpm_close(f->tpm);
  tea_eventlog_free(&f->log);
  tea_node_keys_wipe(&f->keys);
}

static tea_code op_quote(void *ctx, tea_error *err) {
  trust_fx *f = ctx;
  tea_quote q;
  return tea_tpm_quote(f->tpm, 1u << TEA_PCR_NODE, f->msg, sizeof f->msg, &q, err);
}

static tea_code op_attest_verify(void *ctx, tea_error *err) {
  trust_fx *f = ctx;
  tea_attest_options opt = {.now = 1010, .max_age = 60, .max_lag = 3};
  tea_attest_result res;
  tea_code rc = tea_attest_verify(&f->policy, &f->challenge, f->evidence, f->evidence_len, &opt, &res, err);
  if (rc) return rc;
  /* a refusal would stop at its first failing check: only a full pass is the cost asked for */
  if (res.failed != TEA_AC_NONE)
    return tea_fail(err, TEA_ERR_STATE, "evidence refused (%s): %s", tea_attest_check_name(res.failed), res.reason);
  return TEA_OK;
}

static tea_code op_receipt_sign(void *ctx, tea_error *err) {
  trust_fx *f = ctx;
  f->receipt.seq++; /* a new receipt each time, as a node makes them */
  return tea_receipt_sign(&f->receipt, &f->keys, err);
}

static tea_code op_receipt_verify(void *ctx, tea_error *err) {
  trust_fx *f = ctx;
  tea_receipt_report rep;
  tea_code rc = tea_receipt_verify(&f->policy, &f->receipt, NULL, &rep, err);
  if (rc) return rc;
  if (!rep.pass) return tea_fail(err, TEA_ERR_STATE, "receipt refused: %s", rep.detail[TEA_RC_SIGNATURE]);
  return TEA_OK;
}

static tea_code op_ed25519_sign(void *ctx, tea_error *err) {
  trust_fx *f = ctx;
  if (crypto_sign_detached(f->sig, NULL, f->msg, sizeof f->msg, f->keys.ed_sk) != 0)
    return tea_fail(err, TEA_ERR_CRYPTO, "crypto_sign_detached failed");
  return TEA_OK;
}

static tea_code op_ed25519_verify(void *ctx, tea_error *err) {
  trust_fx *f = ctx;
  if (crypto_sign_verify_detached(f->sig, f->msg, sizeof f->msg, f->keys.ed_pk) != 0)
    return tea_fail(err, TEA_ERR_CRYPTO, "signature does not verify");
  return TEA_OK;
}

static void bench_swtpm(trust_fx *f, const char *tmp) {
  if (!tea_swtpm_installed()) {
    line("swtpm: not installed");
    return;
  }
  /* The ESAPI logs TPM refusals itself; the library's errors already carry them. */
  setenv("TSS2_LOG", "all+none", 0);
  tea_swtpm_proc s = {0};
  tea_error e = {0};
  tea_tpm *soft = f->tpm;
  f->tpm = NULL;
  double per_s = 0;
  char tcti[64];
  tea_code rc;
  if ((rc = join(s.state, sizeof s.state, tmp, "swtpm", &e)))
    ;
  else if (mkdir(s.state, 0700) != 0) rc = tea_fail(&e, TEA_ERR_IO, "mkdir %s: %s", s.state, strerror(errno));
  else if ((rc = tea_swtpm_start(&s, &e)) == TEA_OK) {
    tea_swtpm_tcti(&s, tcti, sizeof tcti);
    if ((rc = tea_tpm_open_tss2(tcti, &f->tpm, &e)) == TEA_OK) rc = rate(op_quote, f, 0.4, &per_s, &e);
  }
  tea_tpm_close(f->tpm); /* before swtpm goes: the connection is ours to close */
  f->tpm = soft;
  tea_swtpm_stop(&s);
  if (rc) report_fail("swtpm quote", &e);
  else
    line("swtpm quote: %.0f /s (tea_tpm_quote over TCP on loopback, ECDSA P-256 AK; median of %d)", per_s, REPS);
}

static void bench_trust(const char *tmp) {
  char dir[512];
  tea_error e = {0};
  trust_fx f;
  memset(&f, 0, sizeof f);
  char buf[2][32];
  double r1 = 0, r2 = 0;
  if (join(dir, sizeof dir, tmp, "trust", &e) || (mkdir(dir, 0700) != 0 &&
                                                   tea_fail(&e, TEA_ERR_IO, "mkdir %s: %s", dir, strerror(errno)))) {
    report_fail("trust", &e);
    return;
  }
  if (trust_setup(&f, dir, &e)) {
    report_fail("trust setup", &e);
    goto out;
  }
  if (rate(op_quote, &f, REP_SECONDS, &r1, &e)) report_fail("soft tpm quote", &e);
  else line("soft tpm quote: %s /s (tea_tpm_quote, Ed25519 AK in process)", grouped(r1, buf[0]));
  bench_swtpm(&f, tmp);
  if (rate(op_attest_verify, &f, REP_SECONDS, &r1, &e)) report_fail("attest verify", &e);
  else
    line("attest verify: %s verdicts/s (tea_attest_verify, passing evidence, in-memory policy)", grouped(r1, buf[0]));
  if (rate(op_receipt_sign, &f, REP_SECONDS, &r1, &e)) report_fail("receipt sign", &e);
  else if (rate(op_receipt_verify, &f, REP_SECONDS, &r2, &e)) report_fail("receipt verify", &e);
  else
    line("receipts: %s signed/s, %s verified/s (tea_receipt_sign / tea_receipt_verify, no quote)",
         grouped(r1, buf[0]), grouped(r2, buf[1]));
  /* For scale: the raw signature primitive every figure above rests on, on this machine. */
  if (rate(op_ed25519_sign, &f, REP_SECONDS, &r1, &e) || rate(op_ed25519_verify, &f, REP_SECONDS, &r2, &e))
    report_fail("ed25519", &e);
  else
    line("ed25519 (libsodium, for scale): %s sign/s, %s verify/s (reference: about 60,000 and 20,000 per core)",
         grouped(r1, buf[0]), grouped(r2, buf[1]));
out:
  trust_free(&f);
  rm_tree(dir);
}

/* ---------------------------------------------------------------- actors */

static tea_code measure_ok(void *user, const uint8_t hash[32], const char *kind, const char *name, tea_error *err) {
  (void)user, (void)hash, (void)kind, (void)name, (void)err;
  return TEA_OK; /* the node extends a PCR here; load cost is not what is measured */
}

static void log_drop(void *user, const char *actor, const char *stream, const char *msg, size_t len) {
  (void)user, (void)actor, (void)stream, (void)msg, (void)len;
}

static void kv_drop(void *user, const char *actor, const char *level, const char *msg, size_t len) {
  (void)user, (void)actor, (void)level, (void)msg, (void)len;
}

/* Signs FILE.wasm with fresh keys and loads it as the ledger would have it approved:
 * claims and approval both name tea:log, the record's CID is that of the signed bytes. */
static tea_code load_actor(tea_host *host, const char *actors_dir, const char *file, tea_actor **out,
                           tea_error *err) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.wasm", actors_dir, file);
  uint8_t *bytes = NULL, *signed_ = NULL;
  size_t len = 0, slen = 0;
  tea_code rc = read_file(path, &bytes, &len, err);
  if (rc) return rc;
  tea_keypair issuer, subject;
  char issuer_pub[TEA_NKEY_LEN + 1];
  static const char *const caps[] = {TEA_CAP_LOG};
  tea_claims_spec spec = {.name = file, .ver = "1.0.0", .caps = caps, .ncaps = 1, .rev = 1};
  if ((rc = tea_keypair_generate(TEA_NKEY_ACCOUNT, &issuer, err)) ||
      (rc = tea_keypair_generate(TEA_NKEY_MODULE, &subject, err)) ||
      (rc = tea_claims_sign(bytes, len, &spec, &issuer, &subject, &signed_, &slen, err)))
    goto out;
  tea_keypair_public(&issuer, issuer_pub);
  const char *issuers[] = {issuer_pub};
  tea_actor_record r = {.name = file, .issuers = issuers, .nissuers = 1, .caps = caps, .ncaps = 1};
  if ((rc = tea_cid_of(TEA_CODEC_RAW, signed_, slen, &r.cid, err))) goto out;
  rc = tea_host_load(host, signed_, slen, &r, out, err);
out:
  free(bytes);
  free(signed_);
  return rc;
}

/* Median and p99 wall time of INVOKE_CALLS invocations of op (each in a fresh instance, or
 * a pooled one reset to the same state, as the host is configured), after a short warm-up. */
static tea_code time_invokes(tea_host *host, tea_actor *a, const char *op, const char *input, const char *want,
                             double *med_us, double *p99_us, tea_error *err) {
  double *t = calloc(INVOKE_CALLS, sizeof *t);
  if (!t) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  size_t in_len = strlen(input), want_len = strlen(want);
  tea_code rc = TEA_OK;
  for (int i = -50; i < INVOKE_CALLS && !rc; i++) {
    tea_invoke_result r;
    double t0 = now_s();
    rc = tea_host_invoke(host, a, op, (const uint8_t *)input, in_len, &r, err);
    double dt = now_s() - t0;
    if (!rc && (r.guest_error || r.output_len != want_len || memcmp(r.output, want, want_len) != 0))
      rc = tea_fail(err, TEA_ERR_STATE, "%s answered %.*s", op, (int)(r.output_len > 64 ? 64 : r.output_len),
                    r.output ? (const char *)r.output : "");
    tea_invoke_result_free(&r);
    if (i >= 0) t[i] = dt;
  }
  if (!rc) {
    *med_us = median(t, INVOKE_CALLS) * 1e6;
    *p99_us = percentile_sorted(t, INVOKE_CALLS, 0.99) * 1e6;
  }
  free(t);
  return rc;
}

static void bench_one_actor(tea_host *host, bool pooled, const char *actors_dir, const char *file, const char *op,
                            const char *what) {
  char path[1024], label[64];
  snprintf(path, sizeof path, "%s/%s.wasm", actors_dir, file);
  snprintf(label, sizeof label, "actor %s.%s%s", file, op, pooled ? " (pooled)" : "");
  if (access(path, R_OK) != 0) {
    line("%s: %s not found (the build makes it only when clang can target wasm32)", label, path);
    return;
  }
  tea_error e = {0};
  tea_actor *a;
  double med = 0, p99 = 0;
  /* echo answers its input, reverse answers it reversed */
  const char *input = "tea bench", *want = strcmp(op, "reverse") == 0 ? "hcneb aet" : input;
  if (load_actor(host, actors_dir, file, &a, &e) ||
      time_invokes(host, a, op, input, want, &med, &p99, &e))
    report_fail(label, &e);
  else
    line("%s: median %.1f us, p99 %.1f us per call (%s; %s, %d calls)", label, med, p99, what,
         pooled ? "pooled instance reset per call" : "fresh instance per call", INVOKE_CALLS);
}

static void bench_actors_with(const char *actors_dir, uint32_t pool_size) {
  tea_error e = {0};
  tea_host *host;
  tea_host_config cfg = {.measure = measure_ok, .log = log_drop, .pool_size = pool_size};
  if (tea_host_new(&cfg, &host, &e)) {
    report_fail("actor host", &e);
    return;
  }
  tea_provider *p;
  if (tea_provider_log_new(kv_drop, NULL, 0, &p, &e) || tea_host_add_provider(host, p, &e)) {
    report_fail("actor host", &e);
    tea_host_free(host);
    return;
  }
  bench_one_actor(host, pool_size, actors_dir, "hello", "echo", "C SDK, WASI reactor, 9 bytes in and out");
  bench_one_actor(host, pool_size, actors_dir, "wapc_raw", "reverse", "bare waPC guest, no WASI, 9 bytes");
  tea_host_free(host);
}

static void bench_actors(const char *actors_dir) {
  bench_actors_with(actors_dir, 0);
  bench_actors_with(actors_dir, 4);
}

/* ---------------------------------------------------------------- main */

static int usage(void) {
  fprintf(stderr, "usage: tea_bench_core [--actors DIR] [--blocks N] [--etcd-blocks N] [--tmp DIR]\n"
                  "  --actors DIR  where hello.wasm and wapc_raw.wasm are (default: this build's actors/)\n"
                  "  --blocks N    ledger length for the append and reopen figures (default 2000, at least 10)\n"
                  "  --etcd-blocks N  the same for the etcd store (default 500, at least 10)\n"
                  "  --tmp DIR     parent of the temporary directory (default: $TMPDIR, else /tmp)\n");
  return 2;
}

static bool block_count(const char *s, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*end || v < 10 || v > 1000000) return false;
  *out = (int)v;
  return true;
}

int main(int argc, char **argv) {
  const char *actors_dir = TEA_BENCH_ACTORS_DIR, *tmp_parent = getenv("TMPDIR");
  int nblocks = 2000, etcd_blocks = 500;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--actors") == 0 && i + 1 < argc) actors_dir = argv[++i];
    else if (strcmp(argv[i], "--tmp") == 0 && i + 1 < argc) tmp_parent = argv[++i];
    else if (strcmp(argv[i], "--blocks") == 0 && i + 1 < argc) {
      if (!block_count(argv[++i], &nblocks)) return usage();
    } else if (strcmp(argv[i], "--etcd-blocks") == 0 && i + 1 < argc) {
      if (!block_count(argv[++i], &etcd_blocks)) return usage();
    } else return usage();
  }
  if (!tmp_parent || !*tmp_parent) tmp_parent = "/tmp";
  if (sodium_init() < 0) {
    fprintf(stderr, "tea_bench_core: libsodium failed to start\n");
    return 1;
  }
  char tmp[256];
  snprintf(tmp, sizeof tmp, "%s/tea-bench-core-XXXXXX", tmp_parent);
  if (!mkdtemp(tmp)) {
    fprintf(stderr, "tea_bench_core: mkdtemp %s: %s\n", tmp, strerror(errno));
    return 1;
  }
  bench_hashing();
  bench_ledger(tmp, nblocks, etcd_blocks);
  bench_trust(tmp);
  bench_actors(actors_dir);
  rm_tree(tmp);
  return failures ? 1 : 0;
}
