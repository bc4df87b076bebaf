/* Blocks: canonical CBOR codec, the signing hash, committee signatures, the CID.
 *
 *   {"type": "tea/block", "v": 1, "chain": bytes(32), "height": uint,
 *    "prev": CID | null (genesis), "time": uint, "txs": [tx...],
 *    "genesis": {"committee": [key...], "threshold": uint, "params": {...}} | null,
 *    "sigs": [[key, sig]...]}
 *
 * Committee members sign SHA-256("tea/block/v1" ‖ NUL ‖ the map without "sigs"), so
 * signatures can be collected one at a time on the same candidate. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"

void tea_ledger_block_free(tea_ledger_block *b) {
  if (!b) return;
  free(b->txs);
  free(b->bytes);
  b->txs = NULL;
  b->bytes = NULL;
  b->ntx = 0;
  b->len = 0;
}

tea_code tea_ledger_block_encode(const tea_ledger_block *b, bool with_sigs, uint8_t **out, size_t *n,
                                 tea_error *err) {
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  tea_cbor_enc_set_limit(&e, TEA_LEDGER_BLOCK_MAX);
  tea_cbor_begin_map(&e, with_sigs ? 9 : 8);
  tea_cbor_put_cstr(&e, "type");
  tea_cbor_put_cstr(&e, "tea/block");
  tea_cbor_put_cstr(&e, "v");
  tea_cbor_put_uint(&e, 1);
  tea_cbor_put_cstr(&e, "chain");
  tea_cbor_put_bytes(&e, b->chain, TEA_SHA256_LEN);
  tea_cbor_put_cstr(&e, "height");
  tea_cbor_put_uint(&e, b->height);
  tea_cbor_put_cstr(&e, "prev");
  if (b->height == 0) tea_cbor_put_null(&e);
  else tea_put_cid(&e, &b->prev);
  tea_cbor_put_cstr(&e, "time");
  tea_cbor_put_uint(&e, b->time);
  tea_cbor_put_cstr(&e, "txs");
  tea_cbor_begin_array(&e, b->ntx);
  for (size_t i = 0; i < b->ntx; i++) tea_cbor_put_raw(&e, b->txs[i].p, b->txs[i].n);
  tea_cbor_end(&e);
  tea_cbor_put_cstr(&e, "genesis");
  if (b->height == 0) {
    tea_cbor_begin_map(&e, 3);
    tea_cbor_put_cstr(&e, "committee");
    tea_cbor_begin_array(&e, b->committee.n);
    for (uint32_t i = 0; i < b->committee.n; i++) tea_cbor_put_bytes(&e, b->committee.keys[i], TEA_LEDGER_KEY_LEN);
    tea_cbor_end(&e);
    tea_cbor_put_cstr(&e, "threshold");
    tea_cbor_put_uint(&e, b->committee.threshold);
    tea_cbor_put_cstr(&e, "params");
    tea_cbor_begin_map(&e, 3);
    tea_cbor_put_cstr(&e, "fresh_window");
    tea_cbor_put_uint(&e, b->params.fresh_window);
    tea_cbor_put_cstr(&e, "quarantine_attestors");
    tea_cbor_put_uint(&e, b->params.quarantine_attestors);
    tea_cbor_put_cstr(&e, "recover_passes");
    tea_cbor_put_uint(&e, b->params.recover_passes);
    tea_cbor_end(&e);
    tea_cbor_end(&e);
  } else {
    tea_cbor_put_null(&e);
  }
  if (with_sigs) {
    tea_cbor_put_cstr(&e, "sigs");
    tea_cbor_begin_array(&e, b->nsigs);
    for (size_t i = 0; i < b->nsigs; i++) {
      tea_cbor_begin_array(&e, 2);
      tea_cbor_put_bytes(&e, b->sigs[i].key, TEA_LEDGER_KEY_LEN);
      tea_cbor_put_bytes(&e, b->sigs[i].sig, TEA_LEDGER_SIG_LEN);
      tea_cbor_end(&e);
    }
    tea_cbor_end(&e);
  }
  tea_cbor_end(&e);
  tea_code c = tea_cbor_enc_finish(&e, out, n, err);
  tea_cbor_enc_free(&e);
  return c;
}

static tea_code read_genesis(tea_cbor_reader *r, tea_ledger_block *b, tea_error *err) {
  uint64_t np, pp;
  tea_code c = tea_cbor_read_map(r, &np, err);
  if (c) return c;
  if (np != 3) return tea_fail(err, TEA_ERR_MALFORMED, "genesis: expected 3 fields");
  /* canonical order: "params" < "committee" < "threshold" (shorter keys first) */
  if ((c = tea_cbor_expect_text(r, "params", err)) || (c = tea_cbor_read_map(r, &pp, err))) return c;
  if (pp != 3) return tea_fail(err, TEA_ERR_MALFORMED, "genesis params: expected 3 fields");
  if ((c = tea_cbor_expect_text(r, "fresh_window", err)) ||
      (c = tea_read_u32(r, &b->params.fresh_window, "fresh_window", err)) ||
      (c = tea_cbor_expect_text(r, "recover_passes", err)) ||
      (c = tea_read_u32(r, &b->params.recover_passes, "recover_passes", err)) ||
      (c = tea_cbor_expect_text(r, "quarantine_attestors", err)) ||
      (c = tea_read_u32(r, &b->params.quarantine_attestors, "quarantine_attestors", err)) ||
      (c = tea_cbor_expect_text(r, "committee", err)))
    return c;
  uint64_t n;
  if ((c = tea_cbor_read_array(r, &n, err))) return c;
  if (n > TEA_LEDGER_MAX_COMMITTEE) return tea_fail(err, TEA_ERR_LIMIT, "committee larger than %d", TEA_LEDGER_MAX_COMMITTEE);
  for (uint64_t i = 0; i < n; i++) {
    if ((c = tea_read_fixed(r, b->committee.keys[i], TEA_LEDGER_KEY_LEN, "committee key", err))) return c;
    if (i && memcmp(b->committee.keys[i - 1], b->committee.keys[i], TEA_LEDGER_KEY_LEN) >= 0)
      return tea_fail(err, TEA_ERR_MALFORMED, "committee keys must be sorted and distinct");
  }
  b->committee.n = (uint32_t)n;
  if ((c = tea_cbor_expect_text(r, "threshold", err))) return c;
  return tea_read_u32(r, &b->committee.threshold, "threshold", err);
}

static tea_code decode(tea_cbor_reader *r, tea_ledger_block *b, tea_error *err) {
  uint64_t np;
  tea_code c = tea_cbor_read_map(r, &np, err);
  if (c) return c;
  uint32_t seen = 0;
  bool has_prev = false, has_genesis = false;
  char k[16];
  for (uint64_t i = 0; i < np; i++) {
    if ((c = tea_read_key(r, k, sizeof k, err))) return c;
    tea_cbor_type t = TEA_CBOR_NULL;
    if (strcmp(k, "type") == 0) {
      const char *s;
      size_t n;
      if ((c = tea_cbor_read_text(r, &s, &n, err))) return c;
      if (n != 9 || memcmp(s, "tea/block", 9) != 0) return tea_fail(err, TEA_ERR_MALFORMED, "not a block (type)");
      seen |= 1;
    } else if (strcmp(k, "v") == 0) {
      uint64_t v;
      if ((c = tea_cbor_read_uint(r, &v, err))) return c;
      if (v != 1) return tea_fail(err, TEA_ERR_UNSUPPORTED, "block version %llu", (unsigned long long)v);
      seen |= 2;
    } else if (strcmp(k, "chain") == 0) {
      if ((c = tea_read_fixed(r, b->chain, TEA_SHA256_LEN, "chain", err))) return c;
      seen |= 4;
    } else if (strcmp(k, "height") == 0) {
      if ((c = tea_cbor_read_uint(r, &b->height, err))) return c;
      seen |= 8;
    } else if (strcmp(k, "prev") == 0) {
      if ((c = tea_cbor_peek(r, &t, err))) return c;
      has_prev = t != TEA_CBOR_NULL;
      if ((c = has_prev ? tea_read_cid(r, &b->prev, err) : tea_cbor_read_null(r, err))) return c;
      seen |= 16;
    } else if (strcmp(k, "time") == 0) {
      if ((c = tea_cbor_read_uint(r, &b->time, err))) return c;
      seen |= 32;
    } else if (strcmp(k, "txs") == 0) {
      uint64_t n;
      if ((c = tea_cbor_read_array(r, &n, err))) return c;
      if (n > TEA_LEDGER_MAX_TXS) return tea_fail(err, TEA_ERR_LIMIT, "more than %d transactions", TEA_LEDGER_MAX_TXS);
      if (n) {
        b->txs = calloc(n, sizeof *b->txs);
        if (!b->txs) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
      }
      for (uint64_t j = 0; j < n; j++)
        if ((c = tea_cbor_skip(r, &b->txs[j].p, &b->txs[j].n, err))) return c;
      b->ntx = n;
      seen |= 64;
    } else if (strcmp(k, "genesis") == 0) {
      if ((c = tea_cbor_peek(r, &t, err))) return c;
      has_genesis = t != TEA_CBOR_NULL;
      if ((c = has_genesis ? read_genesis(r, b, err) : tea_cbor_read_null(r, err))) return c;
      seen |= 128;
    } else if (strcmp(k, "sigs") == 0) {
      uint64_t n, two;
      if ((c = tea_cbor_read_array(r, &n, err))) return c;
      if (n > TEA_LEDGER_MAX_COMMITTEE) return tea_fail(err, TEA_ERR_LIMIT, "more than %d signatures", TEA_LEDGER_MAX_COMMITTEE);
      for (uint64_t j = 0; j < n; j++) {
        if ((c = tea_cbor_read_array(r, &two, err))) return c;
        if (two != 2) return tea_fail(err, TEA_ERR_MALFORMED, "a signature is [key, sig]");
        if ((c = tea_read_fixed(r, b->sigs[j].key, TEA_LEDGER_KEY_LEN, "signer", err)) ||
            (c = tea_read_fixed(r, b->sigs[j].sig, TEA_LEDGER_SIG_LEN, "signature", err)))
          return c;
      }
      b->nsigs = n;
      seen |= 256;
    } else {
      return tea_fail(err, TEA_ERR_MALFORMED, "block: unknown field '%s'", k);
    }
  }
  if ((c = tea_check_fields(seen, 511, "block", err))) return c;
  if (has_prev != (b->height != 0)) return tea_fail(err, TEA_ERR_MALFORMED, "prev must be null exactly at height 0");
  if (has_genesis != (b->height == 0)) return tea_fail(err, TEA_ERR_MALFORMED, "genesis must be present exactly at height 0");
  return TEA_OK;
}

tea_code tea_ledger_block_decode(const uint8_t *buf, size_t n, tea_ledger_block *b, tea_error *err) {
  memset(b, 0, sizeof *b);
  if (n > TEA_LEDGER_BLOCK_MAX) return tea_fail(err, TEA_ERR_LIMIT, "block larger than %u bytes", TEA_LEDGER_BLOCK_MAX);
  b->bytes = malloc(n ? n : 1);
  if (!b->bytes) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  memcpy(b->bytes, buf, n);
  b->len = n;
  tea_cbor_reader r;
  tea_code c = tea_cbor_reader_init(&r, b->bytes, n, err);
  if (!c) c = decode(&r, b, err);
  if (c) tea_ledger_block_free(b);
  return c;
}

tea_code tea_ledger_block_signing_hash(const tea_ledger_block *b, uint8_t h[TEA_SHA256_LEN], tea_error *err) {
  uint8_t *buf;
  size_t n;
  tea_code c = tea_ledger_block_encode(b, false, &buf, &n, err);
  if (c) return c;
  c = tea_domain_hash(TEA_LEDGER_BLOCK_DOMAIN, buf, n, h, err);
  free(buf);
  return c;
}

tea_code tea_ledger_block_sign(tea_ledger_block *b, const tea_ledger_keypair *kp, tea_error *err) {
  uint8_t h[TEA_SHA256_LEN];
  tea_code c = tea_ledger_block_signing_hash(b, h, err);
  if (c) return c;
  size_t i = 0;
  while (i < b->nsigs && memcmp(b->sigs[i].key, kp->pk, TEA_LEDGER_KEY_LEN) < 0) i++;
  if (i == b->nsigs || memcmp(b->sigs[i].key, kp->pk, TEA_LEDGER_KEY_LEN) != 0) {
    if (b->nsigs == TEA_LEDGER_MAX_COMMITTEE) return tea_fail(err, TEA_ERR_LIMIT, "too many signatures");
    memmove(&b->sigs[i + 1], &b->sigs[i], (b->nsigs - i) * sizeof b->sigs[0]);
    b->nsigs++;
    memcpy(b->sigs[i].key, kp->pk, TEA_LEDGER_KEY_LEN);
  }
  crypto_sign_detached(b->sigs[i].sig, NULL, h, sizeof h, kp->sk);
  return TEA_OK;
}

static bool member(const tea_ledger_committee *c, const uint8_t *key) {
  for (uint32_t i = 0; i < c->n; i++)
    if (memcmp(c->keys[i], key, TEA_LEDGER_KEY_LEN) == 0) return true;
  return false;
}

tea_code tea_ledger_block_verify_sigs(const tea_ledger_block *b, const tea_ledger_committee *cm, tea_error *err) {
  uint8_t h[TEA_SHA256_LEN];
  tea_code c = tea_ledger_block_signing_hash(b, h, err);
  if (c) return c;
  for (size_t i = 0; i < b->nsigs; i++) {
    /* Sorted order is part of the canonical form and makes duplicates adjacent. */
    if (i && memcmp(b->sigs[i - 1].key, b->sigs[i].key, TEA_LEDGER_KEY_LEN) >= 0)
      return tea_fail(err, TEA_ERR_CRYPTO, "block %llu: duplicate or unsorted signature",
                      (unsigned long long)b->height);
    if (!member(cm, b->sigs[i].key))
      return tea_fail(err, TEA_ERR_CRYPTO, "block %llu: signer %zu is not a committee member",
                      (unsigned long long)b->height, i);
    if (crypto_sign_verify_detached(b->sigs[i].sig, h, sizeof h, b->sigs[i].key) != 0)
      return tea_fail(err, TEA_ERR_CRYPTO, "block %llu: forged signature (signer %zu)",
                      (unsigned long long)b->height, i);
  }
  if (b->nsigs < cm->threshold)
    return tea_fail(err, TEA_ERR_CRYPTO, "block %llu: %zu of %u required signatures",
                    (unsigned long long)b->height, b->nsigs, cm->threshold);
  return TEA_OK;
}

tea_code tea_ledger_block_cid(const tea_ledger_block *b, tea_cid *cid, tea_error *err) {
  uint8_t *buf;
  size_t n;
  tea_code c = tea_ledger_block_encode(b, true, &buf, &n, err);
  if (c) return c;
  c = tea_cid_of(TEA_CODEC_DAG_CBOR, buf, n, cid, err);
  free(buf);
  return c;
}
