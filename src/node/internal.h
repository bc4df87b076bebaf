/* The node's parts, shared by the files of src/node. Internal. */
#ifndef TEA_NODE_INTERNAL_H
#define TEA_NODE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "tea/cas.h"
#include "tea/cbor.h"
#include "tea/hash.h"
#include "tea/host.h"
#include "tea/http.h"
#include "tea/ledger.h"
#include "tea/node.h"
#include "tea/trust.h"

#define TEA_NODE_MAX_ACTORS 64
#define TEA_NODE_MAX_PENDING 256
#define TEA_NODE_TRANSCRIPTS 256 /* recent host-call transcripts kept for verifiers */

/* A loaded actor: compiled once per CID, shared by every request. */
typedef struct node_actor {
  char name[TEA_LEDGER_NAME_MAX];
  tea_cid cid;
  char cid_text[TEA_CID_STR_MAX]; /* formatted once, for every receipt */
  tea_actor *actor;
} node_actor;

typedef struct node_metrics {
  atomic_ullong requests, errors, actor_calls, actor_failures, fuel, latency_us_sum;
  atomic_ullong cache_hits, cache_misses, attest_served, attestations, attestation_failures,
      blocks_synced, blocks_watched;
} node_metrics;

#define TEA_NODE_MAX_PROPOSALS 8
typedef struct node_proposal {
  bool used;
  uint8_t hash[TEA_SHA256_LEN]; /* the block's signing hash */
  tea_ledger_block block;       /* the signatures gathered so far */
} node_proposal;

struct tea_node {
  tea_node_config cfg;
  char config_path[TEA_NODE_PATH_MAX];
  tea_node_keys keys;
  tea_tpm *tpm;
  tea_eventlog log;
  uint8_t runtime[TEA_SHA256_LEN]; /* SHA-256 of our own executable */
  tea_ledger *ledger;
  tea_blobstore *blobs;
  tea_host *host;
  tea_http_server *http;
  tea_policy policy;
  /* One lock for the ledger, the blob store, the event log, the actor table
   * and the transcripts; actor invocations and receipts run outside it. */
  pthread_mutex_t lock;
  node_actor actors[TEA_NODE_MAX_ACTORS];
  tea_cid loading_cid; /* the actor being loaded, for its measurement */
  size_t nactors;
  /* verdicts from our attestation rounds, waiting for the committee */
  uint8_t *pending[TEA_NODE_MAX_PENDING];
  size_t pending_len[TEA_NODE_MAX_PENDING];
  size_t npending;
  /* the last TEA_NODE_TRANSCRIPTS calls' transcripts, by request id, so a
     client can fetch what `teanode verify --replay` needs */
  struct {
    char request[33];
    uint8_t *bytes;
    size_t len;
  } transcripts[TEA_NODE_TRANSCRIPTS];
  size_t transcript_next;
  /* receipts.c: the receipt chain (its head under chain_lock) and, per HTTP
     thread, the receipts waiting for that thread's next signing round */
  int receipt_fd; /* STATE/receipts.log, open while the node runs */
  pthread_mutex_t chain_lock;
  struct node_receipt_queue *receipt_queues;
  unsigned nreceipt_queues;
  uint64_t receipt_batches, receipt_batched; /* under chain_lock, for /metrics */
  uint64_t receipt_seq;
  uint8_t receipt_prev[TEA_SHA256_LEN];
  node_metrics m;
  /* proposals.c: candidate blocks gathering committee signatures */
  node_proposal proposals[TEA_NODE_MAX_PROPOSALS];
  uint64_t registration_offered_ms; /* register.c: when our registration was last queued */
  /* log.c */
  char logged_status[16]; /* our status as last logged ("node.status" events) */
  pthread_mutex_t log_lock;
  int log_fd;
  int log_level; /* node_log_level */
  /* an etcd-backed ledger (watch.c): a thread watches the head key */
  tea_ledger_etcd_spec etcd;
  bool on_etcd, watching;
  tea_ledger_watch *watch;
  pthread_t watch_thread;
  atomic_bool watch_live;          /* a watch is in place: polling etcd can wait */
  atomic_llong etcd_refreshed_ms;  /* monotonic time of the last read of etcd's head */
  atomic_uint etcd_failures;       /* reads of etcd that failed in a row: polling backs off */
};

/* actors.c */
typedef struct node_record {
  tea_actor_record r;
  char issuers[TEA_LEDGER_MAX_ISSUERS][TEA_NKEY_LEN + 1];
  const char *issuer_ptrs[TEA_LEDGER_MAX_ISSUERS];
  const char *caps[TEA_LEDGER_MAX_CAPS];
} node_record;
/* nr->r borrows rec's capability names and `name`: keep them alive while using it */
void node_record_from_ledger(node_record *nr, const tea_ledger_actor *rec, const char *name,
                             const tea_cid *cid);
tea_code node_actor_get(tea_node *n, const char *name, uint64_t height, node_actor **out,
                        tea_error *err);
void node_follow_upgrades(tea_node *n);
/* sync.c */
tea_code node_http_get(const char *url, const char *accept, uint8_t **out, size_t *len,
                       tea_error *err);
tea_code node_fetch_code(tea_node *n, const tea_cid *cid, uint8_t **bytes, size_t *len,
                         tea_error *err);
/* Blocks other writers put in the shared store (etcd), verified and applied; returns
 * how many. Then node_ledger_advanced, as after a peer sync. */
size_t node_store_refresh(tea_node *n);
void node_store_refreshed(tea_node *n, bool ok); /* watch.c: polling's backoff */
void node_ledger_advanced(tea_node *n, size_t added);
/* watch.c: the node's ledger store (file or etcd), and the watcher thread */
tea_code node_ledger_store_open(tea_node *n, tea_ledger_store **out, tea_error *err);
tea_code node_watch_start(tea_node *n, tea_error *err);
void node_watch_stop(tea_node *n);
/* Whether the periodic sync should read etcd's head itself (no live watch, or a
 * while since the last read). */
bool node_store_poll_due(tea_node *n);
/* gateway.c: GET and HEAD /ipfs/{cid} */
void node_gateway(tea_node *n, const tea_http_request *req, const char *cid_text, tea_http_response *resp);
/* policy.c: the trust layer's questions answered from the ledger */
void node_policy_init(tea_policy *p, tea_ledger *ledger);
tea_code node_ak_from_record(const char *alg, const uint8_t *key, size_t len, tea_ak *ak,
                             tea_error *err);
const char *node_ak_alg_name(const tea_ak *ak);
/* api.c */
void node_handle(void *user, const tea_http_request *req, tea_http_response *resp);
/* attest.c */
tea_code node_pending_take(tea_node *n, uint8_t **out, size_t *len, tea_error *err);
/* Queues a signed transaction for the committee (takes tx). */
void node_pending_add(tea_node *n, uint8_t *tx, size_t len);
/* receipts.c: the chain, and batch signing on the HTTP threads */
tea_code node_receipts_load(tea_node *n, tea_error *err);
void node_receipts_close(tea_node *n);
/* One queue per HTTP thread (tea_node_start makes them). */
tea_code node_receipt_queues(tea_node *n, unsigned workers, tea_error *err);
/* A receipt to sign: numbered, linked, recorded and signed in a round, then
 * done(ctx, rc, err) is called on the thread that signed it. The job (and r)
 * must live until then. */
typedef void (*node_receipt_done)(void *ctx, tea_code rc, const tea_error *err);
typedef struct node_receipt_job {
  tea_receipt *r;
  node_receipt_done done;
  void *ctx;
  /* the round's */
  struct node_receipt_job *next;
  tea_code rc;
  tea_error err;
  tea_receipt_kept kept; /* the hashed body, for tea_receipt_encode_kept; the owner frees it */
} node_receipt_job;
typedef struct node_receipt_queue {
  node_receipt_job *head, *tail;
} node_receipt_queue;
/* Queues a receipt on HTTP thread `worker`'s queue; call on that thread (a
 * handler). node_receipts_idle, tea_http's idle hook, signs the queue. */
void node_receipt_park(tea_node *n, unsigned worker, node_receipt_job *job);
void node_receipts_idle(void *user, unsigned worker);
/* A round of one, here and now. */
tea_code node_receipt_issue(tea_node *n, tea_receipt *r, tea_error *err);

/* proposals.c: POST and GET /v1/ledger/proposals */
void node_post_proposal(tea_node *n, const tea_http_request *req, tea_http_response *resp);
void node_get_proposals(tea_node *n, tea_http_response *resp);
void node_proposals_free(tea_node *n);

/* log.c: JSON lines, {"ts", "level", "event", fields...} */
typedef enum node_log_level { NODE_LOG_DEBUG, NODE_LOG_INFO, NODE_LOG_WARN, NODE_LOG_ERROR } node_log_level;
typedef struct node_log_field {
  const char *key, *value;
  size_t len; /* of value; 0: value is a C string */
} node_log_field;
bool node_log_level_parse(const char *s, node_log_level *out);
void node_log_kv(tea_node *n, node_log_level level, const char *event, const node_log_field *f, size_t nf);
/* One "msg" field, printf-style. */
void node_log(tea_node *n, node_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* tea_host_log_fn and tea_log_sink for actor output: event "actor.log" */
void node_log_actor(void *user, const char *actor, const char *stream, const char *msg, size_t len);


#endif
