/* The node's configuration: an INI file (libinih), written by `teanode init`. */
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tea/http.h"
#include "tea/ledger.h"
#include "tea/node.h"

void tea_node_config_default(tea_node_config *c, const char *state_dir) {
  memset(c, 0, sizeof *c);
  snprintf(c->state_dir, sizeof c->state_dir, "%s", state_dir);
  snprintf(c->bind, sizeof c->bind, "127.0.0.1");
  c->port = 7100;
  c->tier = 1;
  snprintf(c->tpm, sizeof c->tpm, "soft");
  snprintf(c->ledger, sizeof c->ledger, "%s/ledger.log", state_dir);
  snprintf(c->ledger_backend, sizeof c->ledger_backend, "file");
  c->max_body = 1 << 20;
  c->threads = 2;
  c->max_connections = TEA_HTTP_SELECT_MAX;
  c->connection_memory = TEA_HTTP_CONNECTION_MEMORY;
  c->attest_interval = 30;
  c->attest_sample = 3;
}

tea_code tea_node_config_set_backend(tea_node_config *c, const char *value, tea_error *err) {
  tea_ledger_etcd_spec spec;
  if (strcmp(value, "file") != 0) {
    if (strncmp(value, "etcd://", 7) != 0)
      return tea_fail(err, TEA_ERR_ARG, "ledger backend \"%.80s\": expected file or etcd://HOST:PORT[,...][/PREFIX]",
                      value);
    /* parsed here too so that a bad name stops `init` and `run` at once, not at first use */
    tea_code rc = tea_ledger_etcd_parse(value, NULL, &spec, err);
    if (rc != TEA_OK) return rc;
  }
  if ((size_t)snprintf(c->ledger_backend, sizeof c->ledger_backend, "%s", value) >= sizeof c->ledger_backend)
    return tea_fail(err, TEA_ERR_ARG, "ledger backend too long");
  return TEA_OK;
}

typedef struct parse_ctx {
  tea_node_config *c;
  char bad[256];
} parse_ctx;

static bool copy(char *dst, size_t cap, const char *v) {
  return (size_t)snprintf(dst, cap, "%s", v) < cap;
}

static bool number(const char *v, unsigned long long max, unsigned long long *out) {
  char *end;
  unsigned long long x = strtoull(v, &end, 10);
  if (*v == '\0' || *end != '\0' || x > max) return false;
  *out = x;
  return true;
}

/* A comma- or space-separated list of URLs; more than the table holds, or one too long
 * to keep whole, is a bad value (a silently dropped or cut source would be fetched
 * from wrongly, or never). */
static bool add_urls(char (*urls)[256], size_t *n, const char *list) {
  char buf[4096];
  if ((size_t)snprintf(buf, sizeof buf, "%s", list) >= sizeof buf) return false;
  for (char *save = NULL, *p = strtok_r(buf, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
    if (*n == TEA_NODE_MAX_PEERS || !copy(urls[*n], sizeof urls[0], p)) return false;
    (*n)++;
  }
  return true;
}

static int on_entry(void *user, const char *section, const char *name, const char *value) {
  parse_ctx *pc = user;
  tea_node_config *c = pc->c;
  unsigned long long n;
  bool ok = true;
#define IS(s, k) (strcmp(section, s) == 0 && strcmp(name, k) == 0)
  if (IS("node", "state")) ok = copy(c->state_dir, sizeof c->state_dir, value);
  else if (IS("node", "bind")) ok = copy(c->bind, sizeof c->bind, value);
  else if (IS("node", "port")) ok = number(value, 65535, &n) && ((c->port = (uint16_t)n), true);
  else if (IS("node", "tier")) ok = number(value, UINT32_MAX, &n) && ((c->tier = (uint32_t)n), true);
  else if (IS("node", "endpoint")) ok = copy(c->endpoint, sizeof c->endpoint, value);
  else if (IS("node", "attest_interval")) ok = number(value, 86400, &n) && ((c->attest_interval = (unsigned)n), true);
  else if (IS("node", "attest_sample")) ok = number(value, 256, &n) && ((c->attest_sample = (unsigned)n), true);
  else if (IS("log", "level"))
    ok = (!strcmp(value, "debug") || !strcmp(value, "info") || !strcmp(value, "warn") || !strcmp(value, "error")) &&
         copy(c->log_level, sizeof c->log_level, value);
  else if (IS("log", "file")) ok = copy(c->log_file, sizeof c->log_file, value);
  else if (IS("actors", "pool")) ok = number(value, 1024, &n) && ((c->instance_pool = (unsigned)n), true);
  else if (IS("tpm", "backend")) ok = copy(c->tpm, sizeof c->tpm, value);
  else if (IS("ledger", "path")) ok = copy(c->ledger, sizeof c->ledger, value);
  else if (IS("ledger", "backend")) {
    tea_error e;
    if (tea_node_config_set_backend(c, value, &e) != TEA_OK) {
      snprintf(pc->bad, sizeof pc->bad, "[ledger] backend: %.200s", e.msg);
      return 0;
    }
  } else if (IS("ledger", "peers")) ok = add_urls(c->peers, &c->npeers, value);
  else if (IS("cas", "gateways")) ok = add_urls(c->gateways, &c->ngateways, value);
  else if (IS("http", "max_body")) ok = number(value, 1ull << 30, &n) && ((c->max_body = n), true);
  else if (IS("http", "threads")) ok = number(value, 64, &n) && n > 0 && ((c->threads = (unsigned)n), true);
  else if (IS("http", "max_connections"))
    ok = number(value, 1u << 20, &n) && n > 0 && ((c->max_connections = (unsigned)n), true);
  else if (IS("http", "connection_memory"))
    ok = number(value, 1u << 24, &n) && n >= TEA_HTTP_CONNECTION_MEMORY_MIN && ((c->connection_memory = n), true);
  else if (IS("http", "tls_cert")) ok = copy(c->tls_cert, sizeof c->tls_cert, value);
  else if (IS("http", "tls_key")) ok = copy(c->tls_key, sizeof c->tls_key, value);
  else {
    snprintf(pc->bad, sizeof pc->bad, "unknown setting [%s] %s", section, name);
    return 0;
  }
#undef IS
  if (!ok) {
    snprintf(pc->bad, sizeof pc->bad, "bad value for [%s] %s: \"%s\"", section, name, value);
    return 0;
  }
  return 1;
}

tea_code tea_node_config_load(const char *path, tea_node_config *c, tea_error *err) {
  tea_node_config_default(c, ".");
  c->ledger[0] = '\0';
  parse_ctx pc = {c, ""};
  int line = ini_parse(path, on_entry, &pc);
  if (line < 0) return tea_fail(err, TEA_ERR_IO, "cannot read %s", path);
  if (line > 0)
    return tea_fail(err, TEA_ERR_ARG, "%s, line %d: %s", path, line,
                    pc.bad[0] ? pc.bad : "syntax error");
  if (!c->ledger[0]) snprintf(c->ledger, sizeof c->ledger, "%s/ledger.log", c->state_dir);
  if (!c->endpoint[0])
    snprintf(c->endpoint, sizeof c->endpoint, "http://%s:%u", c->bind, (unsigned)c->port);
  return TEA_OK;
}

tea_code tea_node_config_save(const char *path, const tea_node_config *c, tea_error *err) {
  char tmp[TEA_NODE_PATH_MAX + 8];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return tea_fail(err, TEA_ERR_IO, "cannot write %s", tmp);
  fprintf(f, "# tea node configuration (teanode init); see docs/operating.md\n");
  fprintf(f, "[node]\nstate = %s\nbind = %s\nport = %u\ntier = %u\n", c->state_dir, c->bind,
          (unsigned)c->port, (unsigned)c->tier);
  if (c->endpoint[0]) fprintf(f, "endpoint = %s\n", c->endpoint);
  fprintf(f, "attest_interval = %u\nattest_sample = %u\n", c->attest_interval, c->attest_sample);
  fprintf(f, "\n[tpm]\nbackend = %s\n\n[ledger]\nbackend = %s\n", c->tpm,
          c->ledger_backend[0] ? c->ledger_backend : "file");
  if (!c->ledger_backend[0] || strcmp(c->ledger_backend, "file") == 0) fprintf(f, "path = %s\n", c->ledger);
  if (c->npeers) {
    fprintf(f, "peers = ");
    for (size_t i = 0; i < c->npeers; i++) fprintf(f, "%s%s", i ? ", " : "", c->peers[i]);
    fprintf(f, "\n");
  }
  if (c->ngateways) {
    fprintf(f, "\n[cas]\ngateways = ");
    for (size_t i = 0; i < c->ngateways; i++) fprintf(f, "%s%s", i ? ", " : "", c->gateways[i]);
    fprintf(f, "\n");
  }
  fprintf(f, "\n[log]\nlevel = %s\n", c->log_level[0] ? c->log_level : "info");
  if (c->log_file[0]) fprintf(f, "file = %s\n", c->log_file);
  fprintf(f, "\n[actors]\npool = %u\n", c->instance_pool);
  fprintf(f, "\n[http]\nmax_body = %zu\nthreads = %u\nmax_connections = %u\nconnection_memory = %zu\n",
          c->max_body, c->threads, c->max_connections, c->connection_memory);
  if (c->tls_cert[0]) fprintf(f, "tls_cert = %s\ntls_key = %s\n", c->tls_cert, c->tls_key);
  bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return tea_fail(err, TEA_ERR_IO, "cannot write %s", path);
  }
  return TEA_OK;
}
