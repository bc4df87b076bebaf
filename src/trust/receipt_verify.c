/* Verifying a receipt against the ledger's policy. Every check runs and reports,
 * rather than stopping at the first failure, so `teanode verify` can show the whole
 * picture; the receipt passes only if the signature holds and nothing failed. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "trust/internal.h"

const char *tea_receipt_check_name(tea_receipt_check c) {
  switch (c) {
  case TEA_RC_SIGNATURE: return "signature";
  case TEA_RC_NODE: return "node";
  case TEA_RC_BLOCK: return "block";
  case TEA_RC_RUNTIME: return "runtime";
  case TEA_RC_ACTOR: return "actor";
  case TEA_RC_PROVIDERS: return "providers";
  case TEA_RC_INPUT: return "input";
  case TEA_RC_QUOTE: return "quote";
  case TEA_RC_REPLAY: return "replay";
  case TEA_RC_CHAIN: return "chain";
  case TEA_RC_COUNT: break;
  }
  return "unknown";
}

const char *tea_check_result_name(tea_check_result r) {
  switch (r) {
  case TEA_CHECK_SKIP: return "skip";
  case TEA_CHECK_PASS: return "pass";
  case TEA_CHECK_FAIL: return "fail";
  }
  return "unknown";
}

static void set(tea_receipt_report *rep, tea_receipt_check c, tea_check_result res, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set(tea_receipt_report *rep, tea_receipt_check c, tea_check_result res, const char *fmt, ...) {
  rep->result[c] = res;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rep->detail[c], sizeof rep->detail[c], fmt, ap);
  va_end(ap);
}

static void check_approval(tea_receipt_report *rep, tea_receipt_check c, tea_code rc, const tea_error *e,
                           tea_approval a, const char *what, uint64_t h) {
  if (rc) set(rep, c, TEA_CHECK_FAIL, "ledger could not answer: %s", e->msg);
  else if (a != TEA_APPROVED) set(rep, c, TEA_CHECK_FAIL, "%s is %s at height %" PRIu64, what, tea_approval_name(a), h);
  else set(rep, c, TEA_CHECK_PASS, "%s approved at height %" PRIu64, what, h);
}

static void check_quote(const tea_policy *p, const tea_receipt *r, const uint8_t hash[TEA_SHA256_LEN],
                        tea_receipt_report *rep) {
  tea_error e;
  tea_error_clear(&e);
  tea_ak ak;
  tea_code rc = p->registered_ak(p->ctx, r->node, &ak, &e);
  if (rc) {
    set(rep, TEA_RC_QUOTE, TEA_CHECK_FAIL, "no registered attestation key: %s", e.msg);
    return;
  }
  if (!tea_ak_equal(&ak, &r->quote.ak)) {
    set(rep, TEA_RC_QUOTE, TEA_CHECK_FAIL, "quote's attestation key is not the registered one");
    return;
  }
  bool ok = true;
  if (ak.software && (p->software_tpm_allowed(p->ctx, r->height, &ok, &e) || !ok)) {
    set(rep, TEA_RC_QUOTE, TEA_CHECK_FAIL, "policy refuses software TPMs");
    return;
  }
  tea_attest_result res;
  memset(&res, 0, sizeof res);
  if (!tea_attest_judge(p, &r->quote, &ak, hash, TEA_SHA256_LEN, r->height, &res))
    set(rep, TEA_RC_QUOTE, TEA_CHECK_FAIL, "%s: %s", tea_attest_check_name(res.failed), res.reason);
  else
    set(rep, TEA_RC_QUOTE, TEA_CHECK_PASS, "%s quote binds this receipt; event log approved",
        ak.software ? "software" : "TPM");
}

static void check_replay(const tea_receipt *r, const tea_receipt_verify_opts *o, tea_receipt_report *rep) {
  if (!o->input) {
    set(rep, TEA_RC_REPLAY, TEA_CHECK_FAIL, "replay needs the input");
    return;
  }
  uint8_t out[TEA_SHA256_LEN], tr[TEA_SHA256_LEN];
  uint64_t fuel = 0;
  int64_t status = 0;
  tea_error e;
  tea_error_clear(&e);
  if (o->replay(o->replay_ctx, r, o->input, o->input_len, out, tr, &fuel, &status, &e))
    set(rep, TEA_RC_REPLAY, TEA_CHECK_FAIL, "re-execution failed: %s", e.msg);
  else if (memcmp(out, r->output, TEA_SHA256_LEN) != 0)
    set(rep, TEA_RC_REPLAY, TEA_CHECK_FAIL, "output hash differs on re-execution");
  else if (memcmp(tr, r->transcript, TEA_SHA256_LEN) != 0)
    set(rep, TEA_RC_REPLAY, TEA_CHECK_FAIL, "host-call transcript differs on re-execution");
  else if (fuel != r->fuel)
    set(rep, TEA_RC_REPLAY, TEA_CHECK_FAIL, "fuel %" PRIu64 " on re-execution, receipt says %" PRIu64, fuel, r->fuel);
  else if (status != r->status)
    set(rep, TEA_RC_REPLAY, TEA_CHECK_FAIL, "status %" PRId64 " on re-execution, receipt says %" PRId64, status,
        r->status);
  else
    set(rep, TEA_RC_REPLAY, TEA_CHECK_PASS, "same output, transcript, fuel and status");
}

/* A node numbers its receipts and links each to the one before, so a client holding
 * two receipts can tell whether the node skipped, reordered or forked its history.
 * The previous receipt must itself be signed by the same node. */
static void check_chain(const tea_receipt *r, const tea_receipt *prev, tea_receipt_report *rep) {
  uint8_t h[TEA_SHA256_LEN], root[TEA_SHA256_LEN];
  tea_error e;
  tea_error_clear(&e);
  if (memcmp(prev->node, r->node, TEA_ED25519_PK_LEN) != 0)
    set(rep, TEA_RC_CHAIN, TEA_CHECK_FAIL, "previous receipt is from another node");
  else if (tea_receipt_hash(prev, h, &e) || tea_receipt_signed_root(prev, h, root, &e))
    set(rep, TEA_RC_CHAIN, TEA_CHECK_FAIL, "%s", e.msg);
  else if (!tea_trust_sig_ok(prev->node, root, prev->sig))
    set(rep, TEA_RC_CHAIN, TEA_CHECK_FAIL, "previous receipt is not signed by the node");
  else if (prev->seq == UINT64_MAX || r->seq != prev->seq + 1)
    set(rep, TEA_RC_CHAIN, TEA_CHECK_FAIL, "seq %" PRIu64 " does not follow %" PRIu64, r->seq, prev->seq);
  else if (memcmp(r->prev, h, TEA_SHA256_LEN) != 0)
    set(rep, TEA_RC_CHAIN, TEA_CHECK_FAIL, "prev is not the previous receipt's hash (a fork)");
  else
    set(rep, TEA_RC_CHAIN, TEA_CHECK_PASS, "follows receipt %" PRIu64, prev->seq);
}

tea_code tea_receipt_verify(const tea_policy *p, const tea_receipt *r, const tea_receipt_verify_opts *o,
                            tea_receipt_report *rep, tea_error *err) {
  if (!p || !r || !rep) return tea_fail(err, TEA_ERR_ARG, "verify: NULL argument");
  static const tea_receipt_verify_opts none = {0};
  if (!o) o = &none;
  memset(rep, 0, sizeof *rep);
  tea_error e;
  tea_error_clear(&e);
  uint64_t h = r->height;

  uint8_t hash[TEA_SHA256_LEN], root[TEA_SHA256_LEN];
  tea_code rc = tea_receipt_hash(r, hash, &e);
  if (!rc) rc = tea_receipt_signed_root(r, hash, root, &e);
  if (rc) set(rep, TEA_RC_SIGNATURE, TEA_CHECK_FAIL, "%s", e.msg);
  else if (!tea_trust_sig_ok(r->node, root, r->sig))
    set(rep, TEA_RC_SIGNATURE, TEA_CHECK_FAIL, "not signed by the node key it names");
  else if (r->path_len)
    set(rep, TEA_RC_SIGNATURE, TEA_CHECK_PASS, "signed by the node key (in a batch of up to %u)", 1u << r->path_len);
  else
    set(rep, TEA_RC_SIGNATURE, TEA_CHECK_PASS, "signed by the node key");

  tea_peer_status st;
  if (p->node_status(p->ctx, r->node, h, &st, &e))
    set(rep, TEA_RC_NODE, TEA_CHECK_FAIL, "ledger could not answer: %s", e.msg);
  else if (st == TEA_PEER_UNREGISTERED || st == TEA_PEER_QUARANTINED)
    set(rep, TEA_RC_NODE, TEA_CHECK_FAIL, "node is %s at height %" PRIu64, tea_peer_status_name(st), h);
  else
    set(rep, TEA_RC_NODE, TEA_CHECK_PASS, "node %s at height %" PRIu64, tea_peer_status_name(st), h);

  uint8_t block[TEA_SHA256_LEN];
  if (p->block_hash(p->ctx, h, block, &e))
    set(rep, TEA_RC_BLOCK, TEA_CHECK_FAIL, "%s", e.msg);
  else if (memcmp(block, r->block, TEA_SHA256_LEN) != 0)
    set(rep, TEA_RC_BLOCK, TEA_CHECK_FAIL, "block hash is not the ledger's at height %" PRIu64, h);
  else
    set(rep, TEA_RC_BLOCK, TEA_CHECK_PASS, "block %" PRIu64 " matches the ledger", h);

  tea_approval a = TEA_UNKNOWN;
  rc = p->runtime(p->ctx, r->runtime, h, &a, &e);
  check_approval(rep, TEA_RC_RUNTIME, rc, &e, a, "runtime", h);

  a = TEA_UNKNOWN;
  rc = p->actor(p->ctx, r->actor, r->cid, h, &a, &e);
  char what[TEA_RECEIPT_TEXT_MAX + 16];
  snprintf(what, sizeof what, "actor %.100s %.100s", r->actor, r->cid);
  check_approval(rep, TEA_RC_ACTOR, rc, &e, a, what, h);

  set(rep, TEA_RC_PROVIDERS, TEA_CHECK_PASS, "%zu provider(s) approved", r->nproviders);
  for (size_t i = 0; i < r->nproviders && i < TEA_RECEIPT_MAX_PROVIDERS; i++) {
    a = TEA_UNKNOWN;
    char hex[2 * TEA_SHA256_LEN + 1];
    tea_hex_encode(r->providers[i], TEA_SHA256_LEN, hex);
    snprintf(what, sizeof what, "provider %s", hex);
    rc = p->provider(p->ctx, r->providers[i], h, &a, &e);
    if (rc || a != TEA_APPROVED) {
      check_approval(rep, TEA_RC_PROVIDERS, rc, &e, a, what, h);
      break;
    }
  }

  if (o->input) {
    uint8_t d[TEA_SHA256_LEN];
    if (tea_sha256(o->input, o->input_len, d, &e)) set(rep, TEA_RC_INPUT, TEA_CHECK_FAIL, "%s", e.msg);
    else if (sodium_memcmp(d, r->input, TEA_SHA256_LEN) != 0)
      set(rep, TEA_RC_INPUT, TEA_CHECK_FAIL, "input's SHA-256 differs from the receipt's");
    else set(rep, TEA_RC_INPUT, TEA_CHECK_PASS, "input matches");
  } else {
    set(rep, TEA_RC_INPUT, TEA_CHECK_SKIP, "no input given");
  }

  if (r->has_quote) check_quote(p, r, hash, rep);
  else set(rep, TEA_RC_QUOTE, TEA_CHECK_SKIP, "no quote attached");

  if (o->replay) check_replay(r, o, rep);
  else set(rep, TEA_RC_REPLAY, TEA_CHECK_SKIP, "not asked");

  if (o->prev) check_chain(r, o->prev, rep);
  else set(rep, TEA_RC_CHAIN, TEA_CHECK_SKIP, "no previous receipt given");

  rep->pass = rep->result[TEA_RC_SIGNATURE] == TEA_CHECK_PASS;
  for (int c = 0; c < TEA_RC_COUNT; c++)
    if (rep->result[c] == TEA_CHECK_FAIL) rep->pass = false;
  return TEA_OK;
}
