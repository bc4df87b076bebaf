/* Proposals gathered on a node (POST/GET /v1/ledger/proposals): committee
 * members need not share a file system or reach each other. One member posts
 * a candidate block with its signature; the others fetch the pending ones,
 * check them against their own copy of the ledger, sign and post them back.
 * The node checks every signature as it arrives (valid, from a member of the
 * committee) and appends the block once it holds the threshold; peers then
 * sync it like any block. Pending proposals live in memory only: a proposal
 * is cheap to post again, and a restart must not resurrect stale ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/internal.h"
#include "tea/cbor.h"

static void drop(node_proposal *p) {
  tea_ledger_block_free(&p->block);
  memset(p, 0, sizeof *p);
}

/* Proposals for heights the ledger has passed can never be appended. */
static void drop_stale(tea_node *n) {
  uint64_t next = tea_ledger_count(n->ledger);
  for (size_t i = 0; i < TEA_NODE_MAX_PROPOSALS; i++)
    if (n->proposals[i].used && n->proposals[i].block.height < next) drop(&n->proposals[i]);
}

void node_proposals_free(tea_node *n) {
  for (size_t i = 0; i < TEA_NODE_MAX_PROPOSALS; i++)
    if (n->proposals[i].used) drop(&n->proposals[i]);
}

void node_post_proposal(tea_node *n, const tea_http_request *req, tea_http_response *resp) {
  tea_error err;
  tea_ledger_block in;
  if (tea_ledger_block_decode(req->body, req->body_len, &in, &err) != TEA_OK) {
    tea_http_problem(resp, 400, "Bad Request", "not a block: %s", err.msg);
    return;
  }
  uint8_t h[TEA_SHA256_LEN];
  if (tea_ledger_block_signing_hash(&in, h, &err) != TEA_OK) {
    tea_ledger_block_free(&in);
    tea_http_problem(resp, 400, "Bad Request", "%s", err.msg);
    return;
  }
  pthread_mutex_lock(&n->lock);
  drop_stale(n);
  node_proposal *p = NULL, *free_slot = NULL;
  for (size_t i = 0; i < TEA_NODE_MAX_PROPOSALS && !p; i++) {
    if (n->proposals[i].used && memcmp(n->proposals[i].hash, h, sizeof h) == 0) p = &n->proposals[i];
    else if (!n->proposals[i].used && !free_slot) free_slot = &n->proposals[i];
  }
  tea_code rc = TEA_OK;
  bool fresh = !p;
  if (fresh) {
    if (!free_slot) {
      rc = tea_fail(&err, TEA_ERR_LIMIT, "%d proposals are already pending", TEA_NODE_MAX_PROPOSALS);
    } else if ((rc = tea_ledger_block_decode(req->body, req->body_len, &free_slot->block, &err)) == TEA_OK) {
      p = free_slot; /* the same block, its signatures gathered from `in` below */
      p->block.nsigs = 0;
      memcpy(p->hash, h, sizeof h);
      p->used = true;
    }
  }
  bool appended = false;
  if (rc == TEA_OK) rc = tea_ledger_gather(n->ledger, &p->block, &in, &appended, &err);
  uint64_t height = in.height;
  size_t nsigs = p ? p->block.nsigs : 0;
  /* the committee the next block needs (after an append: the one after it) */
  uint64_t count = tea_ledger_count(n->ledger);
  uint32_t threshold = 0;
  tea_ledger_committee c;
  tea_error cerr;
  if (count && tea_ledger_committee_at(n->ledger, count - 1, &c, &cerr) == TEA_OK) threshold = c.threshold;
  tea_cid cid;
  bool have_cid = appended && tea_ledger_block_cid_at(n->ledger, height, &cid, &err) == TEA_OK;
  if (p && (appended || (rc != TEA_OK && fresh))) drop(p); /* done, or refused before it counted */
  pthread_mutex_unlock(&n->lock);
  tea_ledger_block_free(&in);
  if (rc != TEA_OK) {
    tea_http_problem(resp, 422, "Proposal refused", "%s", err.msg);
    return;
  }
  if (appended) node_ledger_advanced(n, 1);
  char cid_text[TEA_CID_STR_MAX] = "";
  if (have_cid) tea_cid_format(&cid, cid_text, &err);
  char body[256];
  snprintf(body, sizeof body, "{\"height\":%llu,\"signatures\":%zu,\"threshold\":%u,\"appended\":%s%s%s%s}\n",
           (unsigned long long)height, nsigs, (unsigned)threshold, appended ? "true" : "false",
           have_cid ? ",\"block\":\"" : "", cid_text, have_cid ? "\"" : "");
  resp->status = appended ? 201 : 202;
  tea_http_set_body(resp, "application/json", body, strlen(body));
}

void node_get_proposals(tea_node *n, tea_http_response *resp) {
  tea_error err;
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  pthread_mutex_lock(&n->lock);
  drop_stale(n);
  size_t count = 0;
  for (size_t i = 0; i < TEA_NODE_MAX_PROPOSALS; i++) count += n->proposals[i].used;
  tea_cbor_begin_array(&e, count);
  for (size_t i = 0; i < TEA_NODE_MAX_PROPOSALS; i++) {
    if (!n->proposals[i].used) continue;
    uint8_t *buf;
    size_t len;
    if (tea_ledger_block_encode(&n->proposals[i].block, true, &buf, &len, &err) == TEA_OK) {
      tea_cbor_put_bytes(&e, buf, len);
      free(buf);
    } else {
      tea_cbor_put_bytes(&e, (const uint8_t *)"", 0); /* keeps the count; a reader refuses it */
    }
  }
  pthread_mutex_unlock(&n->lock);
  tea_cbor_end(&e);
  uint8_t *out;
  size_t len;
  if (tea_cbor_enc_finish(&e, &out, &len, &err) != TEA_OK) {
    tea_cbor_enc_free(&e);
    tea_http_problem(resp, 500, "Internal Server Error", "%s", err.msg);
    return;
  }
  tea_cbor_enc_free(&e);
  resp->status = 200;
  resp->content_type = "application/cbor";
  resp->body = out;
  resp->body_len = len;
}
