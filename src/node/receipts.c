/* The node's receipt chain and its signer.
 *
 * Every receipt carries a sequence number and the previous receipt's hash, so
 * a node cannot quietly drop or reorder them. One thread, the signer, owns the
 * chain: it numbers and links the receipts queued since its last round,
 * records the new head in STATE/receipts.log (one write(2) per round, no fsync
 * on the request path: a power cut may lose the last few heads; the node then
 * continues from an older one, which verifiers see as a fork, not a gap), and
 * signs the whole round with one Ed25519 signature over a Merkle root
 * (tea_receipt_sign_batch_hashed). A receipt is handed back only once recorded and
 * signed.
 *
 * Why a thread of its own: a signature costs more than everything else in an
 * actor call together (docs/performance.md). With signing on the request
 * threads, a second call had to wait, asleep, for the first one's signature;
 * now the request threads queue the receipt, park the HTTP request
 * (tea_http_defer) and serve others meanwhile.
 *
 * When to sign: as soon as the signer is free (group commit). A lone call
 * waits for nothing; under load every receipt finished during one round's
 * signature goes into the next, so batches grow with the request rate by
 * themselves. Spacing rounds out on a timer was measured and dropped: with a
 * fixed number of clients, receipts held back for a bigger batch lower the
 * request rate more than the saved signatures raise it (docs/NOTES.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/* Numbers, links, records and signs one round. Runs on the signer thread
 * only, so the chain head needs no lock. */
static void sign_round(tea_node *n, node_receipt_job *jobs) {
  tea_receipt *rs[BATCH_MAX];
  uint8_t hashes[BATCH_MAX][TEA_SHA256_LEN];
  uint8_t recs[BATCH_MAX * RECORD];
  size_t count = 0;
  uint64_t seq = n->receipt_seq;
  uint8_t head[TEA_SHA256_LEN];
  memcpy(head, n->receipt_prev, TEA_SHA256_LEN);
  for (node_receipt_job *j = jobs; j; j = j->next) {
    tea_receipt *r = j->r;
    memcpy(r->node, n->keys.ed_pk, TEA_ED25519_PK_LEN);
    r->seq = seq;
    memcpy(r->prev, head, TEA_SHA256_LEN);
    tea_error_clear(&j->err);
    j->rc = tea_receipt_hash(r, head, &j->err);
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
  tea_code rc = TEA_OK;
  tea_error e;
  tea_error_clear(&e);
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
    /* Once recorded, the receipts are issued: signing with a loaded key does
       not fail, and if it ever did the chain shows a gap, never a fork. */
    rc = tea_receipt_sign_batch_hashed(rs, (const uint8_t(*)[TEA_SHA256_LEN])hashes, count, &n->keys, &e);
  }
  for (node_receipt_job *j = jobs, *next; j; j = next) {
    next = j->next; /* done() may free the job */
    if (j->rc == TEA_OK && rc != TEA_OK) {
      j->rc = rc;
      j->err = e;
    }
    j->done(j->ctx, j->rc, &j->err);
  }
}

static void *signer_main(void *arg) {
  tea_node *n = arg;
  pthread_mutex_lock(&n->sign_lock);
  for (;;) {
    if (!n->sign_head) {
      if (n->sign_stop) break;
      pthread_cond_wait(&n->sign_wake, &n->sign_lock);
      continue;
    }
    node_receipt_job *batch = n->sign_head, *tail = batch;
    size_t count = 1;
    while (tail->next && count < BATCH_MAX) {
      tail = tail->next;
      count++;
    }
    n->sign_head = tail->next;
    if (!n->sign_head) n->sign_tail = NULL;
    tail->next = NULL;
    n->sign_len -= count;
    n->receipt_batches++;
    n->receipt_batched += count;
    pthread_mutex_unlock(&n->sign_lock);
    sign_round(n, batch);
    pthread_mutex_lock(&n->sign_lock);
  }
  pthread_mutex_unlock(&n->sign_lock);
  return NULL;
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
  pthread_mutex_init(&n->sign_lock, NULL);
  pthread_cond_init(&n->sign_wake, NULL);
  pthread_cond_init(&n->sign_sync, NULL);
  if (pthread_create(&n->signer, NULL, signer_main, n) != 0) {
    node_receipts_close(n);
    return tea_fail(err, TEA_ERR_NOMEM, "cannot start the receipt signer thread");
  }
  n->signer_running = true;
  return TEA_OK;
}

void node_receipts_close(tea_node *n) {
  if (n->receipt_fd < 0) return;
  if (n->signer_running) { /* it signs what is queued, then ends */
    pthread_mutex_lock(&n->sign_lock);
    n->sign_stop = true;
    pthread_cond_signal(&n->sign_wake);
    pthread_mutex_unlock(&n->sign_lock);
    pthread_join(n->signer, NULL);
    n->signer_running = false;
  }
  close(n->receipt_fd);
  n->receipt_fd = -1;
  pthread_mutex_destroy(&n->sign_lock);
  pthread_cond_destroy(&n->sign_wake);
  pthread_cond_destroy(&n->sign_sync);
}

void node_receipt_submit(tea_node *n, node_receipt_job *job) {
  job->next = NULL;
  pthread_mutex_lock(&n->sign_lock);
  if (n->sign_tail) n->sign_tail->next = job;
  else n->sign_head = job;
  n->sign_tail = job;
  n->sign_len++;
  /* the signer sleeps only on an empty queue: otherwise it finds this job
     when its round ends */
  if (n->sign_len == 1) pthread_cond_signal(&n->sign_wake);
  pthread_mutex_unlock(&n->sign_lock);
}

typedef struct sync_wait {
  tea_node *n;
  bool done;
  tea_code rc;
  tea_error err;
} sync_wait;

static void sync_done(void *ctx, tea_code rc, const tea_error *err) {
  sync_wait *w = ctx;
  pthread_mutex_lock(&w->n->sign_lock);
  w->rc = rc;
  w->err = *err;
  w->done = true;
  pthread_cond_broadcast(&w->n->sign_sync);
  pthread_mutex_unlock(&w->n->sign_lock);
}

tea_code node_receipt_issue(tea_node *n, tea_receipt *r, tea_error *err) {
  sync_wait w = {.n = n};
  node_receipt_job job = {.r = r, .done = sync_done, .ctx = &w};
  node_receipt_submit(n, &job);
  pthread_mutex_lock(&n->sign_lock);
  while (!w.done) pthread_cond_wait(&n->sign_sync, &n->sign_lock);
  pthread_mutex_unlock(&n->sign_lock);
  if (w.rc != TEA_OK && err) *err = w.err;
  return w.rc;
}
