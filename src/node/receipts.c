/* The node's receipt chain: every receipt carries a sequence number and the
 * previous receipt's hash, so a node cannot quietly drop or reorder them.
 * The chain head survives restarts in STATE/receipts.log, one fixed-size
 * record (sequence, hash) appended per receipt: a single write(2), no fsync
 * on the request path (a power cut may lose the last few heads; the node then
 * continues from an older one, which verifiers see as a fork, not a gap). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "node/internal.h"

#define RECORD 40

static void log_path(const tea_node *n, char *out, size_t cap) {
  snprintf(out, cap, "%s/receipts.log", n->cfg.state_dir);
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
  pthread_mutex_init(&n->receipt_lock, NULL);
  pthread_mutex_init(&n->sign_lock, NULL);
  pthread_cond_init(&n->sign_done, NULL);
  return TEA_OK;
}

void node_receipts_close(tea_node *n) {
  if (n->receipt_fd < 0) return;
  close(n->receipt_fd);
  n->receipt_fd = -1;
  pthread_mutex_destroy(&n->receipt_lock);
  pthread_mutex_destroy(&n->sign_lock);
  pthread_cond_destroy(&n->sign_done);
}

/* A receipt waiting for its signature. */
struct node_signing {
  tea_receipt *r;
  struct node_signing *next;
  bool done;
  tea_code rc;
  tea_error err;
};

#define BATCH_MAX 256

/* Group signing: the first caller to find no signature in progress signs
 * everything queued (up to BATCH_MAX) in one batch, while later arrivals
 * queue for the next one. Alone, a receipt is signed at once (a batch of
 * one: no added latency); under load, one signature serves every receipt
 * that finished during the previous signature. */
static tea_code sign_grouped(tea_node *n, tea_receipt *r, tea_error *err) {
  struct node_signing me = {.r = r};
  pthread_mutex_lock(&n->sign_lock);
  me.next = n->sign_queue;
  n->sign_queue = &me;
  while (!me.done) {
    if (n->signing) {
      pthread_cond_wait(&n->sign_done, &n->sign_lock);
      continue;
    }
    n->signing = true;
    struct node_signing *batch = n->sign_queue, **cut = &batch;
    for (size_t k = 0; *cut && k < BATCH_MAX; k++) cut = &(*cut)->next;
    n->sign_queue = *cut; /* beyond BATCH_MAX: the next round */
    *cut = NULL;
    pthread_mutex_unlock(&n->sign_lock);

    tea_receipt *rs[BATCH_MAX];
    size_t count = 0;
    for (struct node_signing *s = batch; s; s = s->next) rs[count++] = s->r;
    tea_error e;
    tea_error_clear(&e);
    tea_code rc = tea_receipt_sign_batch(rs, count, &n->keys, &e);

    pthread_mutex_lock(&n->sign_lock);
    for (struct node_signing *s = batch, *next; s; s = next) {
      next = s->next; /* a waiter may return (and its frame go) once done is set */
      s->rc = rc;
      s->err = e;
      s->done = true;
    }
    n->signing = false;
    n->receipt_batches++;
    n->receipt_batched += count;
    pthread_cond_broadcast(&n->sign_done);
  }
  pthread_mutex_unlock(&n->sign_lock);
  if (me.rc != TEA_OK && err) *err = me.err;
  return me.rc;
}

/* Fills the chain fields, records the new head, then signs. The chain links
 * receipt bodies (the signature is over the body's hash and not part of
 * it), so only numbering and hashing are serialized; the Ed25519 signature,
 * the most expensive step of a call, is made outside that lock and shared
 * by the receipts finished at the same time (sign_grouped). */
tea_code node_receipt_issue(tea_node *n, tea_receipt *r, tea_error *err) {
  memcpy(r->node, n->keys.ed_pk, TEA_ED25519_PK_LEN);
  uint8_t h[TEA_SHA256_LEN];
  pthread_mutex_lock(&n->receipt_lock);
  r->seq = n->receipt_seq;
  memcpy(r->prev, n->receipt_prev, TEA_SHA256_LEN);
  tea_code rc = tea_receipt_hash(r, h, err);
  if (rc == TEA_OK) {
    uint8_t rec[RECORD];
    for (int i = 0; i < 8; i++) rec[i] = (uint8_t)(r->seq >> (56 - 8 * i));
    memcpy(rec + 8, h, TEA_SHA256_LEN);
    if (write(n->receipt_fd, rec, RECORD) != RECORD)
      rc = tea_fail(err, TEA_ERR_IO, "cannot record the receipt chain in %s/receipts.log", n->cfg.state_dir);
  }
  if (rc == TEA_OK) {
    n->receipt_seq++;
    memcpy(n->receipt_prev, h, TEA_SHA256_LEN);
  }
  pthread_mutex_unlock(&n->receipt_lock);
  /* Once recorded, a receipt is issued: signing with a loaded key does not
     fail, and if it ever did the chain shows a gap, never a fork. */
  return rc == TEA_OK ? sign_grouped(n, r, err) : rc;
}
