/* The node's receipt chain and its batch signing.
 *
 * Every receipt carries a sequence number and the previous receipt's hash, so
 * a node cannot quietly drop or reorder them. A round numbers and links the
 * receipts it signs, records the new head in STATE/receipts.log (one write(2)
 * per round, no fsync on the request path: a power cut may lose the last few
 * heads; the node then continues from an older one, which verifiers see as a
 * fork, not a gap), all under the chain lock, and then signs the whole round
 * with one Ed25519 signature over a Merkle root
 * (tea_receipt_sign_batch_hashed), outside it. A receipt is handed back only
 * once recorded and signed.
 *
 * When to sign: a signature costs more than everything else in an actor call
 * together (docs/performance.md), so each HTTP thread parks its calls'
 * requests (tea_http_defer) and queues their receipts, and signs its queue
 * when it has handled every request that was ready (tea_http's idle hook,
 * node_receipts_idle). A busy thread keeps serving and its batch grows; an
 * idle one signs at once, so a lone call waits for nothing; and no other
 * thread is woken. Two earlier designs were measured and dropped
 * (docs/NOTES.md): signing on the request thread, with later calls waiting
 * asleep for the signature in progress; and one signer thread for the node,
 * whose wake-ups and hand-offs cost more than the batches saved. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "node/internal.h"

#define RECORD 40
#define BATCH_MAX 256

static void log_path(const tea_node *n, char *out, size_t cap) {
  snprintf(out, cap, "%s/receipts.log", n->cfg.state_dir);
}

/* Numbers, links, records and signs one round (jobs linked by next). */
static void sign_round(tea_node *n, node_receipt_job *jobs) {
  tea_receipt *rs[BATCH_MAX];
  uint8_t hashes[BATCH_MAX][TEA_SHA256_LEN];
  uint8_t recs[BATCH_MAX * RECORD];
  size_t count = 0;
  tea_code rc = TEA_OK;
  tea_error e;
  tea_error_clear(&e);
  pthread_mutex_lock(&n->chain_lock);
  uint64_t seq = n->receipt_seq;
  uint8_t head[TEA_SHA256_LEN];
  memcpy(head, n->receipt_prev, TEA_SHA256_LEN);
  for (node_receipt_job *j = jobs; j; j = j->next) {
    tea_receipt *r = j->r;
    memcpy(r->node, n->keys.ed_pk, TEA_ED25519_PK_LEN);
    r->seq = seq;
    memcpy(r->prev, head, TEA_SHA256_LEN);
    tea_error_clear(&j->err);
    tea_receipt_kept_free(&j->kept);
    j->rc = tea_receipt_hash_keep(r, head, &j->kept, &j->err);
    if (j->rc != TEA_OK) { /* this one is left out; the chain goes on without it */
      memcpy(head, r->prev, TEA_SHA256_LEN);
      continue;
    }
    uint8_t *rec = recs + count * RECORD;
    for (int i = 0; i < 8; i++) rec[i] = (uint8_t)(seq >> (56 - 8 * i));
    memcpy(rec + 8, head, TEA_SHA256_LEN);
    memcpy(hashes[count], head, TEA_SHA256_LEN);
    rs[count++] = r;
    seq++;
  }
  if (count) {
    ssize_t w = write(n->receipt_fd, recs, count * RECORD);
    if (w != (ssize_t)(count * RECORD)) {
      /* a short write leaves a torn tail: cut it so the log stays whole */
      if (w > 0 && ftruncate(n->receipt_fd, lseek(n->receipt_fd, 0, SEEK_END) - w) != 0) w = -1;
      rc = tea_fail(&e, TEA_ERR_IO, "cannot record the receipt chain in %s/receipts.log",
                    n->cfg.state_dir);
    }
  }
  if (rc == TEA_OK && count) {
    n->receipt_seq = seq;
    memcpy(n->receipt_prev, head, TEA_SHA256_LEN);
    n->receipt_batches++;
    n->receipt_batched += count;
  }
  pthread_mutex_unlock(&n->chain_lock);
  /* Once recorded, the receipts are issued: signing with a loaded key does
     not fail, and if it ever did the chain shows a gap, never a fork. */
  if (rc == TEA_OK && count)
    rc = tea_receipt_sign_batch_hashed(rs, (const uint8_t(*)[TEA_SHA256_LEN])hashes, count, &n->keys, &e);
  for (node_receipt_job *j = jobs, *next; j; j = next) {
    next = j->next; /* done() may free the job */
    if (j->rc == TEA_OK && rc != TEA_OK) {
      j->rc = rc;
      j->err = e;
    }
    j->done(j->ctx, j->rc, &j->err);
  }
}

tea_code node_receipts_load(tea_node *n, tea_error *err) {
  char path[TEA_NODE_PATH_MAX + 16];
  log_path(n, path, sizeof path);
  int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return tea_fail(err, TEA_ERR_IO, "cannot open %s", path);
  struct stat st;
  uint8_t rec[RECORD];
  tea_code rc = TEA_OK;
  if (fstat(fd, &st) != 0) {
    rc = tea_fail(err, TEA_ERR_IO, "cannot stat %s", path);
  } else if (st.st_size >= RECORD) {
    off_t last = (st.st_size / RECORD - 1) * RECORD; /* a torn tail is ignored */
    if (pread(fd, rec, RECORD, last) != RECORD) {
      rc = tea_fail(err, TEA_ERR_IO, "cannot read %s", path);
    } else {
      uint64_t seq = 0;
      for (int i = 0; i < 8; i++) seq = seq << 8 | rec[i];
      n->receipt_seq = seq + 1;
      memcpy(n->receipt_prev, rec + 8, TEA_SHA256_LEN);
    }
    /* a torn record would shift every later one: cut it off */
    if (rc == TEA_OK && st.st_size % RECORD && ftruncate(fd, st.st_size - st.st_size % RECORD) != 0)
      rc = tea_fail(err, TEA_ERR_IO, "cannot truncate the torn tail of %s", path);
  }
  if (rc != TEA_OK) {
    close(fd);
    return rc;
  }
  n->receipt_fd = fd;
  pthread_mutex_init(&n->chain_lock, NULL);
  return TEA_OK;
}

void node_receipts_close(tea_node *n) {
  if (n->receipt_fd < 0) return;
  close(n->receipt_fd);
  n->receipt_fd = -1;
  pthread_mutex_destroy(&n->chain_lock);
  free(n->receipt_queues);
  n->receipt_queues = NULL;
}

tea_code node_receipt_queues(tea_node *n, unsigned workers, tea_error *err) {
  free(n->receipt_queues);
  n->receipt_queues = calloc(workers, sizeof *n->receipt_queues);
  n->nreceipt_queues = n->receipt_queues ? workers : 0;
  return n->receipt_queues ? TEA_OK : tea_fail(err, TEA_ERR_NOMEM, "out of memory");
}

void node_receipt_park(tea_node *n, unsigned worker, node_receipt_job *job) {
  node_receipt_queue *q = &n->receipt_queues[worker];
  job->next = NULL;
  if (q->tail) q->tail->next = job;
  else q->head = job;
  q->tail = job;
}

void node_receipts_idle(void *user, unsigned worker) {
  tea_node *n = user;
  if (worker >= n->nreceipt_queues) return;
  node_receipt_queue *q = &n->receipt_queues[worker];
  while (q->head) { /* rounds of at most BATCH_MAX */
    node_receipt_job *batch = q->head, *tail = batch;
    for (size_t k = 1; tail->next && k < BATCH_MAX; k++) tail = tail->next;
    q->head = tail->next;
    if (!q->head) q->tail = NULL;
    tail->next = NULL;
    sign_round(n, batch);
  }
}

typedef struct sync_wait {
  tea_code rc;
  tea_error err;
} sync_wait;

static void sync_done(void *ctx, tea_code rc, const tea_error *err) {
  sync_wait *w = ctx;
  w->rc = rc;
  w->err = *err;
}

tea_code node_receipt_issue(tea_node *n, tea_receipt *r, tea_error *err) {
  sync_wait w = {.rc = TEA_OK};
  node_receipt_job job = {.r = r, .done = sync_done, .ctx = &w};
  sign_round(n, &job);
  tea_receipt_kept_free(&job.kept);
  if (w.rc != TEA_OK && err) *err = w.err;
  return w.rc;
}
