/* The node's HTTP API (docs/operating.md lists it):
 *   POST /v1/actors/{name}/{op}  run an actor; output as the body, the signed
 *                                receipt (CBOR, base64url) in Tea-Receipt
 *   GET  /v1/status              who, state, ledger height, loaded actors
 *   GET  /v1/attest?nonce=HEX    attestation evidence (CBOR)
 *   GET  /v1/ledger/blocks?from=H  blocks from height H (CBOR array of blocks)
 *   POST /v1/ledger/blocks       offer a signed block (verified before append)
 *   POST /v1/ledger/proposals    a candidate block with committee signatures: gathered,
 *                                appended at the threshold (proposals.c)
 *   GET  /v1/ledger/proposals    the pending ones (CBOR array of signed blocks)
 *   GET  /v1/ledger/pending      verdicts from this node's attestation rounds (CBOR
 *                                array of signed transactions), each handed out once
 *   GET  /v1/transcripts/{request-id}  the host-call transcript of a recent call
 *                                (CBOR), for `teanode verify --replay`
 *   GET  /ipfs/{cid}             trustless gateway: a raw block, or a CAR of the DAG
 *                                (gateway.c; HEAD too)
 *   GET  /metrics                Prometheus text format */
#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tea/cbor.h"
#include "node/internal.h"

#define RUNTIME_VERSION "teanode 0.1.0"

static bool name_ok(const char *s, size_t n) {
  if (n == 0 || n >= TEA_LEDGER_NAME_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '-' || ch == '_' || ch == '.'))
      return false;
  }
  return true;
}

/* -1 for anything but at most cap bytes of hex */
static int hex_decode(const char *hex, uint8_t *out, size_t cap) {
  size_t n;
  tea_error e;
  return tea_hex_decode(hex, strlen(hex), out, cap, &n, &e) == TEA_OK ? (int)n : -1;
}

/* Request ids must be unguessable (they fetch transcripts) but are asked for
 * on every call: random bytes come from a per-thread buffer refilled by one
 * getrandom per 32 calls instead of one each; bytes handed out are wiped. */
static void node_random(uint8_t *out, size_t n) {
  static _Thread_local uint8_t pool[512];
  static _Thread_local size_t left;
  if (n > sizeof pool) {
    randombytes_buf(out, n);
    return;
  }
  if (left < n) {
    randombytes_buf(pool, sizeof pool);
    left = sizeof pool;
  }
  uint8_t *p = pool + sizeof pool - left;
  memcpy(out, p, n);
  sodium_memzero(p, n);
  left -= n;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_text(tea_http_response *resp, int status, const char *type, const char *text) {
  resp->status = status;
  tea_http_set_body(resp, type, text, strlen(text));
}

/* ---- status and metrics ------------------------------------------------------ */

static const char *own_status(tea_node *n, uint64_t height) {
  tea_ledger_node rec;
  tea_error e;
  if (tea_ledger_node_at(n->ledger, n->keys.ed_pk, height, &rec, &e) != TEA_OK) return "unregistered";
  return tea_node_status_name(rec.status);
}

static void get_status(tea_node *n, tea_http_response *resp) {
  char id[65], rt[65], body[8192];
  tea_node_id(n, id);
  tea_hex_encode(n->runtime, 32, rt);
  pthread_mutex_lock(&n->lock);
  uint64_t count = tea_ledger_count(n->ledger);
  const char *st = count ? own_status(n, count - 1) : "unregistered";
  /* the head's CID lets anyone check that nodes sharing a ledger agree on it */
  char head[TEA_CID_STR_MAX] = "";
  tea_cid hc;
  if (count && tea_ledger_block_cid_at(n->ledger, count - 1, &hc, NULL) == TEA_OK) tea_cid_format(&hc, head, NULL);
  int len = snprintf(body, sizeof body,
                     "{\"node\":\"%s\",\"status\":\"%s\",\"tier\":%u,\"endpoint\":\"%s\","
                     "\"ledger_height\":%lld,\"ledger_head\":\"%s\",\"ledger_store\":\"%s\","
                     "\"runtime\":\"%s\",\"tpm\":\"%s\",\"actors\":[",
                     id, st, (unsigned)n->cfg.tier, n->cfg.endpoint, (long long)count - 1, head,
                     n->on_etcd ? "etcd" : "file", rt, tea_tpm_name(n->tpm));
  for (size_t i = 0; i < n->nactors && len < (int)sizeof body - 300; i++) {
    char cid[TEA_CID_STR_MAX];
    tea_error e;
    if (tea_cid_format(&n->actors[i].cid, cid, &e) != TEA_OK) cid[0] = '\0';
    len += snprintf(body + len, sizeof body - (size_t)len, "%s{\"name\":\"%s\",\"cid\":\"%s\"}",
                    i ? "," : "", n->actors[i].name, cid);
  }
  pthread_mutex_unlock(&n->lock);
  len += snprintf(body + len, sizeof body - (size_t)len, "]}\n");
  resp->status = 200;
  tea_http_set_body(resp, "application/json", body, (size_t)len);
}

static void get_metrics(tea_node *n, tea_http_response *resp) {
  char body[2560];
  node_metrics *m = &n->m;
  uint64_t batches = 0, batched = 0;
  if (n->receipt_fd >= 0) {
    pthread_mutex_lock(&n->chain_lock);
    batches = n->receipt_batches;
    batched = n->receipt_batched;
    pthread_mutex_unlock(&n->chain_lock);
  }
  int len = snprintf(
      body, sizeof body,
      "# TYPE tea_requests_total counter\ntea_requests_total %llu\n"
      "# TYPE tea_request_errors_total counter\ntea_request_errors_total %llu\n"
      "# TYPE tea_actor_calls_total counter\ntea_actor_calls_total %llu\n"
      "# TYPE tea_actor_failures_total counter\ntea_actor_failures_total %llu\n"
      "# TYPE tea_actor_fuel_total counter\ntea_actor_fuel_total %llu\n"
      "# TYPE tea_actor_latency_seconds_sum counter\ntea_actor_latency_seconds_sum %.6f\n"
      "# TYPE tea_actor_cache_hits_total counter\ntea_actor_cache_hits_total %llu\n"
      "# TYPE tea_actor_cache_misses_total counter\ntea_actor_cache_misses_total %llu\n"
      "# TYPE tea_attest_served_total counter\ntea_attest_served_total %llu\n"
      "# TYPE tea_attestations_total counter\ntea_attestations_total %llu\n"
      "# TYPE tea_attestation_failures_total counter\ntea_attestation_failures_total %llu\n"
      "# TYPE tea_ledger_blocks_synced_total counter\ntea_ledger_blocks_synced_total %llu\n"
      "# TYPE tea_ledger_blocks_watched_total counter\ntea_ledger_blocks_watched_total %llu\n"
      "# TYPE tea_receipt_signatures_total counter\ntea_receipt_signatures_total %llu\n"
      "# TYPE tea_receipts_signed_total counter\ntea_receipts_signed_total %llu\n",
      (unsigned long long)m->requests, (unsigned long long)m->errors,
      (unsigned long long)m->actor_calls, (unsigned long long)m->actor_failures,
      (unsigned long long)m->fuel, (double)m->latency_us_sum / 1e6,
      (unsigned long long)m->cache_hits, (unsigned long long)m->cache_misses,
      (unsigned long long)m->attest_served, (unsigned long long)m->attestations,
      (unsigned long long)m->attestation_failures,
      (unsigned long long)m->blocks_synced, (unsigned long long)m->blocks_watched,
      (unsigned long long)batches, (unsigned long long)batched);
  resp->status = 200;
  tea_http_set_body(resp, "text/plain; version=0.0.4", body, (size_t)len);
}

/* ---- ledger ---------------------------------------------------------------------- */

static void get_blocks(tea_node *n, const tea_http_request *req, tea_http_response *resp) {
  const char *from_s = tea_http_query(req, "from");
  char *end;
  unsigned long long from = from_s ? strtoull(from_s, &end, 10) : 0;
  if (from_s && (*from_s == '\0' || *end != '\0')) {
    tea_http_problem(resp, 400, "Bad Request", "from must be a block height");
    return;
  }
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  tea_error err;
  pthread_mutex_lock(&n->lock);
  uint64_t count = tea_ledger_count(n->ledger);
  uint64_t last = count;
  if (from < count && count - from > 256) last = from + 256; /* a page at a time */
  tea_cbor_begin_array(&e, from < last ? last - from : 0);
  for (uint64_t h = from; h < last; h++) {
    uint8_t *b;
    size_t len;
    if (tea_ledger_block_bytes(n->ledger, h, &b, &len, &err) != TEA_OK) break;
    tea_cbor_put_bytes(&e, b, len);
    free(b);
  }
  pthread_mutex_unlock(&n->lock);
  tea_cbor_end(&e);
  uint8_t *out;
  size_t out_len;
  if (tea_cbor_enc_finish(&e, &out, &out_len, &err) != TEA_OK) {
    tea_http_problem(resp, 500, "Internal Server Error", "%s", err.msg);
    return;
  }
  resp->status = 200;
  resp->content_type = "application/cbor";
  resp->body = out;
  resp->body_len = out_len;
}

static void post_block(tea_node *n, const tea_http_request *req, tea_http_response *resp) {
  tea_error err;
  pthread_mutex_lock(&n->lock);
  tea_code rc = tea_ledger_append(n->ledger, req->body, req->body_len, &err);
  uint64_t count = tea_ledger_count(n->ledger);
  pthread_mutex_unlock(&n->lock);
  if (rc != TEA_OK) {
    tea_http_problem(resp, 422, "Block refused", "%s", err.msg);
    return;
  }
  node_follow_upgrades(n);
  char body[64];
  snprintf(body, sizeof body, "{\"height\":%llu}\n", (unsigned long long)count - 1);
  set_text(resp, 200, "application/json", body);
}

static void get_pending(tea_node *n, tea_http_response *resp) {
  tea_error err;
  uint8_t *out;
  size_t len;
  if (node_pending_take(n, &out, &len, &err) != TEA_OK) {
    tea_http_problem(resp, 500, "Internal Server Error", "%s", err.msg);
    return;
  }
  resp->status = 200;
  resp->content_type = "application/cbor";
  resp->body = out;
  resp->body_len = len;
}

/* ---- attestation ------------------------------------------------------------------- */

static void get_attest(tea_node *n, const tea_http_request *req, tea_http_response *resp) {
  const char *hex = tea_http_query(req, "nonce");
  uint8_t nonce[TEA_NONCE_LEN];
  if (!hex || hex_decode(hex, nonce, sizeof nonce) != TEA_NONCE_LEN) {
    tea_http_problem(resp, 400, "Bad Request", "nonce must be %d bytes in hex", TEA_NONCE_LEN);
    return;
  }
  tea_error err;
  tea_evidence ev;
  uint8_t *out = NULL;
  size_t out_len = 0;
  pthread_mutex_lock(&n->lock);
  uint64_t count = tea_ledger_count(n->ledger);
  uint8_t block[TEA_SHA256_LEN] = {0};
  tea_cid cid;
  if (count && tea_ledger_block_cid_at(n->ledger, count - 1, &cid, &err) == TEA_OK)
    memcpy(block, cid.digest, TEA_SHA256_LEN);
  tea_code rc = tea_attest_respond(n->tpm, &n->keys, &n->log, nonce, count ? count - 1 : 0, block,
                                   &ev, &err);
  pthread_mutex_unlock(&n->lock);
  if (rc == TEA_OK) {
    rc = tea_evidence_encode(&ev, &out, &out_len, &err);
    tea_evidence_free(&ev);
  }
  if (rc != TEA_OK) {
    tea_http_problem(resp, 500, "Attestation failed", "%s", err.msg);
    return;
  }
  atomic_fetch_add(&n->m.attest_served, 1);
  resp->status = 200;
  resp->content_type = "application/cbor";
  resp->body = out;
  resp->body_len = out_len;
}

/* ---- actors ---------------------------------------------------------------------------- */

/* An actor call between its run and its answer: the receipt waits for the
 * signing round of its HTTP thread (receipts.c) while the request is parked
 * (tea_http_defer). */
/* src (len bytes) into dst as a C string, cut to fit. */
static void copy_bytes(char *dst, size_t cap, const char *src, size_t len) {
  if (len >= cap) len = cap - 1;
  memcpy(dst, src, len);
  dst[len] = 0;
}
static void copy_text(char *dst, size_t cap, const char *src) { copy_bytes(dst, cap, src, strnlen(src, cap)); }

typedef struct actor_call {
  tea_node *n;
  tea_http_deferred *d;
  node_receipt_job job;
  tea_invoke_result res;
  tea_code rc; /* the receipt's */
  tea_error err;
  struct timespec t0;
  struct actor_call *next_spare;
  tea_receipt r; /* last: call_take zeroes what comes before it */
} actor_call;

/* Calls are recycled through a per-thread list. A call holds a whole receipt
 * (6.5 KiB of fixed fields), and taking that from malloc on every call made
 * glibc consolidate its fast bins every time, sending the call's small
 * allocations down malloc's slow paths (perf: malloc and free took 8.5 % of
 * the node's CPU, 6.7 % with the list). The list is freed when its thread
 * ends. */
#define SPARE_CALLS 64
static pthread_key_t spare_calls_key;
static pthread_once_t spare_calls_once = PTHREAD_ONCE_INIT;
static _Thread_local struct {
  actor_call *head;
  size_t count;
} spare_calls;

static void spare_calls_free(void *marker) {
  (void)marker;
  while (spare_calls.head) {
    actor_call *c = spare_calls.head;
    spare_calls.head = c->next_spare;
    free(c);
  }
  spare_calls.count = 0;
}
static void spare_calls_init(void) { pthread_key_create(&spare_calls_key, spare_calls_free); }

static actor_call *call_take(void) {
  actor_call *call = spare_calls.head;
  if (call) {
    spare_calls.head = call->next_spare;
    spare_calls.count--;
  } else if (!(call = malloc(sizeof *call))) {
    return NULL;
  }
  memset(call, 0, offsetof(actor_call, r));
  tea_receipt_init(&call->r);
  return call;
}

static void call_give_back(actor_call *call) {
  if (spare_calls.count >= SPARE_CALLS) {
    free(call);
    return;
  }
  if (!spare_calls.head) { /* the key's value only arms the destructor that frees this list */
    pthread_once(&spare_calls_once, spare_calls_init);
    if (pthread_setspecific(spare_calls_key, &spare_calls) != 0) {
      free(call);
      return;
    }
  }
  call->next_spare = spare_calls.head;
  spare_calls.head = call;
  spare_calls.count++;
}

static void receipt_signed(void *ctx, tea_code rc, const tea_error *err) {
  actor_call *call = ctx;
  call->rc = rc;
  call->err = *err;
  tea_http_resume(call->d); /* finish_call runs next, on this HTTP thread */
}

/* Answers a call whose receipt is signed: output as the body, the receipt in
 * Tea-Receipt. resp is NULL when the client went away first. */
static void finish_call(void *ctx, tea_http_response *resp) {
  actor_call *call = ctx;
  tea_node *n = call->n;
  tea_receipt *r = &call->r;
  uint8_t *enc = NULL;
  size_t enc_len = 0;
  tea_code rc = call->rc;
  if (rc == TEA_OK && resp) rc = tea_receipt_encode_kept(r, &call->job.kept, &enc, &enc_len, &call->err);
  tea_receipt_kept_free(&call->job.kept);
  if (rc == TEA_OK && resp) {
    tea_http_take_header(resp, "Tea-Receipt", tea_base64url_encode(enc, enc_len));
    tea_http_add_header(resp, "Tea-Request-Id", r->request);
  }
  free(enc);
  if (rc == TEA_OK) { /* issued: keep its transcript for verifiers, answered or not */
    pthread_mutex_lock(&n->lock);
    size_t slot = n->transcript_next++ % TEA_NODE_TRANSCRIPTS;
    free(n->transcripts[slot].bytes);
    copy_text(n->transcripts[slot].request, sizeof n->transcripts[slot].request, r->request);
    n->transcripts[slot].bytes = call->res.transcript; /* taken over */
    n->transcripts[slot].len = call->res.transcript_len;
    call->res.transcript = NULL;
    pthread_mutex_unlock(&n->lock);
  }
  if (resp && rc != TEA_OK) {
    tea_http_problem(resp, 500, "Receipt failed", "%s", call->err.msg);
  } else if (resp) {
    resp->status = call->res.guest_error ? 422 : 200;
    resp->content_type = "application/octet-stream";
    resp->body = call->res.output;
    resp->body_len = call->res.output_len;
    call->res.output = NULL;
  }
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  uint64_t us = (uint64_t)(t1.tv_sec - call->t0.tv_sec) * 1000000 +
                (uint64_t)(t1.tv_nsec - call->t0.tv_nsec) / 1000;
  atomic_fetch_add(&n->m.latency_us_sum, us);
  if (call->d && resp && resp->status >= 400) atomic_fetch_add(&n->m.errors, 1); /* else the dispatcher counts */
  if (n->log_level <= NODE_LOG_DEBUG) {
    char fuel[24], micros[24], status[8];
    snprintf(fuel, sizeof fuel, "%llu", (unsigned long long)r->fuel);
    snprintf(micros, sizeof micros, "%llu", (unsigned long long)us);
    snprintf(status, sizeof status, "%d", resp ? resp->status : 0);
    node_log_field f[] = {{"actor", r->actor, 0}, {"op", r->op, 0},     {"status", status, 0},
                          {"fuel", fuel, 0},      {"us", micros, 0},    {"request", r->request, 0}};
    node_log_kv(n, NODE_LOG_DEBUG, "actor.call", f, 6);
  }
  tea_invoke_result_free(&call->res);
  tea_receipt_free(r);
  call_give_back(call);
}

static void post_actor(tea_node *n, const tea_http_request *req, const char *name, const char *op,
                       tea_http_response *resp) {
  tea_error err;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  atomic_fetch_add(&n->m.actor_calls, 1);

  pthread_mutex_lock(&n->lock);
  uint64_t count = tea_ledger_count(n->ledger);
  if (count == 0) {
    pthread_mutex_unlock(&n->lock);
    tea_http_problem(resp, 503, "Not serving", "the node has no ledger yet");
    return;
  }
  uint64_t height = count - 1;
  const char *st = own_status(n, height);
  if (strcmp(st, "active") != 0) {
    pthread_mutex_unlock(&n->lock);
    tea_http_problem(resp, 503, "Not serving", "this node is %s in the ledger", st);
    return;
  }
  node_actor *a = NULL;
  tea_cid block;
  tea_code rc = node_actor_get(n, name, height, &a, &err);
  if (rc == TEA_OK) rc = tea_ledger_block_cid_at(n->ledger, height, &block, &err);
  pthread_mutex_unlock(&n->lock);
  if (rc != TEA_OK) {
    tea_http_problem(resp, rc == TEA_ERR_NOT_FOUND ? 404 : 502, "Actor unavailable", "%s",
                     err.msg);
    return;
  }

  actor_call *call = call_take();
  if (!call) {
    tea_http_problem(resp, 503, "Service Unavailable", "out of memory");
    return;
  }
  call->n = n;
  call->t0 = t0;
  call->job = (node_receipt_job){.r = &call->r, .done = receipt_signed, .ctx = call};
  tea_receipt *r = &call->r;
  const char *nonce = tea_http_header(req, "Tea-Nonce");
  if (nonce) {
    int k = hex_decode(nonce, r->nonce, sizeof r->nonce);
    if (k < 0) {
      call_give_back(call);
      tea_http_problem(resp, 400, "Bad Request", "Tea-Nonce must be at most 64 bytes in hex");
      return;
    }
    r->nonce_len = (size_t)k;
  }

  /* a confidential request is sealed to this node's X25519 key: only this
     node can read it, and the receipt covers the plaintext's hash */
  const uint8_t *input = req->body;
  size_t input_len = req->body_len;
  uint8_t *plain = NULL;
  const char *sealed = tea_http_header(req, "Tea-Sealed");
  if (sealed && strcmp(sealed, "1") == 0) {
    if (tea_unseal(&n->keys, req->body, req->body_len, &plain, &input_len, &err) != TEA_OK) {
      call_give_back(call);
      tea_http_problem(resp, 400, "Bad Request", "sealed input does not open: %s", err.msg);
      return;
    }
    input = plain;
  }
  tea_invoke_result *res = &call->res;
  rc = tea_host_invoke(n->host, a->actor, op, input, input_len, res, &err);
  if (plain) {
    sodium_memzero(plain, input_len);
    free(plain);
  }
  if (rc != TEA_OK) {
    atomic_fetch_add(&n->m.actor_failures, 1);
    node_log_field f[] = {{"actor", name, 0}, {"op", op, 0}, {"error", tea_code_name(rc), 0}, {"reason", err.msg, 0}};
    node_log_kv(n, NODE_LOG_WARN, "actor.call_failed", f, 4);
    tea_invoke_result_free(res);
    call_give_back(call);
    tea_http_problem(resp, rc == TEA_ERR_LIMIT || rc == TEA_ERR_TRAP ? 422 : 500, "Actor failed",
                     "%s", err.msg);
    return;
  }
  atomic_fetch_add(&n->m.fuel, res->fuel_used);

  memcpy(r->runtime, n->runtime, TEA_SHA256_LEN);
  /* plain copies: snprintf's "%s" cost more than the rest of filling the receipt */
  copy_text(r->runtime_version, sizeof r->runtime_version, RUNTIME_VERSION);
  copy_text(r->actor, sizeof r->actor, name);
  copy_text(r->cid, sizeof r->cid, a->cid_text);
  const tea_claims *claims = tea_actor_claims(a->actor);
  copy_text(r->issuer, sizeof r->issuer, claims->issuer);
  r->revision = claims->rev;
  r->height = height;
  memcpy(r->block, block.digest, TEA_SHA256_LEN);
  uint8_t rid[16];
  node_random(rid, sizeof rid);
  tea_hex_encode(rid, sizeof rid, r->request);
  memcpy(r->input, res->input_hash, TEA_SHA256_LEN);
  memcpy(r->output, res->output_hash, TEA_SHA256_LEN);
  memcpy(r->transcript, res->transcript_hash, TEA_SHA256_LEN);
  r->fuel = res->fuel_used;
  r->status = res->guest_error ? 1 : 0;
  r->time = now_ms();
  copy_text(r->op, sizeof r->op, op);

  call->d = tea_http_defer(req, finish_call, call);
  if (call->d) { /* answered once this thread has signed it (receipts.c) */
    node_receipt_park(n, req->worker, &call->job);
    return;
  }
  /* the server is stopping: sign here */
  call->rc = node_receipt_issue(n, r, &call->err);
  finish_call(call, resp);
}

static void get_transcript(tea_node *n, const char *id, tea_http_response *resp) {
  pthread_mutex_lock(&n->lock);
  for (size_t i = 0; i < TEA_NODE_TRANSCRIPTS; i++) {
    if (!n->transcripts[i].bytes || strcmp(n->transcripts[i].request, id) != 0) continue;
    bool ok = tea_http_set_body(resp, "application/cbor", n->transcripts[i].bytes, n->transcripts[i].len);
    pthread_mutex_unlock(&n->lock);
    resp->status = ok ? 200 : 500;
    return;
  }
  pthread_mutex_unlock(&n->lock);
  tea_http_problem(resp, 404, "Not Found", "no recent call with request id %.40s", id);
}

/* ---- routing ------------------------------------------------------------------------------ */

void node_handle(void *user, const tea_http_request *req, tea_http_response *resp) {
  tea_node *n = user;
  atomic_fetch_add(&n->m.requests, 1);
  const char *p = req->path;
  bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
  if (post && strncmp(p, "/v1/actors/", 11) == 0) {
    const char *name = p + 11, *slash = strchr(name, '/');
    if (slash && name_ok(name, (size_t)(slash - name)) && name_ok(slash + 1, strlen(slash + 1))) {
      char nm[TEA_LEDGER_NAME_MAX], op[TEA_LEDGER_NAME_MAX];
      copy_bytes(nm, sizeof nm, name, (size_t)(slash - name));
      copy_text(op, sizeof op, slash + 1);
      post_actor(n, req, nm, op, resp);
    } else {
      tea_http_problem(resp, 400, "Bad Request", "expected /v1/actors/NAME/OPERATION");
    }
  } else if (get && strcmp(p, "/v1/status") == 0) {
    get_status(n, resp);
  } else if (get && strcmp(p, "/metrics") == 0) {
    get_metrics(n, resp);
  } else if (get && strcmp(p, "/v1/ledger/blocks") == 0) {
    get_blocks(n, req, resp);
  } else if (post && strcmp(p, "/v1/ledger/blocks") == 0) {
    post_block(n, req, resp);
  } else if (post && strcmp(p, "/v1/ledger/proposals") == 0) {
    node_post_proposal(n, req, resp); /* proposals.c */
  } else if (get && strcmp(p, "/v1/ledger/proposals") == 0) {
    node_get_proposals(n, resp);
  } else if (get && strcmp(p, "/v1/ledger/pending") == 0) {
    get_pending(n, resp);
  } else if (get && strcmp(p, "/v1/attest") == 0) {
    get_attest(n, req, resp);
  } else if (get && strncmp(p, "/v1/transcripts/", 16) == 0) {
    get_transcript(n, p + 16, resp);
  } else if ((get || strcmp(req->method, "HEAD") == 0) && strncmp(p, "/ipfs/", 6) == 0) {
    node_gateway(n, req, p + 6, resp); /* gateway.c */
  } else {
    tea_http_problem(resp, 404, "Not Found", "no route for %s %s", req->method, p);
  }
  if (resp->status >= 400) atomic_fetch_add(&n->m.errors, 1);
}
