/* teanode init | run | call: the node daemon and its client. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "cli/cli.h"
#include "tea/cbor.h"
#include "tea/wasm.h"
#include "node/internal.h"

/* ---- init ------------------------------------------------------------------------ */

static void init_usage(FILE *f) {
  fprintf(f,
          "usage: teanode init --state DIR [--port P] [--bind ADDR] [--tier N] [--tpm soft|swtpm:HOST:PORT|device]\n"
          "                    [--ledger file|FILE|etcd://HOST:PORT[,HOST:PORT...][/PREFIX]] [--peer URL]...\n"
          "                    [--endpoint URL] [--attest-interval SECONDS]\n"
          "Creates the node's keys and its configuration DIR/node.ini, and prints the node's id,\n"
          "its attestation key and the registration evidence the committee needs (DIR/registration.cbor).\n"
          "--ledger: the node's copy of the chain in DIR/ledger.log (file, the default) or in FILE,\n"
          "or the committee's etcd cluster (members tried in turn; key prefix default /tea/ledger/).\n");
}

int tea_cmd_init(int argc, char **argv) {
  static const struct option opts[] = {
      {"state", required_argument, 0, 's'}, {"port", required_argument, 0, 'p'},
      {"bind", required_argument, 0, 'b'},  {"tier", required_argument, 0, 't'},
      {"tpm", required_argument, 0, 'T'},   {"ledger", required_argument, 0, 'l'},
      {"peer", required_argument, 0, 'P'},  {"endpoint", required_argument, 0, 'e'},
      {"attest-interval", required_argument, 0, 'a'},
      {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
  tea_node_config c;
  const char *state = NULL;
  tea_node_config_default(&c, ".");
  c.ledger[0] = '\0';
  optind = 1;
  for (int o; (o = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
    switch (o) {
    case 's': state = optarg; break;
    case 'p': c.port = (uint16_t)atoi(optarg); break;
    case 'b': snprintf(c.bind, sizeof c.bind, "%s", optarg); break;
    case 't': c.tier = (uint32_t)strtoul(optarg, NULL, 10); break;
    case 'T': snprintf(c.tpm, sizeof c.tpm, "%s", optarg); break;
    case 'l':
      if (strcmp(optarg, "file") == 0 || strncmp(optarg, "etcd://", 7) == 0) {
        tea_error e;
        if (tea_node_config_set_backend(&c, optarg, &e) != TEA_OK) {
          fprintf(stderr, "teanode init: --ledger: %s\n", e.msg);
          return TEA_CLI_USAGE;
        }
      } else {
        snprintf(c.ledger, sizeof c.ledger, "%s", optarg);
      }
      break;
    case 'P':
      if (c.npeers < TEA_NODE_MAX_PEERS) snprintf(c.peers[c.npeers++], sizeof c.peers[0], "%s", optarg);
      break;
    case 'e': snprintf(c.endpoint, sizeof c.endpoint, "%s", optarg); break;
    case 'a': c.attest_interval = (unsigned)strtoul(optarg, NULL, 10); break;
    case 'h': init_usage(stdout); return 0;
    default: init_usage(stderr); return TEA_CLI_USAGE;
    }
  }
  if (!state || optind != argc) {
    init_usage(stderr);
    return TEA_CLI_USAGE;
  }
  snprintf(c.state_dir, sizeof c.state_dir, "%s", state);
  if (!c.ledger[0]) snprintf(c.ledger, sizeof c.ledger, "%s/ledger.log", state);
  if (!c.endpoint[0]) snprintf(c.endpoint, sizeof c.endpoint, "http://%s:%u", c.bind, (unsigned)c.port);
  if (mkdir(state, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "error: cannot create %s: %s\n", state, strerror(errno));
    return 1;
  }
  char path[TEA_NODE_PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/node.ini", state);
  tea_error err;
  tea_node_keys keys;
  if (tea_node_config_save(path, &c, &err) != TEA_OK ||
      tea_node_keys_load_or_create(state, &keys, &err) != TEA_OK) {
    fprintf(stderr, "error: %s\n", err.msg);
    return 1;
  }
  char id[65];
  tea_hex_encode(keys.ed_pk, 32, id);
  tea_node_keys_wipe(&keys);
  printf("node %s\nconfig %s\n", id, path);
  return 0;
}

/* ---- register ---------------------------------------------------------------------- */

int tea_cmd_register(int argc, char **argv) {
  static const struct option opts[] = {{"state", required_argument, 0, 's'},
                                       {"out", required_argument, 0, 'o'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *state = NULL, *out = NULL;
  optind = 1;
  for (int o; (o = getopt_long(argc, argv, "ho:", opts, NULL)) != -1;) {
    switch (o) {
    case 's': state = optarg; break;
    case 'o': out = optarg; break;
    case 'h':
      printf("usage: teanode register --state DIR --out TX_FILE\n"
             "Writes the node's registration transaction (keys, attestation key, evidence from a\n"
             "measured boot of this binary), for the committee's `teanode ledger propose`.\n"
             "The node's ledger must hold the genesis block.\n");
      return 0;
    default: return TEA_CLI_USAGE;
    }
  }
  if (!state || !out || optind != argc) {
    fprintf(stderr, "usage: teanode register --state DIR --out TX_FILE\n");
    return TEA_CLI_USAGE;
  }
  char path[TEA_NODE_PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/node.ini", state);
  tea_node_config c;
  tea_error err;
  tea_node *n = NULL;
  uint8_t *tx = NULL;
  size_t len = 0;
  int rc = 1;
  if (tea_node_config_load(path, &c, &err) == TEA_OK &&
      tea_node_open(&c, path, "/proc/self/exe", &n, &err) == TEA_OK &&
      tea_node_registration(n, &tx, &len, &err) == TEA_OK) {
    FILE *f = fopen(out, "wb");
    if (f && fwrite(tx, 1, len, f) == len && fclose(f) == 0) {
      rc = 0;
    } else {
      snprintf(err.msg, sizeof err.msg, "cannot write %s", out);
      if (f) fclose(f);
    }
  }
  if (rc) fprintf(stderr, "error: %s\n", err.msg);
  free(tx);
  tea_node_close(n);
  return rc;
}

/* ---- run ----------------------------------------------------------------------------- */

static volatile sig_atomic_t stopping;
static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static void run_usage(FILE *f) {
  fprintf(f, "usage: teanode run --state DIR [--port P]\n"
             "Starts the node: measured boot, ledger sync from its peers, then the HTTP API.\n"
             "A node the ledger does not list yet offers its registration to the committee\n"
             "with its pending transactions (teanode collect picks it up).\n"
             "SIGTERM or SIGINT stops it after the requests in flight finish.\n");
}

int tea_cmd_run(int argc, char **argv) {
  static const struct option opts[] = {{"state", required_argument, 0, 's'},
                                       {"port", required_argument, 0, 'p'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *state = NULL;
  int port = -1;
  optind = 1;
  for (int o; (o = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
    switch (o) {
    case 's': state = optarg; break;
    case 'p': port = atoi(optarg); break;
    case 'h': run_usage(stdout); return 0;
    default: run_usage(stderr); return TEA_CLI_USAGE;
    }
  }
  if (!state || optind != argc) {
    run_usage(stderr);
    return TEA_CLI_USAGE;
  }
  char path[TEA_NODE_PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/node.ini", state);
  tea_node_config c;
  tea_error err;
  if (tea_node_config_load(path, &c, &err) != TEA_OK) {
    fprintf(stderr, "error: %s (run `teanode init --state %s` first)\n", err.msg, state);
    return 1;
  }
  if (port >= 0) c.port = (uint16_t)port;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  /* nothing in this process installs a SIGSEGV handler: a fresh instance per
     call need not check for one each time (tea/wasm.h) */
  tea_wasm_guard_check_once();
  tea_node *n;
  if (tea_node_open(&c, path, "/proc/self/exe", &n, &err) != TEA_OK) {
    fprintf(stderr, "error: %s\n", err.msg);
    curl_global_cleanup();
    return 1;
  }
  tea_node_sync(n);
  tea_node_offer_registration(n); /* a new node: the committee finds it with its verdicts */
  if (tea_node_start(n, &err) != TEA_OK) {
    fprintf(stderr, "error: %s\n", err.msg);
    tea_node_close(n);
    curl_global_cleanup();
    return 1;
  }
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  char id[65];
  tea_node_id(n, id);
  printf("teanode %s listening on %s:%u\n", id, c.bind, (unsigned)tea_node_port(n));
  fflush(stdout);
  /* background duties: ledger sync every second, attestation rounds every
     attest_interval seconds */
  unsigned since_attest = 0;
  while (!stopping) {
    for (int i = 0; i < 10 && !stopping; i++) usleep(100 * 1000);
    if (stopping) break;
    tea_node_sync(n);
    tea_node_offer_registration(n);
    if (c.attest_interval && ++since_attest >= c.attest_interval) {
      since_attest = 0;
      tea_node_attest_round(n, c.attest_sample);
    }
  }
  tea_node_close(n); /* stops HTTP first: requests in flight finish */
  curl_global_cleanup();
  return 0;
}

/* ---- call ------------------------------------------------------------------------------ */

typedef struct reply {
  uint8_t *body;
  size_t len, cap;
  char *receipt; /* base64url, from the Tea-Receipt header */
} reply;

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud) {
  reply *r = ud;
  size_t n = size * nmemb;
  if (r->len + n > r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 65536;
    while (cap < r->len + n) cap *= 2;
    uint8_t *b = realloc(r->body, cap);
    if (!b) return 0;
    r->body = b;
    r->cap = cap;
  }
  memcpy(r->body + r->len, p, n);
  r->len += n;
  return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud) {
  reply *r = ud;
  size_t n = size * nmemb;
  static const char key[] = "tea-receipt:";
  if (n > sizeof key && strncasecmp(p, key, sizeof key - 1) == 0) {
    size_t start = sizeof key - 1;
    while (start < n && p[start] == ' ') start++;
    size_t end = n;
    while (end > start && (p[end - 1] == '\r' || p[end - 1] == '\n' || p[end - 1] == ' ')) end--;
    free(r->receipt);
    r->receipt = strndup(p + start, end - start);
  }
  return n;
}

/* Seals the input to the node's X25519 key as the client's own ledger copy
 * registers it (never as the node claims it). */
typedef struct find_enc {
  const char *endpoint;
  uint8_t enc[TEA_X25519_LEN];
  bool found;
} find_enc;

static bool match_endpoint(void *ctx, const tea_ledger_node *rec) {
  find_enc *f = ctx;
  if (strcmp(rec->endpoint, f->endpoint) != 0) return true;
  memcpy(f->enc, rec->enc, TEA_X25519_LEN);
  f->found = true;
  return false;
}

static tea_code seal_for(const char *ledger, const char *node, const uint8_t *in, size_t len,
                         uint8_t **out, size_t *out_len, tea_error *err) {
  tea_ledger_store *ls;
  tea_ledger *l = NULL;
  tea_code rc = tea_ledger_store_file_open(&ls, ledger, err);
  if (rc == TEA_OK) rc = tea_ledger_open(&l, ls, err);
  if (rc == TEA_OK) rc = tea_node_ledger_pull(l, node, stderr, err);
  find_enc f = {node, {0}, false};
  if (rc == TEA_OK) tea_ledger_each_node(l, tea_ledger_count(l) - 1, match_endpoint, &f);
  tea_ledger_close(l);
  if (rc != TEA_OK) return rc;
  if (!f.found) return tea_fail(err, TEA_ERR_NOT_FOUND, "the ledger registers no node at %s", node);
  return tea_seal(f.enc, in, len, out, out_len, err);
}

static long post_call(const char *node, const char *actor, const char *op, const uint8_t *in,
                      size_t in_len, bool sealed, const uint8_t nonce[32], reply *r, char *why,
                      size_t why_len) {
  CURL *c = curl_easy_init();
  char url[768], nh[80];
  snprintf(url, sizeof url, "%s/v1/actors/%s/%s", node, actor, op);
  char hex[65];
  tea_hex_encode(nonce, 32, hex);
  snprintf(nh, sizeof nh, "Tea-Nonce: %s", hex);
  struct curl_slist *h = curl_slist_append(NULL, nh);
  h = curl_slist_append(h, "Content-Type: application/octet-stream");
  if (sealed) h = curl_slist_append(h, "Tea-Sealed: 1");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, in_len ? (const char *)in : "");
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)in_len);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  CURLcode cc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (cc != CURLE_OK) snprintf(why, why_len, "%s", curl_easy_strerror(cc));
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return cc == CURLE_OK ? status : -1;
}

/* Nodes to try, the nearest first (by the time /v1/status takes). */
typedef struct candidates {
  size_t n;
  char url[32][TEA_LEDGER_TEXT_MAX];
  double ms[32];
} candidates;

static bool add_active(void *ctx, const tea_ledger_node *rec) {
  candidates *c = ctx;
  if (rec->status != TEA_NODE_ACTIVE) return true; /* quarantined and suspicious nodes are skipped */
  snprintf(c->url[c->n], sizeof c->url[0], "%s", rec->endpoint);
  c->n++;
  return c->n < 32;
}

static tea_code pick_nodes(const char *ledger, candidates *c, tea_error *err) {
  tea_ledger *l;
  tea_code rc = tea_node_ledger_open_copy(ledger, NULL, &l, err);
  if (rc != TEA_OK) return rc;
  tea_ledger_each_node(l, tea_ledger_count(l) - 1, add_active, c);
  tea_ledger_close(l);
  if (c->n == 0) return tea_fail(err, TEA_ERR_NOT_FOUND, "the ledger lists no active node");
  for (size_t i = 0; i < c->n; i++) {
    char url[TEA_LEDGER_TEXT_MAX + 16];
    snprintf(url, sizeof url, "%s/v1/status", c->url[i]);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint8_t *b;
    size_t len;
    tea_error e;
    bool up = node_http_get(url, "application/json", &b, &len, &e) == TEA_OK;
    if (up) free(b);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    c->ms[i] = up ? (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6 : 1e9;
  }
  for (size_t i = 1; i < c->n; i++) /* few nodes: insertion sort */
    for (size_t j = i; j > 0 && c->ms[j] < c->ms[j - 1]; j--) {
      double m = c->ms[j];
      c->ms[j] = c->ms[j - 1];
      c->ms[j - 1] = m;
      char u[TEA_LEDGER_TEXT_MAX];
      memcpy(u, c->url[j], sizeof u);
      memcpy(c->url[j], c->url[j - 1], sizeof u);
      memcpy(c->url[j - 1], u, sizeof u);
    }
  return TEA_OK;
}

static void call_usage(FILE *f) {
  fprintf(f,
          "usage: teanode call [--node URL]... [--input FILE] [--encrypt] [--receipt FILE] [--ledger FILE]\n"
          "                    [--transcript FILE] [--no-verify] ACTOR OP\n"
          "Runs OP of ACTOR on a node and prints the output, after verifying the node's receipt\n"
          "against the ledger (kept in --ledger FILE, default ./tea-client-ledger.dat, synced from the node\n"
          "and checked block by block). --no-verify skips the check and says so.\n"
          "Without --node, picks the nearest node the ledger lists as active (by the time its\n"
          "status takes); with several --node, tries them in the order given. A node that cannot\n"
          "answer (down, killed mid-request, not serving) is skipped for the next one.\n"
          "--transcript saves the node's record of the call's host calls (for verify --replay).\n"
          "--encrypt seals the input to the node's X25519 key as the ledger registers it: only that\n"
          "node can read it; the receipt still covers the plaintext's hash.\n");
}

int tea_cmd_call(int argc, char **argv) {
  static const struct option opts[] = {
      {"node", required_argument, 0, 'n'},    {"input", required_argument, 0, 'i'},
      {"receipt", required_argument, 0, 'r'}, {"ledger", required_argument, 0, 'l'},
      {"no-verify", no_argument, 0, 'N'},     {"encrypt", no_argument, 0, 'E'},
      {"transcript", required_argument, 0, 'T'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *node = NULL, *input = NULL, *receipt_out = NULL, *ledger = "tea-client-ledger.dat";
  candidates cand = {0};
  const char *transcript_out = NULL;
  bool verify = true, encrypt = false;
  optind = 1;
  for (int o; (o = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
    switch (o) {
    case 'n':
      if (cand.n == sizeof cand.url / sizeof cand.url[0] || strlen(optarg) >= sizeof cand.url[0]) {
        fprintf(stderr, "error: at most %zu --node URLs of %zu bytes\n", sizeof cand.url / sizeof cand.url[0],
                sizeof cand.url[0] - 1);
        return TEA_CLI_USAGE;
      }
      snprintf(cand.url[cand.n++], sizeof cand.url[0], "%s", optarg);
      break;
    case 'i': input = optarg; break;
    case 'r': receipt_out = optarg; break;
    case 'l': ledger = optarg; break;
    case 'N': verify = false; break;
    case 'E': encrypt = true; break;
    case 'T': transcript_out = optarg; break;
    case 'h': call_usage(stdout); return 0;
    default: call_usage(stderr); return TEA_CLI_USAGE;
    }
  }
  if (argc - optind != 2) {
    call_usage(stderr);
    return TEA_CLI_USAGE;
  }
  const char *actor = argv[optind], *op = argv[optind + 1];
  size_t in_len = 0;
  uint8_t *in = NULL;
  if (input && !(in = tea_cli_read_or_say(input, &in_len))) return 1;
  if (sodium_init() < 0) return 1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  uint8_t nonce[32];
  randombytes_buf(nonce, sizeof nonce);
  reply r = {0};
  char why[256] = "";
  int rc = 1;
  tea_error err;
  tea_receipt rec;
  tea_receipt_init(&rec);
  if (cand.n == 0 && pick_nodes(ledger, &cand, &err) != TEA_OK) {
    fprintf(stderr, "error: no --node given and %s\n", err.msg);
    goto out;
  }
  /* the nearest first; a node that cannot answer is skipped for the next */
  long status = -1;
  for (size_t i = 0; i < cand.n; i++) {
    free(r.body);
    free(r.receipt);
    memset(&r, 0, sizeof r);
    uint8_t *body = in;
    size_t body_len = in_len;
    if (encrypt && seal_for(ledger, cand.url[i], in ? in : (const uint8_t *)"", in_len, &body,
                            &body_len, &err) != TEA_OK) {
      fprintf(stderr, "note: %s: cannot seal the input: %s\n", cand.url[i], err.msg);
      continue;
    }
    status = post_call(cand.url[i], actor, op, body, body_len, encrypt, nonce, &r, why, sizeof why);
    if (body != in) free(body);
    node = cand.url[i];
    if (status >= 0 && status < 500) break;
    fprintf(stderr, "note: %s: %s; trying another node\n", node,
            status < 0 ? why : "not serving");
  }
  if (status < 0) {
    fprintf(stderr, "error: %s: %s\n", node ? node : "no node", why);
    goto out;
  }
  if (status != 200 && status != 422) {
    fprintf(stderr, "error: HTTP %ld: %.*s\n", status, (int)r.len, r.body ? (char *)r.body : "");
    goto out;
  }
  if (!r.receipt) {
    fprintf(stderr, "error: the node sent no receipt\n");
    goto out;
  }
  size_t b64 = strlen(r.receipt), bin_len;
  uint8_t *bin = malloc(b64);
  if (!bin || sodium_base642bin(bin, b64, r.receipt, b64, NULL, &bin_len, NULL,
                                sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      tea_receipt_decode(bin, bin_len, &rec, &err) != TEA_OK) {
    fprintf(stderr, "error: the receipt does not decode\n");
    free(bin);
    goto out;
  }
  if (receipt_out) {
    FILE *f = fopen(receipt_out, "wb");
    if (!f || fwrite(bin, 1, bin_len, f) != bin_len) fprintf(stderr, "error: cannot write %s\n", receipt_out);
    if (f) fclose(f);
  }
  free(bin);
  if (rec.nonce_len != sizeof nonce || memcmp(rec.nonce, nonce, sizeof nonce) != 0) {
    fprintf(stderr, "error: the receipt does not carry this call's nonce (a replayed receipt?)\n");
    goto out;
  }
  if (verify) {
    tea_ledger_store *ls = NULL;
    tea_ledger *l = NULL;
    tea_receipt_report rep;
    tea_policy pol;
    tea_code v = tea_ledger_store_file_open(&ls, ledger, &err);
    if (v == TEA_OK) v = tea_ledger_open(&l, ls, &err); /* l owns ls */
    if (v == TEA_OK) v = tea_node_ledger_pull(l, node, stderr, &err);
    if (v == TEA_OK) {
      node_policy_init(&pol, l);
      tea_receipt_verify_opts vo = {.input = in ? in : (const uint8_t *)"", .input_len = in_len};
      v = tea_receipt_verify(&pol, &rec, &vo, &rep, &err);
    }
    if (v == TEA_OK) {
      for (int k = 0; k < TEA_RC_COUNT; k++)
        if (rep.result[k] != TEA_CHECK_SKIP)
          fprintf(stderr, "  %-24s %s%s%s\n", tea_receipt_check_name((tea_receipt_check)k),
                  tea_check_result_name(rep.result[k]), rep.detail[k][0] ? ": " : "", rep.detail[k]);
      if (!rep.pass) v = tea_fail(&err, TEA_ERR_CRYPTO, "the receipt did not verify");
    }
    tea_ledger_close(l);
    if (v != TEA_OK) {
      fprintf(stderr, "error: %s\n", err.msg);
      goto out;
    }
    fprintf(stderr, "receipt verified: node, runtime, actor and input check out at ledger height %llu\n",
            (unsigned long long)rec.height);
  } else {
    fprintf(stderr, "warning: receipt NOT verified (--no-verify)\n");
  }
  if (transcript_out) {
    /* what `teanode verify --replay` needs: the node keeps recent ones */
    char url[TEA_LEDGER_TEXT_MAX + 128];
    snprintf(url, sizeof url, "%s/v1/transcripts/%s", node, rec.request);
    uint8_t *t;
    size_t tl;
    FILE *f = NULL;
    if (node_http_get(url, "application/cbor", &t, &tl, &err) != TEA_OK) {
      fprintf(stderr, "warning: no transcript: %s\n", err.msg);
    } else {
      f = fopen(transcript_out, "wb");
      if (!f || fwrite(t, 1, tl, f) != tl) fprintf(stderr, "error: cannot write %s\n", transcript_out);
      if (f) fclose(f);
      free(t);
    }
  }
  fwrite(r.body, 1, r.len, stdout);
  rc = status == 200 ? 0 : 3; /* 3: the actor reported an error (receipt still valid) */
out:
  tea_receipt_free(&rec);
  free(r.body);
  free(r.receipt);
  free(in);
  curl_global_cleanup();
  return rc;
}
