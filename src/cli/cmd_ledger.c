/* teanode ledger: committee keys, genesis, transactions, proposals and approvals,
 * and read-only views (show, status, verify) of a ledger directory:
 *   DIR/ledger.log        the blocks (file store, see include/tea/ledger.h)
 *   DIR/proposals/H-ID.cbor  candidate blocks collecting signatures
 * Exit status: 0 success, 1 failure (the reason on stderr), 2 bad command line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/ledger_cli.h"
#include "tea/cbor.h"
#include "tea/http.h"
#include "tea/ledger.h"
#include "tea/node.h"

#define FAIL 1
#define MAX_MEMBERS TEA_LEDGER_MAX_COMMITTEE

const char *lcli_dir_default(void) {
  const char *d = getenv("TEA_LEDGER_DIR");
  return d && *d ? d : "ledger";
}

int lcli_err_out(const tea_error *err) {
  fprintf(stderr, "error: %s\n", err->msg[0] ? err->msg : tea_code_name(err->code));
  return FAIL;
}

int lcli_usage_err(const char *cmd, const char *what) {
  fprintf(stderr, "teanode ledger %s: %s (try --help)\n", cmd, what);
  return TEA_CLI_USAGE;
}

/* ---- helpers shared with cmd_ledger_tx.c (cli/ledger_cli.h) ---- */

/* Write-then-rename, so a reader never sees half a proposal. */
tea_code lcli_spit(const char *path, const uint8_t *buf, size_t n, tea_error *err) {
  char tmp[4096];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
    return tea_fail(err, TEA_ERR_ARG, "path too long");
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return tea_fail(err, TEA_ERR_IO, "%s: %s", tmp, strerror(errno));
  bool ok = write(fd, buf, n) == (ssize_t)n && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return tea_fail(err, TEA_ERR_IO, "%s: %s", path, strerror(e));
  }
  return TEA_OK;
}

tea_code lcli_open_ledger(const char *dir, bool create, tea_ledger **l, tea_error *err) {
  /* With $TEA_LEDGER_ETCD the blocks live in etcd (DIR still holds proposals). */
  const char *etcd = getenv("TEA_LEDGER_ETCD");
  if (etcd && *etcd) {
    if (create && mkdir(dir, 0755) != 0 && errno != EEXIST)
      return tea_fail(err, TEA_ERR_IO, "%s: %s", dir, strerror(errno));
    const char *prefix = getenv("TEA_LEDGER_ETCD_PREFIX");
    tea_ledger_etcd_spec spec;
    tea_code c = tea_ledger_etcd_parse(etcd, prefix && *prefix ? prefix : NULL, &spec, err);
    tea_ledger_store *s;
    if (!c) c = tea_ledger_store_etcd_open(&s, spec.endpoints, spec.prefix, err);
    if (c) return c;
    return tea_ledger_open(l, s, err);
  }
  if (create && mkdir(dir, 0755) != 0 && errno != EEXIST)
    return tea_fail(err, TEA_ERR_IO, "%s: %s", dir, strerror(errno));
  char path[4096];
  snprintf(path, sizeof path, "%s/ledger.log", dir);
  if (!create && access(path, F_OK) != 0)
    return tea_fail(err, TEA_ERR_NOT_FOUND, "%s: no ledger here (teanode ledger init)", dir);
  tea_ledger_store *s;
  tea_code c = tea_ledger_store_file_open(&s, path, err);
  if (c) return c;
  return tea_ledger_open(l, s, err);
}

/* ---- values ---- */

bool lcli_parse_u64(const char *s, uint64_t *v) {
  if (!s || !*s || *s == '-' || *s == '+') return false;
  errno = 0;
  char *end;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno || *end) return false;
  *v = x;
  return true;
}

bool lcli_parse_u32(const char *s, uint32_t *v) {
  uint64_t x;
  if (!lcli_parse_u64(s, &x) || x > UINT32_MAX) return false;
  *v = (uint32_t)x;
  return true;
}

bool lcli_parse_hex(const char *s, uint8_t *out, size_t want) {
  size_t n;
  return tea_hex_decode(s, strlen(s), out, want, &n, NULL) == TEA_OK && n == want;
}

int lcli_key_cmp(const void *a, const void *b) { return memcmp(a, b, TEA_LEDGER_KEY_LEN); }
int lcli_str_cmp(const void *a, const void *b) { return strcmp(a, b); }

bool lcli_sorted_distinct(const void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
  for (size_t i = 1; i < n; i++)
    if (cmp((const char *)base + (i - 1) * size, (const char *)base + i * size) == 0) return false;
  return true;
}

static uint64_t lcli_now(void) { return (uint64_t)time(NULL); }

static void lcli_print_cid(const tea_cid *cid) {
  char s[TEA_CID_STR_MAX];
  if (!tea_cid_format(cid, s, NULL)) printf("%s\n", s);
}

/* ---- keygen ---- */

static void usage_keygen(FILE *out) {
  fprintf(out, "usage: teanode ledger keygen --out FILE\n\n"
               "Makes an Ed25519 key pair (a committee member's or a node's). Writes the\n"
               "secret key to FILE (hex, mode 0600) and prints the public key in hex.\n");
}

static int cmd_keygen(int argc, char **argv) {
  const char *out = NULL;
  static const struct option lo[] = {{"out", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
    if (ch == 'o') out = optarg;
    else if (ch == 'h') return usage_keygen(stdout), 0;
    else return lcli_usage_err("keygen", "unknown option");
  }
  if (!out || optind != argc) return lcli_usage_err("keygen", "needs --out FILE and nothing else");
  tea_error err = {0};
  tea_ledger_keypair kp;
  if (tea_ledger_keygen(&kp, &err) || tea_ledger_key_save(out, &kp, &err)) return lcli_err_out(&err);
  char hex[2 * TEA_LEDGER_KEY_LEN + 1];
  tea_hex_encode(kp.pk, TEA_LEDGER_KEY_LEN, hex);
  sodium_memzero(&kp, sizeof kp);
  printf("%s\n", hex);
  return 0;
}

/* ---- proposals ---- */

static tea_code proposal_path(const char *dir, const tea_ledger_block *b, char *out, size_t cap, tea_error *err) {
  uint8_t h[TEA_SHA256_LEN];
  tea_code c = tea_ledger_block_signing_hash(b, h, err);
  if (c) return c;
  char hex[17];
  tea_hex_encode(h, 8, hex);
  char pdir[4096];
  snprintf(pdir, sizeof pdir, "%s/proposals", dir);
  if (mkdir(pdir, 0755) != 0 && errno != EEXIST) return tea_fail(err, TEA_ERR_IO, "%s: %s", pdir, strerror(errno));
  if ((size_t)snprintf(out, cap, "%s/%" PRIu64 "-%s.cbor", pdir, b->height, hex) >= cap)
    return tea_fail(err, TEA_ERR_ARG, "path too long");
  return TEA_OK;
}

/* Signs b with each key file; appends when the threshold is reached, else saves the
 * proposal (to `path`, or its default place). */
static int sign_and_store(tea_ledger *l, const char *dir, tea_ledger_block *b, char **keys, size_t nkeys,
                          const char *path) {
  tea_error err = {0};
  bool done = false;
  for (size_t i = 0; i < nkeys && !done; i++) {
    tea_ledger_keypair kp;
    tea_code c = tea_ledger_key_load(keys[i], &kp, &err);
    if (!c) c = tea_ledger_approve(l, b, &kp, &done, &err);
    sodium_memzero(&kp, sizeof kp);
    if (c) return lcli_err_out(&err);
  }
  char def[4096];
  if (!path) {
    if (proposal_path(dir, b, def, sizeof def, &err)) return lcli_err_out(&err);
    path = def;
  }
  if (done) {
    tea_cid cid;
    tea_ledger_block_cid_at(l, b->height, &cid, NULL);
    unlink(path);
    printf("block %" PRIu64 " appended: ", b->height);
    lcli_print_cid(&cid);
    return 0;
  }
  uint8_t *buf;
  size_t n;
  if (tea_ledger_block_encode(b, true, &buf, &n, &err) || lcli_spit(path, buf, n, &err)) return lcli_err_out(&err);
  free(buf);
  printf("%s\n", path);
  fprintf(stderr, "proposal for block %" PRIu64 ": %zu signature(s) so far\n", b->height, b->nsigs);
  return 0;
}

/* ---- init ---- */

static void usage_init(FILE *out) {
  fprintf(out,
          "usage: teanode ledger init [--dir DIR] --member PUBKEY... --threshold M [OPTIONS]\n\n"
          "Creates the ledger in DIR (default $TEA_LEDGER_DIR or ./ledger) and a genesis\n"
          "proposal that pins the committee (M of N Ed25519 keys) and the status rules.\n"
          "The genesis becomes block 0 once M members have approved it\n"
          "(--key here, or 'teanode ledger approve' later).\n\n"
          "options:\n"
          "  --member HEX                 a committee public key (repeat; 1 to 32)\n"
          "  --threshold M                signatures every block needs\n"
          "  --chain-id HEX               32 bytes naming the chain (default: random)\n"
          "  --quarantine-attestors N     distinct failing attestors that quarantine a node (2)\n"
          "  --fresh-window N             blocks a verdict's freshness lasts (16)\n"
          "  --recover-passes N           distinct passes that clear 'suspicious' (2)\n"
          "  --key FILE                   approve at once with this secret key (repeat)\n"
          "  -h, --help                   show this help\n");
}

static int cmd_init(int argc, char **argv) {
  const char *dir = lcli_dir_default();
  tea_ledger_committee cm = {0};
  tea_ledger_params p = {.quarantine_attestors = 2, .fresh_window = 16, .recover_passes = 2};
  uint8_t chain[32];
  bool has_chain = false;
  char *keys[MAX_MEMBERS];
  size_t nkeys = 0;
  static const struct option lo[] = {{"dir", required_argument, 0, 'd'},
                                     {"member", required_argument, 0, 'm'},
                                     {"threshold", required_argument, 0, 't'},
                                     {"chain-id", required_argument, 0, 'c'},
                                     {"quarantine-attestors", required_argument, 0, 'q'},
                                     {"fresh-window", required_argument, 0, 'w'},
                                     {"recover-passes", required_argument, 0, 'r'},
                                     {"key", required_argument, 0, 'k'},
                                     {"help", no_argument, 0, 'h'},
                                     {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "d:m:t:c:q:w:r:k:h", lo, NULL)) != -1) {
    switch (ch) {
    case 'd': dir = optarg; break;
    case 'm':
      if (cm.n == MAX_MEMBERS) return lcli_usage_err("init", "too many members");
      if (!lcli_parse_hex(optarg, cm.keys[cm.n++], TEA_LEDGER_KEY_LEN)) return lcli_usage_err("init", "--member takes 64 hex digits");
      break;
    case 't': if (!lcli_parse_u32(optarg, &cm.threshold)) return lcli_usage_err("init", "bad --threshold"); break;
    case 'c':
      if (!lcli_parse_hex(optarg, chain, 32)) return lcli_usage_err("init", "--chain-id takes 64 hex digits");
      has_chain = true;
      break;
    case 'q': if (!lcli_parse_u32(optarg, &p.quarantine_attestors)) return lcli_usage_err("init", "bad number"); break;
    case 'w': if (!lcli_parse_u32(optarg, &p.fresh_window)) return lcli_usage_err("init", "bad number"); break;
    case 'r': if (!lcli_parse_u32(optarg, &p.recover_passes)) return lcli_usage_err("init", "bad number"); break;
    case 'k':
      if (nkeys == MAX_MEMBERS) return lcli_usage_err("init", "too many keys");
      keys[nkeys++] = optarg;
      break;
    case 'h': usage_init(stdout); return 0;
    default: return lcli_usage_err("init", "unknown option");
    }
  }
  if (optind != argc || !cm.n || !cm.threshold) return lcli_usage_err("init", "needs --member and --threshold");
  tea_error err = {0};
  tea_ledger *l;
  if (lcli_open_ledger(dir, true, &l, &err)) return lcli_err_out(&err);
  if (tea_ledger_count(l)) {
    tea_ledger_close(l);
    fprintf(stderr, "error: %s already has a genesis\n", dir);
    return FAIL;
  }
  tea_ledger_block b;
  int rc;
  if (tea_ledger_genesis(&b, has_chain ? chain : NULL, &cm, &p, lcli_now(), &err)) rc = lcli_err_out(&err);
  else rc = sign_and_store(l, dir, &b, keys, nkeys, NULL);
  tea_ledger_block_free(&b);
  tea_ledger_close(l);
  return rc;
}

/* ---- propose / approve ---- */

/* Offers b, with the signatures it has, to a node that gathers approvals
 * (POST /v1/ledger/proposals) and prints the node's answer. */
static int post_to_node(const char *node, const tea_ledger_block *b) {
  tea_error err = {0};
  uint8_t *buf;
  size_t n;
  if (tea_ledger_block_encode(b, true, &buf, &n, &err)) return lcli_err_out(&err);
  char url[1024];
  snprintf(url, sizeof url, "%s/v1/ledger/proposals", node);
  tea_http_answer ans;
  tea_code c = tea_http_post(url, NULL, "application/cbor", buf, n, &ans, &err);
  free(buf);
  if (c) return lcli_err_out(&err);
  printf("%s: %.*s", node, (int)ans.len, (const char *)ans.body);
  free(ans.body);
  return 0;
}

/* approve --node: brings the local copy up to the node's head, then checks each
 * pending proposal against it, signs, and posts the signature back. */
static int approve_from_node(const char *dir, const char *node, char **keys, size_t nkeys) {
  tea_error err = {0};
  tea_ledger *l;
  if (lcli_open_ledger(dir, false, &l, &err)) return lcli_err_out(&err);
  if (tea_node_ledger_pull(l, node, stderr, &err)) {
    tea_ledger_close(l);
    return lcli_err_out(&err);
  }
  char url[1024];
  snprintf(url, sizeof url, "%s/v1/ledger/proposals", node);
  tea_http_get_opts o = {.accept = "application/cbor"};
  tea_http_answer ans;
  if (tea_http_get(url, &o, &ans, &err)) {
    tea_ledger_close(l);
    return lcli_err_out(&err);
  }
  tea_cbor_reader r;
  uint64_t count = 0;
  int rc = 0;
  if (tea_cbor_reader_init(&r, ans.body, ans.len, &err) || tea_cbor_read_array(&r, &count, &err)) rc = lcli_err_out(&err);
  if (!rc && count == 0) fprintf(stderr, "%s has no pending proposal\n", node);
  for (uint64_t i = 0; !rc && i < count; i++) {
    const uint8_t *p;
    size_t len;
    tea_ledger_block b;
    if (tea_cbor_read_bytes(&r, &p, &len, &err) || tea_ledger_block_decode(p, len, &b, &err)) {
      rc = lcli_err_out(&err);
      break;
    }
    bool appended = false;
    tea_code c = TEA_OK;
    for (size_t k = 0; k < nkeys && !c && !appended; k++) {
      tea_ledger_keypair kp;
      c = tea_ledger_key_load(keys[k], &kp, &err);
      if (!c) c = tea_ledger_approve(l, &b, &kp, &appended, &err);
      sodium_memzero(&kp, sizeof kp);
    }
    if (c) {
      fprintf(stderr, "proposal for block %llu not approved: %s\n", (unsigned long long)b.height, err.msg);
      rc = FAIL;
    } else {
      rc = post_to_node(node, &b);
    }
    tea_ledger_block_free(&b);
  }
  free(ans.body);
  tea_ledger_close(l);
  return rc;
}

static void usage_propose(FILE *out) {
  fprintf(out, "usage: teanode ledger propose [--dir DIR] [--out FILE] [--key FILE...] [--node URL] TX...\n\n"
               "Makes a candidate block at the head + 1 from transaction files (teanode ledger tx),\n"
               "after checking each against the current state. Writes it to --out or to\n"
               "DIR/proposals/HEIGHT-ID.cbor and prints the path. --key approves it at once.\n"
               "--node also offers it to a node, where the other members approve it\n"
               "(teanode ledger approve --node) and the node appends it at the threshold.\n");
}

static int cmd_propose(int argc, char **argv) {
  const char *dir = lcli_dir_default(), *out = NULL, *node = NULL;
  char *keys[MAX_MEMBERS];
  size_t nkeys = 0;
  static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"out", 1, 0, 'o'}, {"key", 1, 0, 'k'},
                                     {"node", 1, 0, 'n'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "d:o:k:n:h", lo, NULL)) != -1) {
    if (ch == 'd') dir = optarg;
    else if (ch == 'n') node = optarg;
    else if (ch == 'o') out = optarg;
    else if (ch == 'k' && nkeys < MAX_MEMBERS) keys[nkeys++] = optarg;
    else if (ch == 'h') return usage_propose(stdout), 0;
    else return lcli_usage_err("propose", "unknown option");
  }
  size_t ntx = (size_t)(argc - optind);
  if (ntx > TEA_LEDGER_MAX_TXS) return lcli_usage_err("propose", "too many transactions");
  tea_error err = {0};
  tea_ledger *l;
  if (lcli_open_ledger(dir, false, &l, &err)) return lcli_err_out(&err);
  tea_ledger_slice *txs = calloc(ntx ? ntx : 1, sizeof *txs);
  int rc = txs ? 0 : FAIL;
  for (size_t i = 0; !rc && i < ntx; i++) {
    txs[i].p = tea_cli_read_file(argv[optind + (int)i], TEA_LEDGER_BLOCK_MAX, &txs[i].n, &err);
    if (!txs[i].p) rc = lcli_err_out(&err);
  }
  tea_ledger_block b;
  memset(&b, 0, sizeof b);
  if (!rc && tea_ledger_propose(l, txs, ntx, lcli_now(), &b, &err)) rc = lcli_err_out(&err);
  for (size_t i = 0; txs && i < ntx; i++) free((void *)txs[i].p);
  free(txs);
  if (!rc) rc = sign_and_store(l, dir, &b, keys, nkeys, out);
  if (!rc && node) rc = post_to_node(node, &b);
  tea_ledger_block_free(&b);
  tea_ledger_close(l);
  return rc;
}

static void usage_approve(FILE *out) {
  fprintf(out, "usage: teanode ledger approve [--dir DIR] --key FILE... PROPOSAL\n"
               "       teanode ledger approve [--dir DIR] --key FILE... --node URL\n\n"
               "Checks PROPOSAL against the ledger, adds the committee member's signature and\n"
               "saves it; with enough signatures the proposal is appended as a block (and the\n"
               "file removed). With --node: brings DIR's ledger up to the node's (every block\n"
               "verified), then checks and signs each proposal pending on the node and posts the\n"
               "signature back; the node appends a block once it has the threshold.\n");
}

static int cmd_approve(int argc, char **argv) {
  const char *dir = lcli_dir_default(), *node = NULL;
  char *keys[MAX_MEMBERS];
  size_t nkeys = 0;
  static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"key", 1, 0, 'k'}, {"node", 1, 0, 'n'},
                                     {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "d:k:n:h", lo, NULL)) != -1) {
    if (ch == 'd') dir = optarg;
    else if (ch == 'n') node = optarg;
    else if (ch == 'k' && nkeys < MAX_MEMBERS) keys[nkeys++] = optarg;
    else if (ch == 'h') return usage_approve(stdout), 0;
    else return lcli_usage_err("approve", "unknown option");
  }
  if (node && optind == argc && nkeys) return approve_from_node(dir, node, keys, nkeys);
  if (optind != argc - 1 || !nkeys) return lcli_usage_err("approve", "needs --key FILE and one PROPOSAL (or --node URL)");
  const char *path = argv[optind];
  tea_error err = {0};
  size_t n;
  uint8_t *buf = tea_cli_read_file(path, TEA_LEDGER_BLOCK_MAX, &n, &err);
  if (!buf) return lcli_err_out(&err);
  tea_ledger_block b;
  tea_code c = tea_ledger_block_decode(buf, n, &b, &err);
  free(buf);
  if (c) return lcli_err_out(&err);
  tea_ledger *l;
  int rc;
  if (lcli_open_ledger(dir, false, &l, &err)) rc = lcli_err_out(&err);
  else {
    rc = sign_and_store(l, dir, &b, keys, nkeys, path);
    tea_ledger_close(l);
  }
  tea_ledger_block_free(&b);
  return rc;
}

/* ---- views ---- */

static void usage_show(FILE *out) {
  fprintf(out, "usage: teanode ledger show [--dir DIR] [--height H] [--state]\n\n"
               "Prints a block (default: the head) as JSON, or with --state the registry as\n"
               "it was after that block: committee, nodes and their status, actors, runtimes,\n"
               "providers.\n");
}

static int parse_view(const char *cmd, int argc, char **argv, const char **dir, bool *has_h, uint64_t *h,
                      bool *state, void (*usage)(FILE *)) {
  static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"height", 1, 0, 'H'}, {"state", 0, 0, 's'},
                                     {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "d:H:sh", lo, NULL)) != -1) {
    if (ch == 'd') *dir = optarg;
    else if (ch == 'H') {
      if (!lcli_parse_u64(optarg, h)) return lcli_usage_err(cmd, "bad --height");
      *has_h = true;
    } else if (ch == 's' && state) *state = true;
    else if (ch == 'h') return usage(stdout), -1;
    else return lcli_usage_err(cmd, "unknown option");
  }
  return optind == argc ? 0 : lcli_usage_err(cmd, "unexpected argument");
}

static int cmd_show(int argc, char **argv) {
  const char *dir = lcli_dir_default();
  bool has_h = false, state = false;
  uint64_t h = 0;
  int rc = parse_view("show", argc, argv, &dir, &has_h, &h, &state, usage_show);
  if (rc) return rc < 0 ? 0 : rc;
  tea_error err = {0};
  tea_ledger *l;
  if (lcli_open_ledger(dir, false, &l, &err)) return lcli_err_out(&err);
  if (!has_h) h = tea_ledger_count(l) ? tea_ledger_count(l) - 1 : 0;
  char *json = NULL;
  if (state) {
    if (tea_ledger_state_json(l, h, &json, &err)) rc = lcli_err_out(&err);
  } else {
    uint8_t *buf;
    size_t n;
    tea_ledger_block b;
    if (tea_ledger_block_bytes(l, h, &buf, &n, &err)) rc = lcli_err_out(&err);
    else {
      if (tea_ledger_block_decode(buf, n, &b, &err) || tea_ledger_block_json(&b, &json, &err)) rc = lcli_err_out(&err);
      tea_ledger_block_free(&b);
      free(buf);
    }
  }
  if (json) printf("%s\n", json);
  free(json);
  tea_ledger_close(l);
  return rc;
}

static void usage_status(FILE *out) {
  fprintf(out, "usage: teanode ledger status [--dir DIR] [--height H]\n\n"
               "Summarises the ledger at H (default: the head): chain, head block, committee,\n"
               "and every registered node with its status.\n");
}

static bool print_node(void *ctx, const tea_ledger_node *n) {
  (void)ctx;
  char hex[65];
  tea_hex_encode(n->node, 32, hex);
  printf("  %s  %-11s tier %u  %s\n", hex, tea_node_status_name(n->status), n->tier, n->endpoint);
  return true;
}

static bool count_actor(void *ctx, const tea_ledger_actor *a) {
  if (!a->retired) ++*(size_t *)ctx;
  return true;
}

static int cmd_status(int argc, char **argv) {
  const char *dir = lcli_dir_default();
  bool has_h = false;
  uint64_t h = 0;
  int rc = parse_view("status", argc, argv, &dir, &has_h, &h, NULL, usage_status);
  if (rc) return rc < 0 ? 0 : rc;
  tea_error err = {0};
  tea_ledger *l;
  if (lcli_open_ledger(dir, false, &l, &err)) return lcli_err_out(&err);
  uint64_t count = tea_ledger_count(l);
  if (!count) {
    printf("ledger %s: no genesis yet\n", dir);
    tea_ledger_close(l);
    return 0;
  }
  if (!has_h) h = count - 1;
  tea_ledger_committee c;
  tea_cid cid;
  if (tea_ledger_committee_at(l, h, &c, &err) || tea_ledger_block_cid_at(l, h, &cid, &err)) {
    tea_ledger_close(l);
    return lcli_err_out(&err);
  }
  char hex[65], cs[TEA_CID_STR_MAX];
  tea_hex_encode(tea_ledger_chain_id(l), 32, hex);
  tea_cid_format(&cid, cs, NULL);
  size_t actors = 0;
  tea_ledger_each_actor(l, h, count_actor, &actors);
  printf("chain      %s\nheight     %" PRIu64 " (of %" PRIu64 " blocks)\nblock      %s\n"
         "committee  %u of %u\nactors     %zu\nnodes:\n",
         hex, h, count, cs, c.threshold, c.n, actors);
  tea_ledger_each_node(l, h, print_node, NULL);
  tea_ledger_close(l);
  return 0;
}

static void usage_verify(FILE *out) {
  fprintf(out, "usage: teanode ledger verify [--dir DIR] [--genesis CID]\n\n"
               "Re-reads every block and verifies the whole chain from genesis: links,\n"
               "committee signatures, every transaction. --genesis pins the expected genesis\n"
               "block. Prints the head and exits 0 when the chain is valid.\n");
}

static int cmd_verify(int argc, char **argv) {
  const char *dir = lcli_dir_default(), *pin = NULL;
  static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"genesis", 1, 0, 'g'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "d:g:h", lo, NULL)) != -1) {
    if (ch == 'd') dir = optarg;
    else if (ch == 'g') pin = optarg;
    else if (ch == 'h') return usage_verify(stdout), 0;
    else return lcli_usage_err("verify", "unknown option");
  }
  if (optind != argc) return lcli_usage_err("verify", "unexpected argument");
  tea_error err = {0};
  tea_ledger *l;
  /* Opening already verifies every block; verify_all does it again from the bytes. */
  if (lcli_open_ledger(dir, false, &l, &err)) return lcli_err_out(&err);
  int rc = 0;
  tea_cid g, head;
  if (tea_ledger_verify_all(l, &err) || tea_ledger_block_cid_at(l, 0, &g, &err)) rc = lcli_err_out(&err);
  if (!rc && pin) {
    tea_cid want;
    if (tea_cid_parse_cstr(pin, &want, &err)) rc = lcli_err_out(&err);
    else if (!tea_cid_equal(&want, &g)) rc = (fprintf(stderr, "error: genesis is not %s\n", pin), FAIL);
  }
  if (!rc) {
    tea_ledger_block_cid_at(l, tea_ledger_count(l) - 1, &head, NULL);
    char s[TEA_CID_STR_MAX];
    tea_cid_format(&head, s, NULL);
    printf("valid: %" PRIu64 " blocks, head %s\n", tea_ledger_count(l), s);
  }
  tea_ledger_close(l);
  return rc;
}

/* ---- dispatch ---- */

static void usage_ledger(FILE *out) {
  fprintf(out, "usage: teanode ledger COMMAND ...\n\n"
               "commands:\n"
               "  keygen    make an Ed25519 key pair\n"
               "  init      create a ledger and its genesis proposal\n"
               "  tx        build and sign one transaction\n"
               "  propose   make a candidate block from transactions\n"
               "  approve   sign a proposal (appended once M members signed)\n"
               "  show      print a block or the registry at a height as JSON\n"
               "  status    summarise the ledger and its nodes\n"
               "  verify    verify the whole chain from genesis\n\n"
               "The ledger directory is --dir DIR, else $TEA_LEDGER_DIR, else ./ledger.\n"
               "With $TEA_LEDGER_ETCD=etcd://HOST:PORT[,HOST:PORT...][/PREFIX] (or\n"
               "http://HOST:PORT[,...] with $TEA_LEDGER_ETCD_PREFIX) the blocks are kept in etcd\n"
               "(key prefix default /tea/ledger/) instead of DIR/ledger.log.\n"
               "Run 'teanode ledger COMMAND --help' for a command's options.\n");
}

int tea_cmd_ledger(int argc, char **argv) {
  if (argc < 2) {
    usage_ledger(stderr);
    return TEA_CLI_USAGE;
  }
  if (tea_cli_is_help(argv[1])) {
    usage_ledger(stdout);
    return 0;
  }
  static const struct {
    const char *name;
    int (*run)(int, char **);
  } subs[] = {{"keygen", cmd_keygen}, {"init", cmd_init},     {"tx", lcli_cmd_tx},    {"propose", cmd_propose},
              {"approve", cmd_approve}, {"show", cmd_show}, {"status", cmd_status}, {"verify", cmd_verify}};
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    if (strcmp(argv[1], subs[i].name) == 0) {
      optind = 1; /* each subcommand parses its own argv from the start */
      return subs[i].run(argc - 1, argv + 1);
    }
  fprintf(stderr, "teanode ledger: unknown command '%s' (try --help)\n", argv[1]);
  return TEA_CLI_USAGE;
}
