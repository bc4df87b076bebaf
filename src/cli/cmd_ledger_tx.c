/* teanode ledger tx KIND: builds one transaction from command-line fields, signs it
 * with a key file and writes its canonical encoding to a file, ready for
 * `teanode ledger propose`. The fields of each kind are in usage_tx below and in
 * docs/ledger.md. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/ledger_cli.h"

#define MAX_MEMBERS TEA_LEDGER_MAX_COMMITTEE
#define FAIL LCLI_FAIL

static void usage_tx(FILE *out) {
  fprintf(out,
          "usage: teanode ledger tx KIND [--dir DIR] --key FILE --out FILE [FIELDS]\n\n"
          "Builds one transaction for the ledger in DIR, signed by FILE's key, and writes\n"
          "it (canonical CBOR) to --out. KIND and its fields:\n"
          "  committee.set      --member HEX... --threshold M\n"
          "  runtime.approve    --hash HEX --version V --platform P\n"
          "  runtime.retire     --hash HEX --at HEIGHT   (valid below HEIGHT)\n"
          "  actor.register     --name N --cid CID [--issuer HEX...] [--cap C...] [--min-rev N]\n"
          "  actor.update         [--fuel N] [--memory BYTES]   (same fields)\n"
          "  actor.retire       --name N\n"
          "  provider.register  --name N --artifact PLATFORM=HEX|CID...\n"
          "  node.register      --ak-file FILE --ak-alg ALG --enc HEX --endpoint URL --tier N\n"
          "                     [--evidence-file FILE]   (--key is the node key)\n"
          "  verdict            --subject HEX --vnonce HEX --result pass|fail [--reason TEXT]\n"
          "                     [--evidence HEX] --fresh-height H   (--key is the attestor)\n"
          "  node.quarantine    --node HEX [--reason TEXT]\n"
          "  node.reinstate     --node HEX [--reason TEXT]\n"
          "  upgrade            --actor N --cid CID --wave TIER=HEIGHT... --passes N\n"
          "common: --nonce N (default random), -h/--help\n");
}

typedef struct tx_args {
  const char *dir, *key, *out;
  bool has_nonce;
  uint64_t nonce;
} tx_args;

static int tx_bad(const char *what) { return lcli_usage_err("tx", what); }

static int parse_artifact(const char *s, tea_ledger_artifact *a) {
  const char *eq = strchr(s, '=');
  if (!eq || eq == s || (size_t)(eq - s) >= sizeof a->platform) return 0;
  memcpy(a->platform, s, (size_t)(eq - s));
  a->platform[eq - s] = '\0';
  if (lcli_parse_hex(eq + 1, a->hash, TEA_SHA256_LEN)) return 1;
  a->is_cid = true;
  if (tea_cid_parse_cstr(eq + 1, &a->cid, NULL)) return 0;
  a->cid = tea_cid_to_v1(&a->cid);
  return 1;
}

int lcli_cmd_tx(int argc, char **argv) {
  if (argc < 2 || tea_cli_is_help(argv[1])) {
    usage_tx(argc < 2 ? stderr : stdout);
    return argc < 2 ? TEA_CLI_USAGE : 0;
  }
  tea_tx_kind kind = tea_tx_kind_parse(argv[1]);
  if (!kind) return tx_bad("unknown transaction kind");
  argc--; /* options follow KIND */
  argv++;
  tea_ledger_tx *tx = calloc(1, sizeof *tx);
  if (!tx) return FAIL;
  tx->kind = kind;
  tx_args a = {.dir = lcli_dir_default()};
  const char *ak_file = NULL, *ev_file = NULL;
  bool has_fresh = false;
  enum { O_DIR = 256, O_KEY, O_OUT, O_NONCE, O_MEMBER, O_THRESHOLD, O_HASH, O_VERSION, O_PLATFORM, O_AT, O_NAME,
         O_CID, O_ISSUER, O_CAP, O_MINREV, O_FUEL, O_MEMORY, O_ARTIFACT, O_AKFILE, O_AKALG, O_ENC, O_ENDPOINT,
         O_TIER, O_EVFILE, O_SUBJECT, O_VNONCE, O_RESULT, O_REASON, O_EVIDENCE, O_FRESH, O_NODE, O_ACTOR,
         O_WAVE, O_PASSES };
  static const struct option lo[] = {
      {"dir", 1, 0, O_DIR},         {"key", 1, 0, O_KEY},           {"out", 1, 0, O_OUT},
      {"nonce", 1, 0, O_NONCE},     {"member", 1, 0, O_MEMBER},     {"threshold", 1, 0, O_THRESHOLD},
      {"hash", 1, 0, O_HASH},       {"version", 1, 0, O_VERSION},   {"platform", 1, 0, O_PLATFORM},
      {"at", 1, 0, O_AT},           {"name", 1, 0, O_NAME},         {"cid", 1, 0, O_CID},
      {"issuer", 1, 0, O_ISSUER},   {"cap", 1, 0, O_CAP},           {"min-rev", 1, 0, O_MINREV},
      {"fuel", 1, 0, O_FUEL},       {"memory", 1, 0, O_MEMORY},     {"artifact", 1, 0, O_ARTIFACT},
      {"ak-file", 1, 0, O_AKFILE},  {"ak-alg", 1, 0, O_AKALG},      {"enc", 1, 0, O_ENC},
      {"endpoint", 1, 0, O_ENDPOINT}, {"tier", 1, 0, O_TIER},       {"evidence-file", 1, 0, O_EVFILE},
      {"subject", 1, 0, O_SUBJECT}, {"vnonce", 1, 0, O_VNONCE},     {"result", 1, 0, O_RESULT},
      {"reason", 1, 0, O_REASON},   {"evidence", 1, 0, O_EVIDENCE}, {"fresh-height", 1, 0, O_FRESH},
      {"node", 1, 0, O_NODE},       {"actor", 1, 0, O_ACTOR},       {"wave", 1, 0, O_WAVE},
      {"passes", 1, 0, O_PASSES},   {"help", 0, 0, 'h'},            {0, 0, 0, 0}};
  tea_ledger_actor *ac = &tx->u.actor;
  tea_ledger_verdict *v = &tx->u.verdict;
  tea_ledger_upgrade *up = &tx->u.upgrade;
  char *reason = kind == TEA_TX_VERDICT ? v->reason : tx->u.quarantine.reason;
  /* Which kinds each field belongs to: the fields share a union, so a field given for
   * the wrong kind must be refused, not written over another's. */
#define K(k) (1u << (k))
  const uint32_t actor_k = K(TEA_TX_ACTOR_REGISTER) | K(TEA_TX_ACTOR_UPDATE);
  const uint32_t node_k = K(TEA_TX_QUARANTINE) | K(TEA_TX_REINSTATE);
  const struct {
    int opt;
    uint32_t kinds;
  } fields[] = {
      {O_MEMBER, K(TEA_TX_COMMITTEE)}, {O_THRESHOLD, K(TEA_TX_COMMITTEE)},
      {O_HASH, K(TEA_TX_RUNTIME_APPROVE) | K(TEA_TX_RUNTIME_RETIRE)}, {O_VERSION, K(TEA_TX_RUNTIME_APPROVE)},
      {O_PLATFORM, K(TEA_TX_RUNTIME_APPROVE)}, {O_AT, K(TEA_TX_RUNTIME_RETIRE)},
      {O_NAME, actor_k | K(TEA_TX_ACTOR_RETIRE) | K(TEA_TX_PROVIDER)}, {O_CID, actor_k | K(TEA_TX_UPGRADE)},
      {O_ISSUER, actor_k}, {O_CAP, actor_k}, {O_MINREV, actor_k}, {O_FUEL, actor_k}, {O_MEMORY, actor_k},
      {O_ARTIFACT, K(TEA_TX_PROVIDER)}, {O_AKFILE, K(TEA_TX_NODE_REGISTER)}, {O_AKALG, K(TEA_TX_NODE_REGISTER)},
      {O_ENC, K(TEA_TX_NODE_REGISTER)}, {O_ENDPOINT, K(TEA_TX_NODE_REGISTER)}, {O_TIER, K(TEA_TX_NODE_REGISTER)},
      {O_EVFILE, K(TEA_TX_NODE_REGISTER)}, {O_SUBJECT, K(TEA_TX_VERDICT)}, {O_VNONCE, K(TEA_TX_VERDICT)},
      {O_RESULT, K(TEA_TX_VERDICT)}, {O_EVIDENCE, K(TEA_TX_VERDICT)}, {O_FRESH, K(TEA_TX_VERDICT)},
      {O_REASON, K(TEA_TX_VERDICT) | node_k}, {O_NODE, node_k}, {O_ACTOR, K(TEA_TX_UPGRADE)},
      {O_WAVE, K(TEA_TX_UPGRADE)}, {O_PASSES, K(TEA_TX_UPGRADE)},
  };
#undef K
  int rc = 0, ch;
  while (!rc && (ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    const char *s = optarg;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
      if (fields[i].opt == ch && !(fields[i].kinds & (1u << kind))) {
        fprintf(stderr, "teanode ledger tx: %s takes no --%s\n", tea_tx_kind_name(kind), lo[ch - O_DIR].name);
        free(tx);
        return TEA_CLI_USAGE;
      }
#define TXT(dst) (strlen(s) < sizeof(dst) ? (strcpy(dst, s), 0) : tx_bad("value too long"))
    switch (ch) {
    case O_DIR: a.dir = s; break;
    case O_KEY: a.key = s; break;
    case O_OUT: a.out = s; break;
    case O_NONCE: rc = lcli_parse_u64(s, &a.nonce) ? (a.has_nonce = true, 0) : tx_bad("bad --nonce"); break;
    case O_MEMBER:
      if (tx->u.committee.n == MAX_MEMBERS || !lcli_parse_hex(s, tx->u.committee.keys[tx->u.committee.n++], 32))
        rc = tx_bad("bad --member");
      break;
    case O_THRESHOLD: rc = lcli_parse_u32(s, &tx->u.committee.threshold) ? 0 : tx_bad("bad --threshold"); break;
    case O_HASH: rc = lcli_parse_hex(s, tx->u.runtime.hash, 32) ? 0 : tx_bad("--hash takes 64 hex digits"); break;
    case O_VERSION: rc = TXT(tx->u.runtime.version); break;
    case O_PLATFORM: rc = TXT(tx->u.runtime.platform); break;
    case O_AT: rc = lcli_parse_u64(s, &tx->u.runtime.retire_height) ? 0 : tx_bad("bad --at"); break;
    case O_NAME: rc = kind == TEA_TX_PROVIDER ? TXT(tx->u.provider.name) : TXT(ac->name); break;
    case O_CID: {
      tea_cid *dst = kind == TEA_TX_UPGRADE ? &up->cid : &ac->cid;
      rc = tea_cid_parse_cstr(s, dst, NULL) ? tx_bad("bad --cid") : 0;
      *dst = tea_cid_to_v1(dst); /* links in records are CIDv1 */
      break;
    }
    case O_ISSUER:
      if (ac->nissuers == TEA_LEDGER_MAX_ISSUERS || !lcli_parse_hex(s, ac->issuers[ac->nissuers++], 32)) rc = tx_bad("bad --issuer");
      break;
    case O_CAP:
      if (ac->ncaps == TEA_LEDGER_MAX_CAPS || strlen(s) >= TEA_LEDGER_NAME_MAX) rc = tx_bad("bad --cap");
      else strcpy(ac->caps[ac->ncaps++], s);
      break;
    case O_MINREV: rc = lcli_parse_u64(s, &ac->min_rev) ? 0 : tx_bad("bad --min-rev"); break;
    case O_FUEL: rc = lcli_parse_u64(s, &ac->limits.fuel) ? 0 : tx_bad("bad --fuel"); break;
    case O_MEMORY: rc = lcli_parse_u64(s, &ac->limits.memory) ? 0 : tx_bad("bad --memory"); break;
    case O_ARTIFACT:
      if (tx->u.provider.n == TEA_LEDGER_MAX_PLATFORMS || !parse_artifact(s, &tx->u.provider.a[tx->u.provider.n++]))
        rc = tx_bad("--artifact takes PLATFORM=HEX or PLATFORM=CID");
      break;
    case O_AKFILE: ak_file = s; break;
    case O_AKALG: rc = TXT(tx->u.node.ak_alg); break;
    case O_ENC: rc = lcli_parse_hex(s, tx->u.node.enc, 32) ? 0 : tx_bad("--enc takes 64 hex digits"); break;
    case O_ENDPOINT: rc = TXT(tx->u.node.endpoint); break;
    case O_TIER: rc = lcli_parse_u32(s, &tx->u.node.tier) ? 0 : tx_bad("bad --tier"); break;
    case O_EVFILE: ev_file = s; break;
    case O_SUBJECT: rc = lcli_parse_hex(s, v->subject, 32) ? 0 : tx_bad("--subject takes 64 hex digits"); break;
    case O_VNONCE: {
      size_t n;
      rc = tea_hex_decode(s, strlen(s), v->nonce, sizeof v->nonce, &n, NULL) ? tx_bad("bad --vnonce") : 0;
      v->nonce_len = n;
      break;
    }
    case O_RESULT:
      if (strcmp(s, "pass") && strcmp(s, "fail")) rc = tx_bad("--result is pass or fail");
      v->pass = strcmp(s, "pass") == 0;
      break;
    case O_REASON:
      rc = strlen(s) < TEA_LEDGER_TEXT_MAX ? (strcpy(reason, s), 0) : tx_bad("reason too long");
      break;
    case O_EVIDENCE: rc = lcli_parse_hex(s, v->evidence_hash, 32) ? 0 : tx_bad("--evidence takes 64 hex digits"); break;
    case O_FRESH: rc = lcli_parse_u64(s, &v->fresh_height) ? (has_fresh = true, 0) : tx_bad("bad --fresh-height"); break;
    case O_NODE: rc = lcli_parse_hex(s, tx->u.quarantine.node, 32) ? 0 : tx_bad("--node takes 64 hex digits"); break;
    case O_ACTOR: rc = TXT(up->actor); break;
    case O_WAVE: {
      const char *eq = strchr(s, '=');
      char tier[16];
      if (!eq || (size_t)(eq - s) >= sizeof tier || up->nwaves == TEA_LEDGER_MAX_WAVES) {
        rc = tx_bad("--wave takes TIER=HEIGHT");
        break;
      }
      memcpy(tier, s, (size_t)(eq - s));
      tier[eq - s] = '\0';
      tea_ledger_wave *w = &up->waves[up->nwaves++];
      if (!lcli_parse_u32(tier, &w->tier) || !lcli_parse_u64(eq + 1, &w->start)) rc = tx_bad("--wave takes TIER=HEIGHT");
      break;
    }
    case O_PASSES: rc = lcli_parse_u32(s, &up->passes) ? 0 : tx_bad("bad --passes"); break;
    case 'h': usage_tx(stdout); free(tx); return 0;
    default: rc = tx_bad("unknown option");
    }
#undef TXT
  }
  if (!rc && (optind != argc || !a.key || !a.out)) rc = tx_bad("needs --key FILE and --out FILE");
  if (!rc && kind == TEA_TX_VERDICT && !has_fresh) rc = tx_bad("a verdict needs --fresh-height");
  if (rc) {
    free(tx);
    return rc;
  }
  /* Sets must be sorted and distinct: that is their one canonical encoding. */
  qsort(tx->u.committee.keys, kind == TEA_TX_COMMITTEE ? tx->u.committee.n : 0, 32, lcli_key_cmp);
  if (kind == TEA_TX_ACTOR_REGISTER || kind == TEA_TX_ACTOR_UPDATE) {
    qsort(ac->issuers, ac->nissuers, 32, lcli_key_cmp);
    qsort(ac->caps, ac->ncaps, TEA_LEDGER_NAME_MAX, lcli_str_cmp);
    if (!lcli_sorted_distinct(ac->issuers, ac->nissuers, 32, lcli_key_cmp) ||
        !lcli_sorted_distinct(ac->caps, ac->ncaps, TEA_LEDGER_NAME_MAX, lcli_str_cmp))
      rc = tx_bad("an issuer or capability is listed twice");
  }
  if (kind == TEA_TX_COMMITTEE && !lcli_sorted_distinct(tx->u.committee.keys, tx->u.committee.n, 32, lcli_key_cmp))
    rc = tx_bad("a member is listed twice");
  tea_error err = {0};
  tea_ledger *l = NULL;
  tea_ledger_keypair kp;
  memset(&kp, 0, sizeof kp);
  if (!rc && (lcli_open_ledger(a.dir, false, &l, &err) || tea_ledger_key_load(a.key, &kp, &err))) rc = lcli_err_out(&err);
  if (!rc && !tea_ledger_count(l)) rc = (fprintf(stderr, "error: the ledger has no genesis yet\n"), FAIL);
  if (!rc && kind == TEA_TX_NODE_REGISTER) {
    memcpy(tx->u.node.node, kp.pk, 32);
    size_t n = 0;
    uint8_t *buf = ak_file ? tea_cli_read_file(ak_file, TEA_LEDGER_AK_MAX, &n, &err) : NULL;
    if (!buf) rc = ak_file ? lcli_err_out(&err) : tx_bad("node.register needs --ak-file");
    else memcpy(tx->u.node.ak, buf, tx->u.node.ak_len = n);
    free(buf);
    if (!rc && ev_file) {
      buf = tea_cli_read_file(ev_file, TEA_LEDGER_EVIDENCE_MAX, &n, &err);
      if (!buf) rc = lcli_err_out(&err);
      else memcpy(tx->u.node.evidence, buf, tx->u.node.evidence_len = n);
      free(buf);
    }
  }
  if (!rc && kind == TEA_TX_VERDICT && tea_ledger_block_cid_at(l, v->fresh_height, &v->fresh_cid, &err))
    rc = lcli_err_out(&err);
  if (!rc) {
    memcpy(tx->chain, tea_ledger_chain_id(l), 32);
    if (a.has_nonce) tx->nonce = a.nonce;
    else {
      /* 53 bits: exact in JavaScript clients reading the JSON views. */
      randombytes_buf(&tx->nonce, sizeof tx->nonce);
      tx->nonce &= (1ull << 53) - 1;
    }
    uint8_t *buf;
    size_t n;
    if (tea_ledger_tx_sign(tx, &kp, &err) || tea_ledger_tx_encode(tx, &buf, &n, &err)) rc = lcli_err_out(&err);
    else {
      /* Decode what was written: the file must be something the ledger accepts. */
      if (tea_ledger_tx_decode(buf, n, tx, &err) || lcli_spit(a.out, buf, n, &err)) rc = lcli_err_out(&err);
      free(buf);
    }
  }
  sodium_memzero(&kp, sizeof kp);
  tea_ledger_close(l);
  free(tx);
  return rc;
}

