/* teanode actor: keys, signing and inspecting claims, running an actor
 * locally.
 *   keygen   an Ed25519 key as an nkey seed (account: signs actors; module:
 *            an actor's own identity)
 *   sign     writes the claims section (JWT, as wasmCloud's tools do)
 *   inspect  shows and checks the claims
 *   run      loads the module against a record made from the command line
 *            (its CID, the claims' issuer or --issuer, --grant) and runs one
 *            operation, printing the output on stdout and what the node would
 *            put in a receipt on stderr
 * Exit status: 0 success, 1 failure (or the actor reported an error), 2 a bad
 * command line. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tea/hash.h"
#include "tea/host.h"

#define MAX_LIST 64

static void usage_actor(FILE *out) {
  fprintf(out,
          "usage: teanode actor COMMAND ...\n"
          "\n"
          "commands:\n"
          "  keygen   make a signing key (an nkey seed)\n"
          "  sign     sign a module's claims (writes its \"jwt\" custom section)\n"
          "  inspect  show and check a module's claims\n"
          "  run      run one operation of an actor locally\n"
          "\n"
          "Run 'teanode actor COMMAND --help' for a command's options. See docs/actors.md.\n");
}

static void usage_keygen(FILE *out) {
  fprintf(out,
          "usage: teanode actor keygen [--module] [-o SEED_FILE]\n"
          "\n"
          "Makes an account key (signs actors; its public key starts with A) or, with\n"
          "--module, a module key (an actor's identity; starts with M). The seed (SA...\n"
          "or SM...) is written to SEED_FILE (mode 0600) or printed; the public key is\n"
          "printed on stdout.\n");
}

static void usage_sign(FILE *out) {
  fprintf(out,
          "usage: teanode actor sign MODULE.wasm -o OUT.wasm --key SEED_FILE --name NAME [OPTIONS]\n"
          "\n"
          "options:\n"
          "  --key FILE          the issuer's account seed (teanode actor keygen)\n"
          "  --subject-key FILE  the actor's module seed (default: a new one)\n"
          "  --name NAME         the actor's name in its claims\n"
          "  --cap CAP           a capability it asks for (tea:log, tea:keyvalue, ...); repeatable\n"
          "  --call ACTOR        an actor it may call through tea:actor; repeatable\n"
          "  --rev N             its revision (the registry refuses lower ones)\n"
          "  --ver VERSION       a version string\n"
          "  --expires-in SECS   the claims expire SECS seconds from now\n"
          "  --not-before TIME   not valid before TIME (seconds since the epoch)\n"
          "Prints the signed module's CID.\n");
}

static void usage_inspect(FILE *out) {
  fprintf(out,
          "usage: teanode actor inspect MODULE.wasm\n"
          "\n"
          "Prints the claims and the module's CID; checks the signature, algorithm and\n"
          "module hash, and tells if the claims are expired or not yet valid. Exit 1\n"
          "if a check fails.\n");
}

static void usage_run(FILE *out) {
  fprintf(out,
          "usage: teanode actor run MODULE.wasm --op NAME [OPTIONS]\n"
          "\n"
          "options:\n"
          "  --op NAME              the operation\n"
          "  --input FILE           its input (\"-\": stdin; default: empty)\n"
          "  --grant CAPS           capabilities the registry approves, comma-separated\n"
          "                         (granted: those also in the claims)\n"
          "  --issuer KEY           the account key allowed to sign it (default: trust the\n"
          "                         claims' own issuer, as when trying out your own actor)\n"
          "  --state DIR            state directory for tea:keyvalue and tea:blobstore\n"
          "                         (default: .tea-actor-state)\n"
          "  --allow-host HOST      a host tea:http-client may reach; repeatable\n"
          "  --fuel N, --deadline-ms N, --memory-pages N, --max-host-calls N   limits\n"
          "  --transcript FILE      write the host-call transcript (CBOR)\n"
          "  --replay FILE          replay a transcript instead of calling providers\n"
          "Output on stdout; fuel, hashes and the transcript's hash on stderr.\n");
}

static int spill(const char *path, const uint8_t *data, size_t len, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    fprintf(stderr, "error: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      fprintf(stderr, "error: cannot write %s: %s\n", path, strerror(errno));
      close(fd);
      return -1;
    }
    off += (size_t)w;
  }
  return close(fd);
}

static int load_seed(const char *path, tea_keypair *kp) {
  size_t n;
  uint8_t *b = tea_cli_read_or_say(path, &n);
  if (!b) return -1;
  while (n && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' ')) n--;
  char text[TEA_NKEY_SEED_LEN + 1];
  tea_error err;
  int rc = 0;
  if (n != TEA_NKEY_SEED_LEN) {
    fprintf(stderr, "error: %s does not hold a seed\n", path);
    rc = -1;
  } else {
    memcpy(text, b, n);
    text[n] = 0;
    if (tea_keypair_from_seed(text, kp, &err) != TEA_OK) {
      fprintf(stderr, "error: %s: %s\n", path, err.msg);
      rc = -1;
    }
  }
  memset(b, 0, n);
  free(b);
  return rc;
}

static bool parse_u64(const char *s, uint64_t *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno || !*s || *end || *s == '-') return false;
  *v = x;
  return true;
}

/* ---- keygen ------------------------------------------------------------------- */

static int cmd_keygen(int argc, char **argv) {
  tea_nkey_kind kind = TEA_NKEY_ACCOUNT;
  const char *out = NULL;
  for (int i = 1; i < argc; i++) {
    if (tea_cli_is_help(argv[i])) {
      usage_keygen(stdout);
      return 0;
    } else if (strcmp(argv[i], "--module") == 0) {
      kind = TEA_NKEY_MODULE;
    } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else {
      usage_keygen(stderr);
      return TEA_CLI_USAGE;
    }
  }
  tea_keypair kp;
  tea_error err;
  if (tea_keypair_generate(kind, &kp, &err) != TEA_OK) {
    fprintf(stderr, "error: %s\n", err.msg);
    return 1;
  }
  char seed[TEA_NKEY_SEED_LEN + 2], pub[TEA_NKEY_LEN + 1];
  tea_keypair_seed(&kp, seed);
  tea_keypair_public(&kp, pub);
  if (out) {
    strcat(seed, "\n");
    if (spill(out, (const uint8_t *)seed, strlen(seed), 0600) != 0) return 1;
  } else {
    printf("seed: %s\n", seed);
  }
  printf("%s\n", pub);
  char hex[65];
  tea_hex_encode(kp.pk, 32, hex);
  fprintf(stderr, "public key as hex (for ledger records): %s\n", hex);
  memset(&kp, 0, sizeof kp);
  memset(seed, 0, sizeof seed);
  return 0;
}

/* ---- sign ---------------------------------------------------------------------- */

static int cmd_sign(int argc, char **argv) {
  const char *module = NULL, *out = NULL, *key = NULL, *subject_key = NULL;
  const char *caps[MAX_LIST], *calls[MAX_LIST];
  tea_claims_spec spec = {.caps = caps, .call = calls};
  uint64_t v;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (tea_cli_is_help(a)) {
      usage_sign(stdout);
      return 0;
    } else if (strcmp(a, "-o") == 0 && has) out = argv[++i];
    else if (strcmp(a, "--key") == 0 && has) key = argv[++i];
    else if (strcmp(a, "--subject-key") == 0 && has) subject_key = argv[++i];
    else if (strcmp(a, "--name") == 0 && has) spec.name = argv[++i];
    else if (strcmp(a, "--ver") == 0 && has) spec.ver = argv[++i];
    else if (strcmp(a, "--cap") == 0 && has && spec.ncaps < MAX_LIST) caps[spec.ncaps++] = argv[++i];
    else if (strcmp(a, "--call") == 0 && has && spec.ncall < MAX_LIST) calls[spec.ncall++] = argv[++i];
    else if (strcmp(a, "--rev") == 0 && has && parse_u64(argv[i + 1], &v)) spec.rev = v, i++;
    else if (strcmp(a, "--expires-in") == 0 && has && parse_u64(argv[i + 1], &v) && v < INT32_MAX)
      spec.exp = (int64_t)time(NULL) + (int64_t)v, i++;
    else if (strcmp(a, "--not-before") == 0 && has && parse_u64(argv[i + 1], &v) && v < INT64_MAX)
      spec.nbf = (int64_t)v, i++;
    else if (a[0] != '-' && !module) module = a;
    else {
      fprintf(stderr, "error: unexpected argument %s\n", a);
      usage_sign(stderr);
      return TEA_CLI_USAGE;
    }
  }
  if (!module || !out || !key || !spec.name) {
    usage_sign(stderr);
    return TEA_CLI_USAGE;
  }
  tea_keypair issuer, subject;
  tea_error err;
  if (load_seed(key, &issuer) != 0) return 1;
  if (issuer.kind != TEA_NKEY_ACCOUNT) {
    fprintf(stderr, "error: %s is not an account seed (SA...)\n", key);
    return 1;
  }
  if (subject_key ? load_seed(subject_key, &subject) != 0
                  : tea_keypair_generate(TEA_NKEY_MODULE, &subject, &err) != TEA_OK)
    return 1;
  size_t len, olen;
  uint8_t *bytes = tea_cli_read_or_say(module, &len), *signed_ = NULL;
  int rc = 1;
  if (!bytes) goto out;
  if (tea_claims_sign(bytes, len, &spec, &issuer, &subject, &signed_, &olen, &err) != TEA_OK) {
    fprintf(stderr, "error: %s\n", err.msg);
    goto out;
  }
  if (spill(out, signed_, olen, 0644) != 0) goto out;
  tea_cid cid;
  char text[TEA_CID_STR_MAX];
  if (tea_cid_of(TEA_CODEC_RAW, signed_, olen, &cid, &err) == TEA_OK && tea_cid_format(&cid, text, &err) == TEA_OK)
    printf("%s\n", text);
  rc = 0;
out:
  free(bytes);
  free(signed_);
  memset(&issuer, 0, sizeof issuer);
  memset(&subject, 0, sizeof subject);
  return rc;
}

/* ---- inspect -------------------------------------------------------------------- */

static void print_list(const char *label, char **items, size_t n) {
  printf("%-9s", label);
  for (size_t i = 0; i < n; i++) printf("%s%s", i ? ", " : "", items[i]);
  printf("%s\n", n ? "" : "(none)");
}

static int cmd_inspect(int argc, char **argv) {
  if (argc != 2 || tea_cli_is_help(argv[1])) {
    bool help = argc == 2;
    usage_inspect(help ? stdout : stderr);
    return help ? 0 : TEA_CLI_USAGE;
  }
  size_t len;
  uint8_t *bytes = tea_cli_read_or_say(argv[1], &len);
  if (!bytes) return 1;
  tea_error err;
  tea_cid cid;
  char text[TEA_CID_STR_MAX] = "?";
  if (tea_cid_of(TEA_CODEC_RAW, bytes, len, &cid, &err) == TEA_OK) tea_cid_format(&cid, text, &err);
  printf("cid      %s\n", text);
  tea_claims c;
  if (tea_claims_read(bytes, len, &c, &err) != TEA_OK) {
    printf("claims   INVALID: %s\n", err.msg);
    free(bytes);
    return 1;
  }
  free(bytes);
  int64_t now = (int64_t)time(NULL);
  printf("name     %s\n", c.name);
  uint8_t pk[32];
  char pk_hex[65] = "?";
  if (tea_nkey_decode_public(c.issuer, TEA_NKEY_ACCOUNT, pk, &err) == TEA_OK) tea_hex_encode(pk, 32, pk_hex);
  printf("issuer   %s (hex %s)\n", c.issuer, pk_hex);
  printf("subject  %s\n", c.subject);
  printf("hash     %s\n", c.hash);
  printf("rev      %" PRIu64 "\n", c.rev);
  printf("ver      %s\n", c.ver ? c.ver : "(none)");
  print_list("caps", c.caps, c.ncaps);
  print_list("call", c.call, c.ncall);
  printf("issued   %" PRId64 "\n", c.iat);
  int rc = 0;
  if (c.exp) printf("expires  %" PRId64 "%s\n", c.exp, now >= c.exp ? " (EXPIRED)" : "");
  if (c.nbf) printf("valid    from %" PRId64 "%s\n", c.nbf, now < c.nbf ? " (NOT YET VALID)" : "");
  if ((c.exp && now >= c.exp) || (c.nbf && now < c.nbf)) rc = 1;
  printf("claims   signature, algorithm and module hash OK\n");
  tea_claims_free(&c);
  return rc;
}

/* ---- run -------------------------------------------------------------------------- */

static tea_code measure_ok(void *user, const uint8_t hash[32], const char *kind, const char *name, tea_error *err) {
  (void)user, (void)err;
  char hex[65];
  tea_hex_encode(hash, 32, hex);
  fprintf(stderr, "measured %s %s sha256:%s\n", kind, name, hex);
  return TEA_OK;
}

/* p by address: it is read only after the constructor (an argument) filled it. */
static int add(tea_host *host, tea_code rc, tea_provider **p, tea_error *err) {
  if (rc == TEA_OK) rc = tea_host_add_provider(host, *p, err);
  if (rc != TEA_OK) fprintf(stderr, "error: %s\n", err->msg);
  return rc == TEA_OK ? 0 : -1;
}

static int cmd_run(int argc, char **argv) {
  const char *module = NULL, *op = NULL, *input_path = NULL, *issuer = NULL, *state = ".tea-actor-state";
  const char *transcript_path = NULL, *replay_path = NULL;
  char grants_buf[1024] = "";
  const char *grants[MAX_LIST], *hosts[MAX_LIST];
  size_t ngrants = 0, nhosts = 0;
  tea_actor_limits lim = {0};
  uint64_t v;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (tea_cli_is_help(a)) {
      usage_run(stdout);
      return 0;
    } else if (strcmp(a, "--op") == 0 && has) op = argv[++i];
    else if (strcmp(a, "--input") == 0 && has) input_path = argv[++i];
    else if (strcmp(a, "--issuer") == 0 && has) issuer = argv[++i];
    else if (strcmp(a, "--state") == 0 && has) state = argv[++i];
    else if (strcmp(a, "--transcript") == 0 && has) transcript_path = argv[++i];
    else if (strcmp(a, "--replay") == 0 && has) replay_path = argv[++i];
    else if (strcmp(a, "--grant") == 0 && has) snprintf(grants_buf, sizeof grants_buf, "%s", argv[++i]);
    else if (strcmp(a, "--allow-host") == 0 && has && nhosts < MAX_LIST) hosts[nhosts++] = argv[++i];
    else if (strcmp(a, "--fuel") == 0 && has && parse_u64(argv[i + 1], &v)) lim.fuel = v, i++;
    else if (strcmp(a, "--deadline-ms") == 0 && has && parse_u64(argv[i + 1], &v) && v <= UINT32_MAX)
      lim.deadline_ms = (uint32_t)v, i++;
    else if (strcmp(a, "--memory-pages") == 0 && has && parse_u64(argv[i + 1], &v) && v <= 65536)
      lim.memory_pages = (uint32_t)v, i++;
    else if (strcmp(a, "--max-host-calls") == 0 && has && parse_u64(argv[i + 1], &v) && v <= UINT32_MAX)
      lim.max_host_calls = (uint32_t)v, i++;
    else if (a[0] != '-' && !module) module = a;
    else {
      fprintf(stderr, "error: unexpected argument %s\n", a);
      usage_run(stderr);
      return TEA_CLI_USAGE;
    }
  }
  if (!module || !op) {
    usage_run(stderr);
    return TEA_CLI_USAGE;
  }
  for (char *save = NULL, *g = strtok_r(grants_buf, ",", &save); g && ngrants < MAX_LIST; g = strtok_r(NULL, ",", &save))
    grants[ngrants++] = g;

  int rc = 1;
  size_t len, in_len = 0, replay_len = 0;
  uint8_t *bytes = tea_cli_read_or_say(module, &len), *input = NULL, *replay = NULL;
  tea_host *host = NULL;
  tea_blobstore *bs = NULL;
  tea_claims claims = {0};
  tea_invoke_result res = {0};
  tea_error err;
  if (!bytes || (input_path && !(input = tea_cli_read_or_say(input_path, &in_len))) ||
      (replay_path && !(replay = tea_cli_read_or_say(replay_path, &replay_len))))
    goto out;
  if (tea_claims_read(bytes, len, &claims, &err) != TEA_OK) {
    fprintf(stderr, "error: %s\n", err.msg);
    goto out;
  }
  if (!issuer) issuer = claims.issuer; /* trying out one's own module: trust whoever signed it */
  tea_actor_record rec = {.issuers = &issuer, .nissuers = 1, .caps = grants, .ncaps = ngrants, .limits = lim,
                          .http_allow = hosts, .nhttp_allow = nhosts};
  rec.name = claims.name;
  if (tea_cid_of(TEA_CODEC_RAW, bytes, len, &rec.cid, &err) != TEA_OK) goto fail;
  tea_host_config cfg = {.measure = measure_ok};
  if (tea_host_new(&cfg, &host, &err) != TEA_OK) goto fail;
  if (mkdir(state, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "error: cannot create %s: %s\n", state, strerror(errno));
    goto out;
  }
  char blobs[4096];
  snprintf(blobs, sizeof blobs, "%s/blobs", state);
  tea_provider *p = NULL;
  if (add(host, tea_provider_log_new(NULL, NULL, 0, &p, &err), &p, &err) ||
      add(host, tea_provider_keyvalue_new(state, NULL, &p, &err), &p, &err) ||
      add(host, tea_provider_clock_new(NULL, NULL, &p, &err), &p, &err) ||
      add(host, tea_provider_random_new(0, &p, &err), &p, &err) ||
      add(host, tea_provider_http_new(NULL, &p, &err), &p, &err) ||
      add(host, tea_provider_actor_new(&p, &err), &p, &err))
    goto out;
  if (tea_blobstore_open(&bs, blobs, 0, &err) != TEA_OK ||
      add(host, tea_provider_blobstore_new(bs, 0, &p, &err), &p, &err))
    goto fail;
  tea_actor *actor;
  if (tea_host_load(host, bytes, len, &rec, &actor, &err) != TEA_OK) goto fail;
  tea_code r = replay ? tea_host_replay(host, actor, op, input, in_len, replay, replay_len, NULL, &res, &err)
                      : tea_host_invoke(host, actor, op, input, in_len, &res, &err);
  char hex[65];
  fprintf(stderr, "fuel %" PRIu64 ", host calls %u\n", res.fuel_used, res.host_calls);
  if (res.transcript) {
    tea_hex_encode(res.transcript_hash, 32, hex);
    fprintf(stderr, "transcript sha256:%s\n", hex);
    if (transcript_path && spill(transcript_path, res.transcript, res.transcript_len, 0644) != 0) goto out;
  }
  if (r != TEA_OK) goto fail;
  tea_hex_encode(res.output_hash, 32, hex);
  fprintf(stderr, "output sha256:%s\n", hex);
  if (res.guest_error) {
    fprintf(stderr, "error: actor: %.*s\n", (int)res.output_len, (const char *)res.output);
    goto out;
  }
  if (res.output_len && fwrite(res.output, 1, res.output_len, stdout) != res.output_len) goto out;
  rc = 0;
  goto out;
fail:
  fprintf(stderr, "error: %s: %s\n", tea_code_name(err.code), err.msg);
out:
  tea_invoke_result_free(&res);
  tea_host_free(host);
  tea_blobstore_close(bs);
  tea_claims_free(&claims);
  free(bytes), free(input), free(replay);
  return rc;
}

int tea_cmd_actor(int argc, char **argv) {
  if (argc < 2) {
    usage_actor(stderr);
    return TEA_CLI_USAGE;
  }
  const char *sub = argv[1];
  if (tea_cli_is_help(sub)) {
    usage_actor(stdout);
    return 0;
  }
  if (strcmp(sub, "keygen") == 0) return cmd_keygen(argc - 1, argv + 1);
  if (strcmp(sub, "sign") == 0) return cmd_sign(argc - 1, argv + 1);
  if (strcmp(sub, "inspect") == 0) return cmd_inspect(argc - 1, argv + 1);
  if (strcmp(sub, "run") == 0) return cmd_run(argc - 1, argv + 1);
  fprintf(stderr, "teanode actor: unknown command '%s'\n", sub);
  usage_actor(stderr);
  return TEA_CLI_USAGE;
}
