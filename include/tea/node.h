/* tea: the node daemon. Joins the engine, the actor host, the ledger, the
 * blob store and the trust layer behind an HTTP API (docs/operating.md).
 *
 *   tea_node_config_load(path, &cfg)    the INI file `teanode init` writes
 *   tea_node_open(&cfg, &node)          keys, TPM, measured boot, ledger, blobs, host
 *   tea_node_start(node)                HTTP API on cfg.bind:cfg.port
 *   ... tea_node_stop(node)             finishes requests in flight
 *   tea_node_close(node) */
#ifndef TEA_NODE_H
#define TEA_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tea/error.h"

#define TEA_NODE_PATH_MAX 512
#define TEA_NODE_MAX_PEERS 16

typedef struct tea_node_config {
  char state_dir[TEA_NODE_PATH_MAX - 128]; /* room for file names under it */
  char bind[64];          /* default 127.0.0.1 */
  uint16_t port;          /* default 7100 */
  uint32_t tier;          /* upgrade wave tier; default 1 */
  char endpoint[256];     /* how peers and clients reach it; default http://BIND:PORT */
  char tpm[256];          /* "soft" (default) or "swtpm:HOST:PORT" or "device" */
  char ledger[TEA_NODE_PATH_MAX]; /* ledger file; default STATE/ledger.log */
  /* "file" (default: the file above) or an etcd ledger, etcd://HOST:PORT[,...][/PREFIX]
     (tea_ledger_etcd_parse) */
  char ledger_backend[TEA_NODE_PATH_MAX];
  size_t npeers;          /* where to sync the ledger and fetch code from */
  char peers[TEA_NODE_MAX_PEERS][256];
  size_t ngateways;       /* IPFS trustless gateways for code, tried after the peers */
  char gateways[TEA_NODE_MAX_PEERS][256];
  size_t max_body;        /* bytes; default 1 MiB */
  unsigned threads;       /* HTTP worker threads; default 2 */
  unsigned max_connections; /* HTTP connections at once; default 768 (TEA_HTTP_SELECT_MAX) */
  size_t connection_memory; /* bytes per HTTP connection; default 16 KiB (TEA_HTTP_CONNECTION_MEMORY) */
  unsigned attest_interval; /* seconds between attestation rounds; 0: never; default 30 */
  unsigned attest_sample;   /* peers challenged per round; default 3 */
  char log_level[8];        /* [log] level: debug, info (default), warn, error */
  char log_file[TEA_NODE_PATH_MAX]; /* [log] file: JSON lines appended here; empty: stderr */
  unsigned instance_pool;   /* [actors] pool: idle instances kept per actor and reset per call;
                               0 (default): a fresh instance for every call */
  char tls_cert[TEA_NODE_PATH_MAX]; /* both set: HTTPS */
  char tls_key[TEA_NODE_PATH_MAX];
} tea_node_config;

/* Defaults for a node whose state lives in state_dir. */
void tea_node_config_default(tea_node_config *c, const char *state_dir);
/* Sets [ledger] backend from "file" or an etcd ledger's name; anything else is
 * TEA_ERR_ARG with the reason. */
tea_code tea_node_config_set_backend(tea_node_config *c, const char *value, tea_error *err);
tea_code tea_node_config_load(const char *path, tea_node_config *c, tea_error *err);
tea_code tea_node_config_save(const char *path, const tea_node_config *c, tea_error *err);

typedef struct tea_node tea_node;

/* Opens the node's state: keys (created if missing), the TPM, measured boot
 * (the executable at exe_path and the configuration file), the ledger, the
 * blob store and the actor host. Does not listen yet. */
tea_code tea_node_open(const tea_node_config *c, const char *config_path, const char *exe_path,
                       tea_node **out, tea_error *err);
tea_code tea_node_start(tea_node *n, tea_error *err);
uint16_t tea_node_port(const tea_node *n);
/* One round of background work: ledger sync from peers. Returns blocks added. */
size_t tea_node_sync(tea_node *n);
/* One attestation round: challenge up to `sample` random peers from the
 * ledger's registry and keep a signed verdict for each that answers.
 * Returns how many were challenged. */
size_t tea_node_attest_round(tea_node *n, size_t sample);
void tea_node_stop(tea_node *n);
void tea_node_close(tea_node *n);

/* The node's registration transaction (node.register, signed by the node
 * key, with attestation evidence), encoded for `teanode ledger propose`.
 * Needs the ledger's genesis (the transaction names the chain). */
tea_code tea_node_registration(tea_node *n, uint8_t **out, size_t *len, tea_error *err);
/* A node the ledger does not list yet queues its registration with its pending
 * transactions (GET /v1/ledger/pending), for the committee's `teanode collect`;
 * again every minute while it is still not listed. True when queued now. */
bool tea_node_offer_registration(tea_node *n);

/* ---- for clients and verifiers ---- */
struct tea_ledger;
struct tea_policy;
/* Brings a ledger copy up to date from a node's /v1/ledger/blocks; each
 * block verified on append. An empty copy takes the node's genesis (trust on
 * first use), announced on note when it is not NULL. */
tea_code tea_node_ledger_pull(struct tea_ledger *l, const char *node_url, FILE *note,
                              tea_error *err);
/* Opens a ledger to judge receipts by: a directory (DIR/ledger.log), a file,
 * or a node's URL (pulled into the file `cache`). */
tea_code tea_node_ledger_open_copy(const char *where, const char *cache, struct tea_ledger **out,
                                   tea_error *err);
/* Answers the trust layer's policy questions from a ledger. */
void tea_node_policy(struct tea_policy *p, struct tea_ledger *ledger);

/* Re-execution of a receipt's call for tea_receipt_verify (a tea_replay_fn;
 * ctx is a tea_node_replay_ctx). */
struct tea_receipt;
typedef struct tea_node_replay_ctx {
  struct tea_ledger *ledger;  /* the actor's record at the receipt's height */
  const uint8_t *code;        /* the actor's module (must match the receipt's CID) */
  size_t code_len;
  const uint8_t *transcript;  /* the node's host-call transcript of the call */
  size_t transcript_len;
} tea_node_replay_ctx;
tea_code tea_node_replay(void *ctx, const struct tea_receipt *r, const uint8_t *input,
                         size_t input_len, uint8_t output[32], uint8_t transcript[32],
                         uint64_t *fuel, int64_t *status, tea_error *err);

/* The node's public key as lower-case hex (64 characters + NUL). */
void tea_node_id(const tea_node *n, char out[65]);

#endif
