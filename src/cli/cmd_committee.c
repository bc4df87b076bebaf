/* The committee's side of running a network:
 *   teanode collect --node URL... --out DIR   fetch nodes' pending verdicts as
 *                                             transaction files for `ledger propose`
 *   teanode publish --dir LEDGER --node URL   offer a node the blocks it lacks
 * Nodes verify every block they are offered; publishing needs no trust. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "tea/cbor.h"
#include "node/internal.h"

#define MAX_NODES 64

int tea_cmd_collect(int argc, char **argv) {
  static const struct option opts[] = {{"node", required_argument, 0, 'n'},
                                       {"out", required_argument, 0, 'o'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *nodes[MAX_NODES], *out = NULL;
  size_t nn = 0;
  optind = 1;
  for (int o; (o = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
    if (o == 'n' && nn < MAX_NODES) nodes[nn++] = optarg;
    else if (o == 'o') out = optarg;
    else if (o == 'h') {
      printf("usage: teanode collect --node URL... --out DIR\n"
             "Fetches each node's pending transactions (its attestation verdicts, and its own\n"
             "registration while the ledger does not list it) into DIR/verdict-N.tx, for\n"
             "`teanode ledger propose`. Prints the files written.\n");
      return 0;
    } else {
      return TEA_CLI_USAGE;
    }
  }
  if (!nn || !out || optind != argc) {
    fprintf(stderr, "usage: teanode collect --node URL... --out DIR\n");
    return TEA_CLI_USAGE;
  }
  mkdir(out, 0700);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  size_t written = 0;
  int rc = 0;
  for (size_t i = 0; i < nn; i++) {
    char url[600];
    snprintf(url, sizeof url, "%s/v1/ledger/pending", nodes[i]);
    uint8_t *buf;
    size_t len;
    tea_error err;
    if (node_http_get(url, "application/cbor", &buf, &len, &err) != TEA_OK) {
      fprintf(stderr, "warning: %s\n", err.msg);
      continue;
    }
    tea_cbor_reader r;
    uint64_t count = 0;
    if (tea_cbor_reader_init(&r, buf, len, &err) != TEA_OK || tea_cbor_read_array(&r, &count, &err) != TEA_OK) {
      fprintf(stderr, "warning: %s: %s\n", nodes[i], err.msg);
      count = 0;
    }
    for (uint64_t k = 0; k < count; k++) {
      const uint8_t *tx;
      size_t txl;
      if (tea_cbor_read_bytes(&r, &tx, &txl, &err) != TEA_OK) break;
      char path[600];
      snprintf(path, sizeof path, "%s/verdict-%zu.tx", out, written);
      FILE *f = fopen(path, "wb");
      if (!f || fwrite(tx, 1, txl, f) != txl) {
        fprintf(stderr, "error: cannot write %s\n", path);
        rc = 1;
      } else {
        printf("%s\n", path);
        written++;
      }
      if (f) fclose(f);
    }
    free(buf);
  }
  curl_global_cleanup();
  return rc;
}

static size_t discard(char *p, size_t size, size_t n, void *ud) {
  (void)p;
  (void)ud;
  return size * n;
}

static long post_block(const char *node, const uint8_t *b, size_t len) {
  CURL *c = curl_easy_init();
  char url[600];
  snprintf(url, sizeof url, "%s/v1/ledger/blocks", node);
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/cbor");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)b);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  long status = -1;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return status;
}

int tea_cmd_publish(int argc, char **argv) {
  static const struct option opts[] = {{"dir", required_argument, 0, 'd'},
                                       {"node", required_argument, 0, 'n'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *dir = "ledger", *nodes[MAX_NODES];
  size_t nn = 0;
  optind = 1;
  for (int o; (o = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
    if (o == 'd') dir = optarg;
    else if (o == 'n' && nn < MAX_NODES) nodes[nn++] = optarg;
    else if (o == 'h') {
      printf("usage: teanode publish [--dir LEDGER] --node URL...\n"
             "Offers each node the blocks of the committee's ledger that it lacks (it verifies them).\n");
      return 0;
    } else {
      return TEA_CLI_USAGE;
    }
  }
  if (!nn || optind != argc) {
    fprintf(stderr, "usage: teanode publish [--dir LEDGER] --node URL...\n");
    return TEA_CLI_USAGE;
  }
  tea_error err;
  tea_ledger *l;
  if (tea_node_ledger_open_copy(dir, NULL, &l, &err) != TEA_OK) {
    fprintf(stderr, "error: %s\n", err.msg);
    return 1;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = 0;
  for (size_t i = 0; i < nn; i++) {
    /* where is the node? its status says */
    char url[600];
    snprintf(url, sizeof url, "%s/v1/status", nodes[i]);
    uint8_t *buf;
    size_t len;
    long long height = -1;
    if (node_http_get(url, "application/json", &buf, &len, &err) == TEA_OK) {
      char *p = memmem(buf, len, "\"ledger_height\":", 16);
      if (p) height = strtoll(p + 16, NULL, 10);
      free(buf);
    }
    size_t sent = 0;
    for (uint64_t h = (uint64_t)(height + 1); h < tea_ledger_count(l); h++) {
      uint8_t *b;
      size_t bl;
      if (tea_ledger_block_bytes(l, h, &b, &bl, &err) != TEA_OK) break;
      long st = post_block(nodes[i], b, bl);
      free(b);
      if (st != 200) {
        fprintf(stderr, "error: %s refused block %llu (HTTP %ld)\n", nodes[i], (unsigned long long)h, st);
        rc = 1;
        break;
      }
      sent++;
    }
    printf("%s: %zu block(s) sent\n", nodes[i], sent);
  }
  tea_ledger_close(l);
  curl_global_cleanup();
  return rc;
}
