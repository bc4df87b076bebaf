/* Re-execution for verifiers: the actor's code (checked against the
 * receipt's CID), the ledger's record of the actor at the receipt's height,
 * and the node's host-call transcript; the host replays the call with every
 * host call answered from the transcript, and the verifier compares the
 * output and transcript hashes with the receipt's. */
#include <stdlib.h>
#include <string.h>

#include "node/internal.h"

static tea_code no_measure(void *user, const uint8_t hash[32], const char *kind, const char *name,
                           tea_error *err) {
  (void)user, (void)hash, (void)kind, (void)name, (void)err;
  return TEA_OK; /* a verifier measures nothing: it is not a node */
}

tea_code tea_node_replay(void *ctx, const tea_receipt *r, const uint8_t *input, size_t input_len,
                         uint8_t output[TEA_SHA256_LEN], uint8_t transcript[TEA_SHA256_LEN],
                         uint64_t *fuel, int64_t *status, tea_error *err) {
  const tea_node_replay_ctx *c = ctx;
  tea_ledger_actor rec;
  tea_cid cid;
  tea_code rc = tea_ledger_actor_at(c->ledger, r->actor, r->height, &rec, err);
  if (rc == TEA_OK) rc = tea_cid_parse_cstr(r->cid, &cid, err);
  if (rc != TEA_OK) return rc;
  node_record nr;
  node_record_from_ledger(&nr, &rec, r->actor, &cid);
  tea_host_config hc = {.measure = no_measure};
  tea_host *host = NULL;
  tea_actor *actor = NULL;
  tea_invoke_result res;
  memset(&res, 0, sizeof res);
  rc = tea_host_new(&hc, &host, err);
  /* the host checks the code against the receipt's CID and its claims */
  if (rc == TEA_OK) rc = tea_host_load(host, c->code, c->code_len, &nr.r, &actor, err);
  if (rc == TEA_OK)
    rc = tea_host_replay(host, actor, r->op, input, input_len, c->transcript, c->transcript_len,
                         NULL, &res, err);
  if (rc == TEA_OK) {
    memcpy(output, res.output_hash, TEA_SHA256_LEN);
    memcpy(transcript, res.transcript_hash, TEA_SHA256_LEN);
    *fuel = res.fuel_used;
    *status = res.guest_error ? 1 : 0;
  }
  tea_invoke_result_free(&res);
  tea_host_free(host);
  return rc;
}
