/* teanode cas: the content-addressed blob store from the command line (put, get, cid,
 * pin, gc) over include/tea/cas.h. Files are UnixFS DAGs as `ipfs add --cid-version=1
 * --raw-leaves` builds them, so the CIDs printed match IPFS.
 * Exit status: 0 success, 1 failure, 2 bad command line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tea/cas.h"

#define FAIL 1

static const char *store_default(void) {
  const char *d = getenv("TEA_CAS_DIR");
  return d && *d ? d : "cas";
}

static int err_out(const tea_error *err) {
  fprintf(stderr, "error: %s\n", err->msg[0] ? err->msg : tea_code_name(err->code));
  return FAIL;
}

static int usage_err(const char *cmd, const char *what) {
  fprintf(stderr, "teanode cas %s: %s (try --help)\n", cmd, what);
  return TEA_CLI_USAGE;
}

static void print_cid(const tea_cid *cid) {
  char s[TEA_CID_STR_MAX];
  if (!tea_cid_format(cid, s, NULL)) printf("%s\n", s);
}

static const struct option store_opts[] = {{"store", 1, 0, 's'}, {"rm", 0, 0, 'r'},
                                           {"pin", 0, 0, 'p'},   {"help", 0, 0, 'h'}, {0, 0, 0, 0}};

typedef struct args {
  const char *store;
  bool rm, pin, help;
} args;

/* Parses the options common to the cas commands; `allowed` lists the letters. */
static int parse(const char *cmd, int argc, char **argv, const char *allowed, args *a) {
  a->store = store_default();
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "s:rph", store_opts, NULL)) != -1) {
    if (ch == '?' || !strchr(allowed, ch)) return usage_err(cmd, "unknown option");
    if (ch == 's') a->store = optarg;
    else if (ch == 'r') a->rm = true;
    else if (ch == 'p') a->pin = true;
    else if (ch == 'h') a->help = true;
  }
  return 0;
}

static int with_store(const args *a, tea_blobstore **bs) {
  tea_error err = {0};
  if (tea_blobstore_open(bs, a->store, 0, &err)) return err_out(&err);
  return 0;
}

/* ---- put / cid ---- */

static int cmd_put(int argc, char **argv, bool store) {
  const char *name = store ? "put" : "cid";
  args a = {0};
  int rc = parse(name, argc, argv, store ? "sph" : "h", &a);
  if (rc) return rc;
  if (a.help) {
    if (store)
      printf("usage: teanode cas put [--store DIR] [--pin] FILE...\n\n"
             "Adds each file (as IPFS would, CIDv1 raw leaves) to the blob store DIR\n"
             "(default $TEA_CAS_DIR or ./cas) and prints its CID. --pin keeps it from gc.\n");
    else
      printf("usage: teanode cas cid FILE...\n\nPrints each file's CID without storing anything.\n");
    return 0;
  }
  if (optind == argc) return usage_err(name, "needs FILE");
  tea_blobstore *bs = NULL;
  if (store && (rc = with_store(&a, &bs))) return rc;
  for (int i = optind; !rc && i < argc; i++) {
    tea_error err = {0};
    int fd = strcmp(argv[i], "-") == 0 ? dup(0) : open(argv[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      fprintf(stderr, "error: %s: %s\n", argv[i], strerror(errno));
      rc = FAIL;
      break;
    }
    tea_cid root;
    tea_code c = store ? tea_blobstore_add_fd(bs, fd, &root, &err) : tea_unixfs_cid_of_fd(fd, NULL, NULL, &root, &err);
    if (!c && a.pin) c = tea_blobstore_pin(bs, &root, &err);
    close(fd);
    if (c) rc = err_out(&err);
    else print_cid(&root);
  }
  tea_blobstore_close(bs);
  return rc;
}

/* ---- get ---- */

static tea_code write_file(void *ctx, const void *data, size_t n, tea_error *err) {
  if (fwrite(data, 1, n, ctx) != n) return tea_fail(err, TEA_ERR_IO, "write: %s", strerror(errno));
  return TEA_OK;
}

static tea_code keep_block(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n, tea_error *err) {
  return tea_blobstore_put(ctx, cid, block, n, err);
}

static const struct option get_opts[] = {{"store", 1, 0, 's'},   {"out", 1, 0, 'o'},     {"from", 1, 0, 'f'},
                                         {"gateway", 1, 0, 'g'}, {"timeout", 1, 0, 't'}, {"max-bytes", 1, 0, 'm'},
                                         {"raw", 0, 0, 'r'},     {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};

static bool parse_u64(const char *s, uint64_t max, uint64_t *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (!*s || *s == '-' || *end || errno || x == 0 || x > max) return false;
  *v = x;
  return true;
}

static int get_usage(void) {
  printf("usage: teanode cas get [--store DIR] [--out FILE] CID\n"
         "       teanode cas get [--store DIR] [--out FILE] --from URL... [--gateway URL...]\n"
         "                       [--timeout MS] [--max-bytes N] [--raw] [--verbose] CID\n\n"
         "Writes the file or block CID to FILE (default: standard output), checking every\n"
         "block against its CID. Without sources it comes from the store. With --from (tea\n"
         "nodes) and --gateway (IPFS trustless gateways), tried in the order given, it is\n"
         "fetched as one CAR, or block by block from sources that do not serve CARs (--raw:\n"
         "always block by block); a source that fails, times out or sends a bad or missing\n"
         "block is passed over for the next. --store also keeps the fetched blocks.\n"
         "--timeout is per HTTP request (default 10000), --max-bytes bounds what one source\n"
         "may send (default 64 MiB). --verbose says on standard error which source served.\n");
  return 0;
}

static int cmd_get(int argc, char **argv) {
  const char *store = NULL, *out = NULL, *sources[TEA_GATEWAY_MAX_SOURCES];
  size_t nsources = 0;
  tea_gateway_opts go = {0};
  bool verbose = false;
  uint64_t v;
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "s:o:f:g:t:m:rvh", get_opts, NULL)) != -1) {
    if (ch == 's') store = optarg;
    else if (ch == 'o') out = optarg;
    else if (ch == 'f' || ch == 'g') {
      if (nsources == TEA_GATEWAY_MAX_SOURCES) return usage_err("get", "too many sources");
      if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
        return usage_err("get", "a source is an http:// or https:// URL");
      sources[nsources++] = optarg;
    } else if (ch == 't') {
      if (!parse_u64(optarg, 3600000, &v)) return usage_err("get", "--timeout needs milliseconds (1..3600000)");
      go.timeout_ms = (unsigned)v;
    } else if (ch == 'm') {
      if (!parse_u64(optarg, UINT64_MAX, &v)) return usage_err("get", "--max-bytes needs a positive number");
      go.max_bytes = v;
    } else if (ch == 'r') go.raw_only = true;
    else if (ch == 'v') verbose = true;
    else if (ch == 'h') return get_usage();
    else return usage_err("get", "unknown option");
  }
  if (optind != argc - 1) return usage_err("get", "needs one CID");
  tea_error err = {0};
  tea_cid cid;
  if (tea_cid_parse_cstr(argv[optind], &cid, &err)) return err_out(&err);
  /* without sources the store is where the file is; with them, only where blocks go
     when asked (a fetch must not create ./cas as a side effect) */
  if (!store && !nsources) store = store_default();
  tea_blobstore *bs = NULL;
  int rc = 0;
  if (store) {
    args a = {.store = store};
    if ((rc = with_store(&a, &bs))) return rc;
  }
  FILE *o = stdout;
  if (out && !(o = fopen(out, "wb"))) {
    fprintf(stderr, "error: %s: %s\n", out, strerror(errno));
    tea_blobstore_close(bs);
    return FAIL;
  }
  tea_cid v1 = tea_cid_to_v1(&cid);
  if (!nsources) {
    /* streamed: a file larger than memory comes out of the store too */
    if (tea_unixfs_export(&v1, tea_blobstore_get_fn, bs, write_file, o, &err)) rc = err_out(&err);
  } else {
    uint8_t *data = NULL;
    size_t len = 0;
    tea_gateway_report rep;
    if (bs) {
      go.sink = keep_block;
      go.sink_ctx = bs;
    }
    tea_code c = tea_gateway_fetch(&cid, sources, nsources, &go, &data, &len, &rep, &err);
    if (verbose || c)
      for (size_t i = 0; i < rep.nfailed; i++)
        fprintf(stderr, "teanode: %s failed (%s): %s\n", sources[rep.failed[i].source],
                rep.failed[i].car ? "CAR" : "blocks", rep.failed[i].err.msg);
    if (c) {
      fprintf(stderr, "error: no source could supply %s\n", argv[optind]);
      rc = FAIL;
    } else {
      if (verbose)
        fprintf(stderr, "teanode: %s: %zu bytes from %s (%s, %zu blocks verified, %llu bytes received)\n",
                argv[optind], len, sources[rep.source], rep.car ? "CAR" : "block by block", rep.blocks,
                (unsigned long long)rep.received);
      if (len && write_file(o, data, len, &err)) rc = err_out(&err);
    }
    free(data);
  }
  if (fflush(o) != 0 && !rc) rc = (fprintf(stderr, "error: write: %s\n", strerror(errno)), FAIL);
  if (out && fclose(o) != 0 && !rc) rc = FAIL;
  if (rc && out) unlink(out); /* never leave a partial file that looks complete */
  tea_blobstore_close(bs);
  return rc;
}

/* ---- pin / gc ---- */

static int cmd_pin(int argc, char **argv) {
  args a = {0};
  int rc = parse("pin", argc, argv, "srh", &a);
  if (rc) return rc;
  if (a.help) {
    printf("usage: teanode cas pin [--store DIR] [--rm] CID...\n\n"
           "Pins each CID (it and, for a file, everything it links to survive gc);\n"
           "--rm removes the pins instead.\n");
    return 0;
  }
  if (optind == argc) return usage_err("pin", "needs CID");
  tea_blobstore *bs;
  if ((rc = with_store(&a, &bs))) return rc;
  for (int i = optind; !rc && i < argc; i++) {
    tea_error err = {0};
    tea_cid cid;
    tea_code c = tea_cid_parse_cstr(argv[i], &cid, &err);
    if (!c) c = a.rm ? tea_blobstore_unpin(bs, &cid, &err) : tea_blobstore_pin(bs, &cid, &err);
    if (c) rc = err_out(&err);
  }
  tea_blobstore_close(bs);
  return rc;
}

static int cmd_gc(int argc, char **argv) {
  args a = {0};
  int rc = parse("gc", argc, argv, "sh", &a);
  if (rc) return rc;
  if (a.help) {
    printf("usage: teanode cas gc [--store DIR]\n\n"
           "Removes every block not reachable from a pin and prints the bytes freed.\n");
    return 0;
  }
  if (optind != argc) return usage_err("gc", "unexpected argument");
  tea_blobstore *bs;
  if ((rc = with_store(&a, &bs))) return rc;
  tea_error err = {0};
  uint64_t freed = 0;
  if (tea_blobstore_gc(bs, &freed, &err)) rc = err_out(&err);
  else printf("freed %" PRIu64 " bytes, %" PRIu64 " in use\n", freed, tea_blobstore_used(bs));
  tea_blobstore_close(bs);
  return rc;
}

static int put_store(int argc, char **argv) { return cmd_put(argc, argv, true); }
static int put_cid(int argc, char **argv) { return cmd_put(argc, argv, false); }

int tea_cmd_cas(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*run)(int, char **);
  } subs[] = {{"put", put_store}, {"get", cmd_get}, {"cid", put_cid}, {"pin", cmd_pin}, {"gc", cmd_gc}};
  if (argc < 2 || tea_cli_is_help(argv[1])) {
    fprintf(argc < 2 ? stderr : stdout,
            "usage: teanode cas COMMAND ...\n\n"
            "commands:\n"
            "  put   add files to the blob store, print their CIDs\n"
            "  get   write a file or block out of the store, or fetch it from nodes and gateways\n"
            "  cid   print files' CIDs without storing them\n"
            "  pin   pin or unpin CIDs\n"
            "  gc    remove what no pin reaches\n\n"
            "The store is --store DIR, else $TEA_CAS_DIR, else ./cas.\n"
            "Run 'teanode cas COMMAND --help' for a command's options.\n");
    return argc < 2 ? TEA_CLI_USAGE : 0;
  }
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    if (strcmp(argv[1], subs[i].name) == 0) return subs[i].run(argc - 1, argv + 1);
  fprintf(stderr, "teanode cas: unknown command '%s' (try --help)\n", argv[1]);
  return TEA_CLI_USAGE;
}
