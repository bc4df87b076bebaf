/* teanode verify: checks a proof-of-trust receipt and prints every check with its
 * result. The checks themselves are tea_receipt_verify's (src/trust); this file reads
 * the files, picks the policy source and prints.
 *
 * Policies: --policy FILE (a JSON policy table, docs/trust.md) or --ledger (the
 * node layer answers the policy questions from a ledger copy). --replay re-runs
 * the call through the node layer's tea_node_replay (code, ledger record,
 * transcript). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "tea/ledger.h"
#include "tea/node.h"
#include "tea/trust.h"

#define EXIT_FAIL 1

static void usage(FILE *out) {
  fprintf(out,
          "usage: teanode verify RECEIPT (--policy FILE | --ledger DIR|URL) [--input FILE]\n"
          "                      [--replay --code MODULE.wasm --transcript FILE]\n"
          "                      [--prev RECEIPT] [--json]\n"
          "\n"
          "Checks a proof-of-trust receipt (its CBOR file) and prints each check:\n"
          "  signature  signed by the node key it names\n"
          "  node       node registered and not quarantined at the receipt's height\n"
          "  block      the receipt's block hash is the ledger's at that height\n"
          "  runtime    runtime hash approved at that height\n"
          "  actor      actor name and CID approved at that height\n"
          "  providers  every provider used approved at that height\n"
          "  input      SHA-256 of --input equals the receipt's (skipped without --input)\n"
          "  quote      the attached TPM quote binds the receipt and its event log is\n"
          "             approved (skipped when no quote is attached)\n"
          "  replay     re-executing the actor gives the same output (with --replay)\n"
          "  chain      it follows --prev: the node's next seq, prev = that receipt's hash\n"
          "\n"
          "options:\n"
          "  --policy FILE    judge against a JSON policy file (see docs/trust.md)\n"
          "  --ledger DIR|FILE|URL judge against a ledger: a committee's directory, a\n"
          "                   ledger file, or a node's URL (pulled into ./tea-verify-ledger.log;\n"
          "                   an empty copy takes the node's genesis on first use), or an\n"
          "                   etcd ledger etcd://HOST:PORT[,...][/PREFIX] (read and verified)\n"
          "  --input FILE     the request's input (plaintext, also for sealed requests)\n"
          "  --replay         re-execute the actor on --input, answering its host calls from\n"
          "                   --transcript (teanode call --transcript saves it); --code is the\n"
          "                   actor's module, checked against the receipt's CID; needs --ledger\n"
          "  --prev RECEIPT   the node's previous receipt, to check the chain\n"
          "  --json           print the checks as JSON\n"
          "  -h, --help       show this help\n"
          "\n"
          "exit status: 0 when every check that ran passed, 1 when one failed or the\n"
          "receipt could not be read, 2 on a bad command line.\n");
}

/* Stands in for the actor host until it can re-execute: an honest failure rather than
 * a silent skip, since the user asked for it. */
static void print_text(const tea_receipt *r, const uint8_t hash[32], const tea_receipt_report *rep) {
  char h[65], node[65];
  tea_hex_encode(hash, 32, h);
  tea_hex_encode(r->node, 32, node);
  printf("receipt %s\n  node %s, actor %s %s, op %s, height %" PRIu64 ", seq %" PRIu64 "\n", h, node,
         r->actor, r->cid, r->op, r->height, r->seq);
  for (int c = 0; c < TEA_RC_COUNT; c++)
    printf("  %-10s %-4s  %s\n", tea_receipt_check_name((tea_receipt_check)c),
           tea_check_result_name(rep->result[c]), rep->detail[c]);
  if (rep->pass) {
    printf("PASS\n");
    return;
  }
  printf("FAIL:");
  for (int c = 0; c < TEA_RC_COUNT; c++)
    if (rep->result[c] == TEA_CHECK_FAIL) printf(" %s", tea_receipt_check_name((tea_receipt_check)c));
  printf("\n");
}

static int print_json(const tea_receipt *r, const uint8_t hash[32], const tea_receipt_report *rep) {
  char h[65], node[65];
  tea_hex_encode(hash, 32, h);
  tea_hex_encode(r->node, 32, node);
  json_t *checks = json_array();
  for (int c = 0; c < TEA_RC_COUNT; c++)
    json_array_append_new(checks, json_pack("{s:s, s:s, s:s}", "check", tea_receipt_check_name((tea_receipt_check)c),
                                            "result", tea_check_result_name(rep->result[c]), "detail",
                                            rep->detail[c]));
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:o}", "receipt", h, "node", node, "actor",
                        r->actor, "op", r->op, "cid", r->cid, "height", (json_int_t)r->height, "seq", (json_int_t)r->seq, "pass",
                        rep->pass, "checks", checks);
  if (!o) return -1;
  char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(o);
  if (!s) return -1;
  printf("%s\n", s);
  free(s);
  return 0;
}

int tea_cmd_verify(int argc, char **argv) {
  const char *receipt_path = NULL, *policy = NULL, *ledger = NULL, *input_path = NULL, *prev_path = NULL;
  const char *code_path = NULL, *transcript_path = NULL;
  bool replay = false, json = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (tea_cli_is_help(a)) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--policy") == 0 && i + 1 < argc) {
      policy = argv[++i];
    } else if (strcmp(a, "--ledger") == 0 && i + 1 < argc) {
      ledger = argv[++i];
    } else if (strcmp(a, "--input") == 0 && i + 1 < argc) {
      input_path = argv[++i];
    } else if (strcmp(a, "--prev") == 0 && i + 1 < argc) {
      prev_path = argv[++i];
    } else if (strcmp(a, "--code") == 0 && i + 1 < argc) {
      code_path = argv[++i];
    } else if (strcmp(a, "--transcript") == 0 && i + 1 < argc) {
      transcript_path = argv[++i];
    } else if (strcmp(a, "--replay") == 0) {
      replay = true;
    } else if (strcmp(a, "--json") == 0) {
      json = true;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "teanode verify: unknown option or missing value: %s\n", a);
      usage(stderr);
      return TEA_CLI_USAGE;
    } else if (!receipt_path) {
      receipt_path = a;
    } else {
      fprintf(stderr, "teanode verify: more than one RECEIPT\n");
      return TEA_CLI_USAGE;
    }
  }
  if (!receipt_path || (!policy == !ledger)) {
    fprintf(stderr, "teanode verify: need RECEIPT and exactly one of --policy, --ledger\n");
    usage(stderr);
    return TEA_CLI_USAGE;
  }
  if (replay && (!input_path || !code_path || !transcript_path || !ledger)) {
    fprintf(stderr, "teanode verify: --replay needs --input, --code, --transcript and --ledger\n");
    return TEA_CLI_USAGE;
  }

  int status = EXIT_FAIL;
  tea_error err;
  tea_error_clear(&err);
  uint8_t *rbuf = NULL, *input = NULL, *pbuf = NULL, *code = NULL, *transcript = NULL;
  size_t rlen = 0, ilen = 0, plen = 0, clen = 0, tlen = 0;
  tea_policy_table *table = NULL;
  tea_ledger *chain = NULL;
  tea_receipt r, prev;
  tea_receipt_init(&r);
  tea_receipt_init(&prev);
  if (!(rbuf = tea_cli_read_or_say(receipt_path, &rlen))) goto done;
  if (input_path && !(input = tea_cli_read_or_say(input_path, &ilen))) goto done;
  if (code_path && !(code = tea_cli_read_or_say(code_path, &clen))) goto done;
  if (transcript_path && !(transcript = tea_cli_read_or_say(transcript_path, &tlen))) goto done;
  if (tea_receipt_decode(rbuf, rlen, &r, &err)) {
    fprintf(stderr, "error: %s is not a receipt: %s\n", receipt_path, err.msg);
    goto done;
  }
  if (prev_path) {
    if (!(pbuf = tea_cli_read_or_say(prev_path, &plen))) goto done;
    if (tea_receipt_decode(pbuf, plen, &prev, &err)) {
      fprintf(stderr, "error: %s is not a receipt: %s\n", prev_path, err.msg);
      goto done;
    }
  }
  tea_policy p;
  if (ledger) {
    if (tea_node_ledger_open_copy(ledger, "tea-verify-ledger.log", &chain, &err)) {
      fprintf(stderr, "error: %s\n", err.msg);
      goto done;
    }
    tea_node_policy(&p, chain);
  } else {
    if (tea_policy_table_load_json(policy, &table, &err)) {
      fprintf(stderr, "error: %s\n", err.msg);
      goto done;
    }
    p = tea_policy_table_policy(table);
  }
  tea_receipt_verify_opts o = {.input = input,
                               .input_len = ilen,
                               .replay = replay ? tea_node_replay : NULL,
                               .prev = prev_path ? &prev : NULL};
  tea_node_replay_ctx rctx = {chain, code, clen, transcript, tlen};
  o.replay_ctx = &rctx;
  tea_receipt_report rep;
  uint8_t hash[32];
  if (tea_receipt_verify(&p, &r, &o, &rep, &err) || tea_receipt_hash(&r, hash, &err)) {
    fprintf(stderr, "error: %s\n", err.msg);
    goto done;
  }
  if (json) {
    if (print_json(&r, hash, &rep)) {
      fprintf(stderr, "error: out of memory\n");
      goto done;
    }
  } else {
    print_text(&r, hash, &rep);
  }
  status = rep.pass ? 0 : EXIT_FAIL;
done:
  tea_receipt_free(&r);
  tea_receipt_free(&prev);
  tea_policy_table_free(table);
  tea_ledger_close(chain);
  free(rbuf);
  free(pbuf);
  free(code);
  free(transcript);
  free(input);
  return status;
}
