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
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return TEA_OK; /* a new node: sequence 0, previous hash zero */
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
  }
  close(fd);
  return rc;
}

/* Fills the chain fields, signs, and records the new head. Takes the lock. */
tea_code node_receipt_issue(tea_node *n, tea_receipt *r, tea_error *err) {
  pthread_mutex_lock(&n->lock);
  r->seq = n->receipt_seq;
  memcpy(r->prev, n->receipt_prev, TEA_SHA256_LEN);
  memcpy(r->node, n->keys.ed_pk, TEA_ED25519_PK_LEN);
  uint8_t h[TEA_SHA256_LEN];
  tea_code rc = tea_receipt_sign(r, &n->keys, err);
  if (rc == TEA_OK) rc = tea_receipt_hash(r, h, err);
  if (rc == TEA_OK) {
    uint8_t rec[RECORD];
    for (int i = 0; i < 8; i++) rec[i] = (uint8_t)(r->seq >> (56 - 8 * i));
    memcpy(rec + 8, h, TEA_SHA256_LEN);
    char path[TEA_NODE_PATH_MAX + 16];
    log_path(n, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, rec, RECORD) != RECORD)
      rc = tea_fail(err, TEA_ERR_IO, "cannot record the receipt chain in %s", path);
    if (fd >= 0) close(fd);
  }
  if (rc == TEA_OK) {
    n->receipt_seq++;
    memcpy(n->receipt_prev, h, TEA_SHA256_LEN);
  }
  pthread_mutex_unlock(&n->lock);
  return rc;
}
