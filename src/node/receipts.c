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
  return TEA_OK;
}

void node_receipts_close(tea_node *n) {
  if (n->receipt_fd < 0) return;
  close(n->receipt_fd);
  n->receipt_fd = -1;
  pthread_mutex_destroy(&n->receipt_lock);
}

/* Fills the chain fields, records the new head, then signs. The chain links
 * receipt bodies (the signature is over the body's hash and not part of
 * it), so only numbering and hashing are serialized: the Ed25519 signature,
 * the most expensive step of a call, runs outside the lock on every core. */
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
  return rc == TEA_OK ? tea_receipt_sign(r, &n->keys, err) : rc;
}
