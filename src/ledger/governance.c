/* Governance: a proposal is a candidate block carrying whatever committee signatures
 * it has collected so far. Each approval checks the candidate against the head,
 * checks the signatures already on it and adds one; the approval that brings the count
 * to the threshold appends the block. Genesis goes through the same flow, signed by
 * the committee it names. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"

tea_code tea_ledger_genesis(tea_ledger_block *b, const uint8_t *chain, const tea_ledger_committee *c,
                            const tea_ledger_params *params, uint64_t time, tea_error *err) {
  memset(b, 0, sizeof *b);
  if (c->n == 0 || c->n > TEA_LEDGER_MAX_COMMITTEE)
    return tea_fail(err, TEA_ERR_ARG, "a committee has 1 to %d members", TEA_LEDGER_MAX_COMMITTEE);
  if (c->threshold == 0 || c->threshold > c->n)
    return tea_fail(err, TEA_ERR_ARG, "threshold %u outside 1..%u", c->threshold, c->n);
  b->committee = *c;
  qsort(b->committee.keys, c->n, TEA_LEDGER_KEY_LEN, tea_key_cmp);
  for (uint32_t i = 1; i < c->n; i++)
    if (memcmp(b->committee.keys[i - 1], b->committee.keys[i], TEA_LEDGER_KEY_LEN) == 0)
      return tea_fail(err, TEA_ERR_ARG, "a committee key is listed twice");
  if (params) b->params = *params;
  else b->params = (tea_ledger_params){.quarantine_attestors = 2, .fresh_window = 16, .recover_passes = 2};
  if (chain) memcpy(b->chain, chain, TEA_SHA256_LEN);
  else {
    if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to initialise");
    randombytes_buf(b->chain, TEA_SHA256_LEN);
  }
  b->time = time;
  return TEA_OK;
}

tea_code tea_ledger_propose(tea_ledger *l, const tea_ledger_slice *txs, size_t ntx, uint64_t time,
                            tea_ledger_block *b, tea_error *err) {
  memset(b, 0, sizeof *b);
  uint64_t h = tea_ledger_count(l);
  if (h == 0) return tea_fail(err, TEA_ERR_STATE, "the ledger has no genesis yet (teanode ledger init)");
  if (ntx > TEA_LEDGER_MAX_TXS) return tea_fail(err, TEA_ERR_LIMIT, "more than %d transactions", TEA_LEDGER_MAX_TXS);
  memcpy(b->chain, tea_ledger_chain_id(l), TEA_SHA256_LEN);
  b->height = h;
  /* a clock that stepped back still makes a valid block */
  b->time = time < tea_ledger_head_time(l) ? tea_ledger_head_time(l) : time;
  tea_code c = tea_ledger_block_cid_at(l, h - 1, &b->prev, err);
  if (c) return c;
  /* One buffer holds copies of every transaction, so the block owns what it points at. */
  size_t total = 0;
  for (size_t i = 0; i < ntx; i++) total += txs[i].n;
  b->bytes = malloc(total ? total : 1);
  b->txs = ntx ? calloc(ntx, sizeof *b->txs) : NULL;
  if (!b->bytes || (ntx && !b->txs)) {
    tea_ledger_block_free(b);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  size_t off = 0;
  for (size_t i = 0; i < ntx; i++) {
    memcpy(b->bytes + off, txs[i].p, txs[i].n);
    b->txs[i] = (tea_ledger_slice){b->bytes + off, txs[i].n};
    off += txs[i].n;
  }
  b->ntx = ntx;
  b->len = total;
  if ((c = tea_ledger_check_candidate(l, b, err))) tea_ledger_block_free(b);
  return c;
}

/* Checks a proposal against the head (all but the number of signatures) and the
 * signatures already on it (valid, from members); *cm is the committee that must sign. */
static tea_code check_proposal(tea_ledger *l, const tea_ledger_block *b, const tea_ledger_committee **cm,
                               tea_error *err) {
  tea_code c = tea_ledger_check_candidate(l, b, err);
  if (c) return c;
  *cm = tea_ledger_count(l) ? tea_ledger_head_committee(l) : &b->committee;
  tea_ledger_committee any = **cm;
  any.threshold = 0; /* their number is checked when appending */
  return tea_ledger_block_verify_sigs(b, &any, err);
}

/* Appends b once it holds the committee's threshold of signatures. */
static tea_code append_if_signed(tea_ledger *l, const tea_ledger_block *b, const tea_ledger_committee *cm,
                                 bool *appended, tea_error *err) {
  if (b->nsigs < cm->threshold) return TEA_OK;
  uint8_t *buf;
  size_t n;
  tea_code c = tea_ledger_block_encode(b, true, &buf, &n, err);
  if (c) return c;
  c = tea_ledger_append(l, buf, n, err);
  free(buf);
  *appended = c == TEA_OK;
  return c;
}

tea_code tea_ledger_approve(tea_ledger *l, tea_ledger_block *b, const tea_ledger_keypair *kp, bool *appended,
                            tea_error *err) {
  *appended = false;
  const tea_ledger_committee *cm;
  tea_code c = check_proposal(l, b, &cm, err);
  if (c) return c;
  bool member = false;
  for (uint32_t i = 0; i < cm->n; i++) member |= memcmp(cm->keys[i], kp->pk, TEA_LEDGER_KEY_LEN) == 0;
  if (!member) return tea_fail(err, TEA_ERR_INVALID, "this key is not a committee member");
  if ((c = tea_ledger_block_sign(b, kp, err))) return c;
  return append_if_signed(l, b, cm, appended, err);
}

tea_code tea_ledger_gather(tea_ledger *l, tea_ledger_block *b, const tea_ledger_block *more, bool *appended,
                           tea_error *err) {
  *appended = false;
  uint8_t hb[TEA_SHA256_LEN], hm[TEA_SHA256_LEN];
  const tea_ledger_committee *cm;
  tea_code c = check_proposal(l, b, &cm, err);
  if (!c) c = tea_ledger_block_signing_hash(b, hb, err);
  if (!c) c = tea_ledger_block_signing_hash(more, hm, err);
  if (c) return c;
  if (memcmp(hb, hm, sizeof hb) != 0) return tea_fail(err, TEA_ERR_ARG, "the signatures are for another block");
  tea_ledger_committee any = *cm;
  any.threshold = 0;
  if ((c = tea_ledger_block_verify_sigs(more, &any, err))) return c; /* each valid, from a member */
  for (size_t k = 0; k < more->nsigs; k++) { /* a union, kept sorted by key */
    const tea_ledger_sig *s = &more->sigs[k];
    size_t i = 0;
    while (i < b->nsigs && memcmp(b->sigs[i].key, s->key, TEA_LEDGER_KEY_LEN) < 0) i++;
    if (i < b->nsigs && memcmp(b->sigs[i].key, s->key, TEA_LEDGER_KEY_LEN) == 0) continue;
    if (b->nsigs == TEA_LEDGER_MAX_COMMITTEE) return tea_fail(err, TEA_ERR_LIMIT, "too many signatures");
    memmove(&b->sigs[i + 1], &b->sigs[i], (b->nsigs - i) * sizeof b->sigs[0]);
    b->sigs[i] = *s;
    b->nsigs++;
  }
  return append_if_signed(l, b, cm, appended, err);
}
