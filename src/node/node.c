/* The node's life cycle: open its state with a measured boot, serve, stop. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/internal.h"

void tea_node_id(const tea_node *n, char out[65]) { tea_hex_encode(n->keys.ed_pk, 32, out); }

/* The host reports every actor it loads: extend the code PCR and log it. */
static tea_code measure_actor(void *user, const uint8_t hash[32], const char *kind,
                              const char *name, tea_error *err) {
  tea_node *n = user;
  (void)kind;
  /* verifiers look the actor up by "NAME CID"; node_actor_get set the CID
     the ledger named (the host has just checked the bytes against it) */
  char cid[TEA_CID_STR_MAX], desc[TEA_EVENT_DESC_MAX];
  tea_code rc = tea_cid_format(&n->loading_cid, cid, err);
  if (rc != TEA_OK) return rc;
  snprintf(desc, sizeof desc, "%s %s", name, cid);
  /* called from node_actor_get with the node lock held */
  rc = tea_measure(n->tpm, &n->log, TEA_PCR_NODE, TEA_EV_ACTOR, hash, desc, err);
  char hex[65];
  tea_hex_encode(hash, 32, hex);
  node_log_field f[] = {{"actor", name, 0}, {"cid", cid, 0}, {"sha256", hex, 0}};
  if (rc == TEA_OK) node_log_kv(n, NODE_LOG_INFO, "actor.load", f, 3);
  return rc;
}

/* The standard providers, each scoped to this node's state. */
static tea_code add_providers(tea_node *n, tea_error *err) {
  tea_provider *p[7] = {0};
  tea_code rc = tea_provider_log_new(node_log_actor, n, 4096, &p[0], err);
  if (rc == TEA_OK) rc = tea_provider_keyvalue_new(n->cfg.state_dir, NULL, &p[1], err);
  if (rc == TEA_OK) rc = tea_provider_blobstore_new(n->blobs, 16u << 20, &p[2], err);
  if (rc == TEA_OK) rc = tea_provider_clock_new(NULL, NULL, &p[3], err);
  if (rc == TEA_OK) rc = tea_provider_random_new(4096, &p[4], err);
  if (rc == TEA_OK) rc = tea_provider_http_new(NULL, &p[5], err);
  if (rc == TEA_OK) rc = tea_provider_actor_new(&p[6], err);
  for (size_t i = 0; i < 7; i++) {
    if (!p[i]) continue;
    if (rc == TEA_OK) {
      rc = tea_host_add_provider(n->host, p[i], err);
      if (rc == TEA_OK) continue;
    }
    tea_provider_free(p[i]);
  }
  return rc;
}

static tea_code open_tpm(tea_node *n, tea_error *err) {
  const char *b = n->cfg.tpm;
  if (strcmp(b, "soft") == 0) return tea_tpm_open_soft(n->cfg.state_dir, &n->tpm, err);
  if (strncmp(b, "swtpm:", 6) == 0) {
    char host[200];
    unsigned port;
    if (sscanf(b + 6, "%199[^:]:%u", host, &port) != 2)
      return tea_fail(err, TEA_ERR_ARG, "tpm backend \"%s\": expected swtpm:HOST:PORT", b);
    char tcti[256];
    snprintf(tcti, sizeof tcti, "swtpm:host=%s,port=%u", host, port);
    tea_code rc = tea_tpm_open_tss2(tcti, &n->tpm, err);
    /* a fresh measured boot: the node's PCR starts from zero, as its log does */
    return rc == TEA_OK ? tea_tpm_tss2_reset_pcr(n->tpm, TEA_PCR_NODE, err) : rc;
  }
  if (strcmp(b, "device") == 0) {
    tea_code rc = tea_tpm_open_tss2("device:/dev/tpmrm0", &n->tpm, err);
    return rc == TEA_OK ? tea_tpm_tss2_reset_pcr(n->tpm, TEA_PCR_NODE, err) : rc;
  }
  return tea_fail(err, TEA_ERR_ARG, "unknown tpm backend \"%s\" (soft, swtpm:HOST:PORT, device)", b);
}

tea_code tea_node_open(const tea_node_config *c, const char *config_path, const char *exe_path,
                       tea_node **out, tea_error *err) {
  *out = NULL;
  tea_node *n = calloc(1, sizeof *n);
  if (!n) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  n->cfg = *c;
  snprintf(n->config_path, sizeof n->config_path, "%s", config_path ? config_path : "");
  pthread_mutex_init(&n->lock, NULL);
  n->receipt_fd = -1;
  pthread_mutex_init(&n->log_lock, NULL);
  n->log_fd = 2;
  node_log_level lvl = NODE_LOG_INFO;
  if (c->log_level[0] && !node_log_level_parse(c->log_level, &lvl)) {
    free(n);
    return tea_fail(err, TEA_ERR_ARG, "[log] level %s: expected debug, info, warn or error", c->log_level);
  }
  n->log_level = lvl;
  tea_eventlog_init(&n->log);
  tea_code rc;
  if (mkdir(c->state_dir, 0700) != 0 && errno != EEXIST) {
    rc = tea_fail(err, TEA_ERR_IO, "cannot create %s: %s", c->state_dir, strerror(errno));
    goto fail;
  }
  if (c->log_file[0] && (n->log_fd = open(c->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
    n->log_fd = 2;
    rc = tea_fail(err, TEA_ERR_IO, "cannot open the log %s: %s", c->log_file, strerror(errno));
    goto fail;
  }
  if ((rc = tea_node_keys_load_or_create(c->state_dir, &n->keys, err)) != TEA_OK) goto fail;
  if ((rc = open_tpm(n, err)) != TEA_OK) goto fail;

  /* Measured boot: the runtime first, then its configuration. */
  if ((rc = tea_measure_file(n->tpm, &n->log, TEA_EV_RUNTIME, exe_path, "teanode", err)) != TEA_OK)
    goto fail;
  memcpy(n->runtime, n->log.ev[n->log.n - 1].digest, TEA_SHA256_LEN);
  if (n->config_path[0] &&
      (rc = tea_measure_file(n->tpm, &n->log, TEA_EV_CONFIG, n->config_path, "node.ini", err)) !=
          TEA_OK)
    goto fail;

  tea_ledger_store *store;
  if ((rc = node_ledger_store_open(n, &store, err)) != TEA_OK) goto fail;
  /* the ledger owns its store from here on, also when opening fails */
  if ((rc = tea_ledger_open(&n->ledger, store, err)) != TEA_OK) goto fail;
  node_policy_init(&n->policy, n->ledger);

  char blobs[TEA_NODE_PATH_MAX + 8];
  snprintf(blobs, sizeof blobs, "%s/blobs", c->state_dir);
  if ((rc = tea_blobstore_open(&n->blobs, blobs, 0, err)) != TEA_OK) goto fail;

  tea_host_config hc = {.measure = measure_actor, .measure_user = n, .pool_size = c->instance_pool,
                        .log = node_log_actor, .log_user = n};
  if ((rc = tea_host_new(&hc, &n->host, err)) != TEA_OK) goto fail;
  if ((rc = add_providers(n, err)) != TEA_OK) goto fail;
  if ((rc = node_receipts_load(n, err)) != TEA_OK) goto fail;
  *out = n;
  return TEA_OK;
fail:
  tea_node_close(n);
  return rc;
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(1 << 20);
  size_t len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
  fclose(f);
  if (buf) buf[len] = '\0';
  return buf;
}

tea_code tea_node_start(tea_node *n, tea_error *err) {
  tea_http_config hc = {
      .bind = n->cfg.bind,
      .port = n->cfg.port,
      .max_body = n->cfg.max_body,
      .threads = n->cfg.threads ? n->cfg.threads : 2,
      .max_connections = n->cfg.max_connections,
      .connection_memory = n->cfg.connection_memory,
      .idle = node_receipts_idle, /* receipts.c: batch signing */
  };
  tea_code qrc = node_receipt_queues(n, hc.threads, err);
  if (qrc != TEA_OK) return qrc;
  char *cert = NULL, *key = NULL;
  if (n->cfg.tls_cert[0] || n->cfg.tls_key[0]) {
    cert = read_text(n->cfg.tls_cert);
    key = read_text(n->cfg.tls_key);
    if (!cert || !key) {
      free(cert);
      free(key);
      return tea_fail(err, TEA_ERR_IO, "cannot read the TLS certificate %s and key %s",
                      n->cfg.tls_cert, n->cfg.tls_key);
    }
    hc.tls_cert_pem = cert;
    hc.tls_key_pem = key;
  }
  tea_code rc = tea_http_start(&hc, node_handle, n, &n->http, err);
  if (key) sodium_memzero(key, strlen(key));
  free(cert);
  free(key);
  if (rc == TEA_OK && (rc = node_watch_start(n, err)) != TEA_OK) tea_node_stop(n);
  if (rc == TEA_OK) {
    char id[65], rt[65], port[8], tier[12];
    tea_node_id(n, id);
    tea_hex_encode(n->runtime, 32, rt);
    snprintf(port, sizeof port, "%u", (unsigned)tea_node_port(n));
    snprintf(tier, sizeof tier, "%u", (unsigned)n->cfg.tier);
    node_log_field f[] = {{"node", id, 0},       {"endpoint", n->cfg.endpoint, 0}, {"port", port, 0},
                          {"tier", tier, 0},     {"tpm", tea_tpm_name(n->tpm), 0}, {"runtime", rt, 0},
                          {"ledger", n->cfg.ledger_backend, 0}};
    node_log_kv(n, NODE_LOG_INFO, "node.start", f, 7);
  }
  return rc;
}

uint16_t tea_node_port(const tea_node *n) { return n->http ? tea_http_port(n->http) : 0; }

void tea_node_stop(tea_node *n) {
  if (!n) return;
  node_watch_stop(n);
  if (!n->http) return;
  tea_http_stop(n->http); /* waits for the requests in flight */
  n->http = NULL;
  node_log(n, NODE_LOG_INFO, "node.stop", "stopped after the requests in flight finished");
}

void tea_node_close(tea_node *n) {
  if (!n) return;
  tea_node_stop(n);
  tea_host_free(n->host);
  tea_blobstore_close(n->blobs);
  tea_ledger_close(n->ledger);
  tea_tpm_close(n->tpm);
  tea_eventlog_free(&n->log);
  for (size_t i = 0; i < n->npending; i++) free(n->pending[i]);
  for (size_t i = 0; i < TEA_NODE_TRANSCRIPTS; i++) free(n->transcripts[i].bytes);
  node_receipts_close(n);
  node_proposals_free(n);
  if (n->log_fd > 2) close(n->log_fd);
  pthread_mutex_destroy(&n->log_lock);
  tea_node_keys_wipe(&n->keys);
  pthread_mutex_destroy(&n->lock);
  free(n);
}
