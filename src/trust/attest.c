/* Remote attestation. The node answers a verifier's nonce with a quote over its PCRs
 * and its event log; the verifier checks the quote against the AK the ledger has for
 * that node, replays the log to the quoted values and asks the policy about every
 * event. Each refusal names the check that failed. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "trust/internal.h"

const char *tea_attest_check_name(tea_attest_check c) {
  switch (c) {
  case TEA_AC_NONE: return "pass";
  case TEA_AC_EVIDENCE: return "evidence";
  case TEA_AC_AK: return "ak";
  case TEA_AC_SOFTWARE: return "software-tpm";
  case TEA_AC_SIGNATURE: return "signature";
  case TEA_AC_QUOTE: return "quote";
  case TEA_AC_NONCE: return "nonce";
  case TEA_AC_FRESHNESS: return "freshness";
  case TEA_AC_CLOCK: return "clock";
  case TEA_AC_PCR: return "pcr";
  case TEA_AC_EVENTLOG: return "eventlog";
  case TEA_AC_STATUS: return "status";
  case TEA_AC_RUNTIME: return "runtime";
  case TEA_AC_ACTOR: return "actor";
  case TEA_AC_PROVIDER: return "provider";
  case TEA_AC_GENESIS: return "genesis";
  case TEA_AC_LEDGER: return "ledger";
  }
  return "unknown";
}

static bool failed(tea_attest_result *res, tea_attest_check c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool failed(tea_attest_result *res, tea_attest_check c, const char *fmt, ...) {
  res->failed = c;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->reason, sizeof res->reason, fmt, ap);
  va_end(ap);
  return false;
}

tea_code tea_attest_qualifying(const uint8_t nonce[TEA_NONCE_LEN], const uint8_t node[TEA_ED25519_PK_LEN],
                               uint64_t height, const uint8_t block[TEA_SHA256_LEN], uint8_t out[TEA_SHA256_LEN],
                               tea_error *err) {
  uint8_t h[8];
  for (int i = 0; i < 8; i++) h[i] = (uint8_t)(height >> (56 - 8 * i));
  return tea_trust_tagged_hash("tea/attest/v1", out, err, 4, nonce, (size_t)TEA_NONCE_LEN, node,
                               (size_t)TEA_ED25519_PK_LEN, h, sizeof h, block, (size_t)TEA_SHA256_LEN);
}

tea_code tea_register_qualifying(const uint8_t node[TEA_ED25519_PK_LEN], const uint8_t x25519[TEA_X25519_LEN],
                                 uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  return tea_trust_tagged_hash("tea/register/v1", out, err, 2, node, (size_t)TEA_ED25519_PK_LEN, x25519,
                               (size_t)TEA_X25519_LEN);
}

tea_code tea_evidence_collect(tea_tpm *t, const tea_eventlog *log, const uint8_t *qual, size_t qual_len,
                              tea_evidence *ev, tea_error *err) {
  uint8_t replayed[TEA_PCR_COUNT][TEA_SHA256_LEN];
  uint32_t mask;
  tea_code rc = tea_eventlog_replay(log, replayed, &mask, err);
  if (rc) return rc;
  if (!mask) mask = 1u << TEA_PCR_NODE; /* nothing measured yet: still quote the node's PCR */
  ev->pcr_mask = mask;
  if ((rc = tea_tpm_ak_public(t, &ev->ak, err)) || (rc = tea_tpm_quote(t, mask, qual, qual_len, &ev->quote, err)))
    return rc;
  /* Read after quoting: if something extended in between, the values and the quote
   * disagree and the verifier says so, rather than the node hiding it. */
  if ((rc = tea_tpm_read(t, mask, ev->pcrs, err))) return rc;
  return tea_eventlog_copy(&ev->log, log, err);
}

tea_code tea_attest_respond(tea_tpm *t, const tea_node_keys *keys, const tea_eventlog *log,
                            const uint8_t nonce[TEA_NONCE_LEN], uint64_t height, const uint8_t block[TEA_SHA256_LEN],
                            tea_evidence *out, tea_error *err) {
  memset(out, 0, sizeof *out);
  memcpy(out->node, keys->ed_pk, TEA_ED25519_PK_LEN);
  out->height = height;
  memcpy(out->block, block, TEA_SHA256_LEN);
  uint8_t qual[TEA_SHA256_LEN];
  tea_code rc = tea_attest_qualifying(nonce, keys->ed_pk, height, block, qual, err);
  if (!rc) rc = tea_evidence_collect(t, log, qual, sizeof qual, out, err);
  if (rc) tea_evidence_free(out);
  return rc;
}

tea_code tea_attest_register(tea_tpm *t, const tea_node_keys *keys, const tea_eventlog *log, tea_evidence *out,
                             tea_error *err) {
  memset(out, 0, sizeof *out);
  memcpy(out->node, keys->ed_pk, TEA_ED25519_PK_LEN);
  memcpy(out->x25519, keys->x_pk, TEA_X25519_LEN);
  out->registration = true;
  uint8_t qual[TEA_SHA256_LEN];
  tea_code rc = tea_register_qualifying(keys->ed_pk, keys->x_pk, qual, err);
  if (!rc) rc = tea_evidence_collect(t, log, qual, sizeof qual, out, err);
  if (rc) tea_evidence_free(out);
  return rc;
}

tea_code tea_challenge_new(const uint8_t node[TEA_ED25519_PK_LEN], uint64_t now, tea_challenge *c, tea_error *err) {
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to initialise");
  randombytes_buf(c->nonce, sizeof c->nonce);
  memcpy(c->node, node, TEA_ED25519_PK_LEN);
  c->issued = now;
  return TEA_OK;
}

static bool judge_events(const tea_policy *p, const tea_evidence *ev, uint64_t height, tea_attest_result *res) {
  tea_error e;
  tea_error_clear(&e);
  tea_peer_status st;
  if (p->node_status(p->ctx, ev->node, height, &st, &e))
    return failed(res, TEA_AC_LEDGER, "node status: %s", e.msg);
  if (st == TEA_PEER_QUARANTINED) return failed(res, TEA_AC_STATUS, "node is quarantined at height %" PRIu64, height);
  size_t runtimes = 0;
  for (size_t i = 0; i < ev->log.n; i++) {
    const tea_event *x = &ev->log.ev[i];
    char hex[2 * TEA_SHA256_LEN + 1];
    tea_hex_encode(x->digest, TEA_SHA256_LEN, hex);
    tea_approval a = TEA_APPROVED;
    switch (x->type) {
    case TEA_EV_RUNTIME:
      runtimes++;
      if (p->runtime(p->ctx, x->digest, height, &a, &e)) return failed(res, TEA_AC_LEDGER, "runtime: %s", e.msg);
      if (a != TEA_APPROVED)
        return failed(res, TEA_AC_RUNTIME, "event %zu: runtime %s is %s at height %" PRIu64, i, hex,
                      tea_approval_name(a), height);
      break;
    case TEA_EV_GENESIS: {
      uint8_t g[TEA_SHA256_LEN];
      if (p->block_hash(p->ctx, 0, g, &e)) return failed(res, TEA_AC_LEDGER, "genesis: %s", e.msg);
      if (memcmp(g, x->digest, TEA_SHA256_LEN) != 0)
        return failed(res, TEA_AC_GENESIS, "event %zu: genesis %s is not this ledger's", i, hex);
      break;
    }
    case TEA_EV_ACTOR: {
      char name[TEA_EVENT_DESC_MAX + 1], cid[TEA_EVENT_DESC_MAX + 1];
      if (!tea_event_actor_split(x->desc, name, sizeof name, cid, sizeof cid))
        return failed(res, TEA_AC_EVENTLOG, "event %zu: bad actor description", i);
      if (p->actor(p->ctx, name, cid, height, &a, &e)) return failed(res, TEA_AC_LEDGER, "actor: %s", e.msg);
      if (a != TEA_APPROVED)
        return failed(res, TEA_AC_ACTOR, "event %zu: actor %s %s is %s at height %" PRIu64, i, name, cid,
                      tea_approval_name(a), height);
      break;
    }
    case TEA_EV_PROVIDER:
      if (p->provider(p->ctx, x->digest, height, &a, &e)) return failed(res, TEA_AC_LEDGER, "provider: %s", e.msg);
      if (a != TEA_APPROVED)
        return failed(res, TEA_AC_PROVIDER, "event %zu: provider %s (%.64s) is %s at height %" PRIu64, i, hex,
                      x->desc, tea_approval_name(a), height);
      break;
    default: /* config: node-local, logged so that it is visible, not judged */
      break;
    }
  }
  if (!runtimes) return failed(res, TEA_AC_RUNTIME, "no runtime measurement in the event log");
  return true;
}

bool tea_attest_judge(const tea_policy *p, const tea_evidence *ev, const tea_ak *ak, const uint8_t *qual,
                      size_t qual_len, uint64_t height, tea_attest_result *res) {
  tea_error e;
  tea_error_clear(&e);
  if (tea_quote_check_signature(&ev->quote, ak, &e)) return failed(res, TEA_AC_SIGNATURE, "%s", e.msg);
  tea_attest_info info;
  if (tea_attest_parse(ev->quote.attest, ev->quote.attest_len, &info, &e))
    return failed(res, TEA_AC_QUOTE, "%s", e.msg);
  if (info.extra_len != qual_len || sodium_memcmp(info.extra, qual, qual_len) != 0)
    return failed(res, TEA_AC_NONCE, "qualifying data does not bind this challenge (replayed or stale quote)");
  if (!info.safe) return failed(res, TEA_AC_CLOCK, "TPM clock not safe (it may have been rolled back)");
  uint8_t d[TEA_SHA256_LEN];
  if (info.pcr_mask != ev->pcr_mask)
    return failed(res, TEA_AC_PCR, "quoted PCR selection %#x differs from the reported %#x", info.pcr_mask,
                  ev->pcr_mask);
  if (tea_pcr_digest(ev->pcr_mask, ev->pcrs, d, &e)) return failed(res, TEA_AC_PCR, "%s", e.msg);
  if (info.pcr_digest_len != TEA_SHA256_LEN || memcmp(d, info.pcr_digest, TEA_SHA256_LEN) != 0)
    return failed(res, TEA_AC_PCR, "reported PCR values are not the ones the TPM quoted");
  uint8_t replayed[TEA_PCR_COUNT][TEA_SHA256_LEN];
  uint32_t mask;
  if (tea_eventlog_replay(&ev->log, replayed, &mask, &e)) return failed(res, TEA_AC_EVENTLOG, "%s", e.msg);
  if (mask & ~ev->pcr_mask) return failed(res, TEA_AC_EVENTLOG, "event log extends PCRs outside the quote");
  for (unsigned i = 0; i < TEA_PCR_COUNT; i++)
    if ((ev->pcr_mask & (1u << i)) && memcmp(replayed[i], ev->pcrs[i], TEA_SHA256_LEN) != 0)
      return failed(res, TEA_AC_EVENTLOG, "event log does not replay to PCR %u", i);
  return judge_events(p, ev, height, res);
}

static void init_result(tea_attest_result *res) {
  memset(res, 0, sizeof *res);
  res->failed = TEA_AC_NONE;
}

/* The AK the ledger has for the node, and the software-TPM rule. */
static bool judge_ak(const tea_policy *p, const tea_evidence *ev, uint64_t head, tea_attest_result *res) {
  tea_error e;
  tea_error_clear(&e);
  tea_ak reg;
  tea_code rc = p->registered_ak(p->ctx, ev->node, &reg, &e);
  if (rc == TEA_ERR_NOT_FOUND) return failed(res, TEA_AC_AK, "node has no registered attestation key");
  if (rc) return failed(res, TEA_AC_LEDGER, "registered AK: %s", e.msg);
  if (!tea_ak_equal(&reg, &ev->ak))
    return failed(res, TEA_AC_AK, "attestation key is not the one registered for this node");
  if (reg.software) {
    bool ok = false;
    if (p->software_tpm_allowed(p->ctx, head, &ok, &e)) return failed(res, TEA_AC_LEDGER, "%s", e.msg);
    if (!ok) return failed(res, TEA_AC_SOFTWARE, "policy refuses software TPMs");
  }
  return true;
}

/* What every verification starts with: the ledger's head and the decoded
 * evidence. False when either fails (res says which). */
static bool begin(const tea_policy *p, const uint8_t *evidence, size_t len, tea_attest_result *res,
                  uint64_t *head, tea_evidence *ev, tea_error *e) {
  init_result(res);
  tea_error_clear(e);
  if (p->head(p->ctx, head, e)) return failed(res, TEA_AC_LEDGER, "head: %s", e->msg);
  res->height = *head;
  if (tea_evidence_decode(evidence, len, ev, e)) return failed(res, TEA_AC_EVIDENCE, "%s", e->msg);
  return true;
}

tea_code tea_attest_verify(const tea_policy *p, const tea_challenge *c, const uint8_t *evidence, size_t evidence_len,
                           const tea_attest_options *opt, tea_attest_result *res, tea_error *err) {
  if (!p || !c || !evidence || !opt || !res) return tea_fail(err, TEA_ERR_ARG, "attest: NULL argument");
  tea_error e;
  uint64_t head;
  tea_evidence ev;
  if (!begin(p, evidence, evidence_len, res, &head, &ev, &e)) return TEA_OK;
  uint8_t qual[TEA_SHA256_LEN], block[TEA_SHA256_LEN];
  if (ev.registration || memcmp(ev.node, c->node, TEA_ED25519_PK_LEN) != 0)
    failed(res, TEA_AC_EVIDENCE, "evidence is not an answer from the challenged node");
  else if (!judge_ak(p, &ev, head, res))
    ;
  else if (opt->now < c->issued || opt->now - c->issued > opt->max_age)
    failed(res, TEA_AC_FRESHNESS, "challenge issued %" PRIu64 " s ago (limit %" PRIu64 " s)", opt->now - c->issued,
           opt->max_age);
  else if (tea_attest_qualifying(c->nonce, c->node, ev.height, ev.block, qual, &e))
    failed(res, TEA_AC_EVIDENCE, "%s", e.msg);
  else if (!tea_attest_judge(p, &ev, &ev.ak, qual, sizeof qual, head, res))
    ;
  else if (p->block_hash(p->ctx, ev.height, block, &e) || memcmp(block, ev.block, TEA_SHA256_LEN) != 0)
    failed(res, TEA_AC_FRESHNESS, "bound block at height %" PRIu64 " is not the ledger's", ev.height);
  else if (ev.height > head || head - ev.height > opt->max_lag)
    failed(res, TEA_AC_FRESHNESS, "bound block %" PRIu64 " is too far from the head %" PRIu64, ev.height, head);
  tea_evidence_free(&ev);
  return TEA_OK;
}

tea_code tea_attest_verify_registration(const tea_policy *p, const uint8_t *evidence, size_t len,
                                        tea_attest_result *res, tea_error *err) {
  if (!p || !evidence || !res) return tea_fail(err, TEA_ERR_ARG, "attest: NULL argument");
  tea_error e;
  uint64_t head;
  tea_evidence ev;
  if (!begin(p, evidence, len, res, &head, &ev, &e)) return TEA_OK;
  uint8_t qual[TEA_SHA256_LEN];
  bool ok = false;
  if (!ev.registration) {
    failed(res, TEA_AC_EVIDENCE, "not registration evidence");
  } else if (ev.ak.software && (p->software_tpm_allowed(p->ctx, head, &ok, &e) || !ok)) {
    failed(res, TEA_AC_SOFTWARE, "policy refuses software TPMs");
  } else if (tea_register_qualifying(ev.node, ev.x25519, qual, &e)) {
    failed(res, TEA_AC_EVIDENCE, "%s", e.msg);
  } else {
    /* The AK is the one the evidence presents: registration is where the ledger
     * learns it (see docs/trust.md on what proves it lives in a TPM). */
    tea_attest_judge(p, &ev, &ev.ak, qual, sizeof qual, head, res);
  }
  tea_evidence_free(&ev);
  return TEA_OK;
}
