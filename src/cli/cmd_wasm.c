/* teanode wasm: run a WASI program, call one export, or validate a module.
 *
 * Behaviour follows wasmtime's CLI where it has one:
 *   - options come before MODULE; everything after MODULE is the program's
 *     arguments (argv[0] is MODULE as written), or --invoke's values;
 *   - a command (`_start`) runs to its end or to proc_exit, whose status
 *     becomes teanode's exit status (truncated to 8 bits by the OS);
 *   - a reactor has `_initialize` called first; without --invoke nothing else
 *     runs;
 *   - --invoke prints each result on its own line: integers signed in decimal,
 *     floats as the shortest decimal that reads back to the same bits (never
 *     an exponent), NaN as "NaN", infinities as "inf"/"-inf", references as
 *     "null" or "<funcref>"/"<externref>";
 *   - a trap prints "error: wasm trap: MESSAGE" and exits 134 (128 + SIGABRT,
 *     what a shell shows for wasmtime's abort), running out of fuel included;
 *   - any other failure (unreadable file, invalid module, unknown import)
 *     prints "error: ..." and exits 1; a bad command line exits 2. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tea/wasi.h"
#include "tea/wasm.h"

#define EXIT_TRAP 134
#define EXIT_FAIL 1

static void usage_wasm(FILE *out) {
  fprintf(out,
          "usage: teanode wasm COMMAND ...\n"
          "\n"
          "commands:\n"
          "  run       run a WASI program, or call one of its exports\n"
          "  validate  check that a module decodes and validates\n"
          "\n"
          "Run 'teanode wasm COMMAND --help' for a command's options.\n");
}

static void usage_run(FILE *out) {
  fprintf(out,
          "usage: teanode wasm run [OPTIONS] MODULE.wasm [ARGS...]\n"
          "\n"
          "Runs a WASI preview 1 program: calls _initialize if exported, then _start.\n"
          "ARGS are the program's arguments (argv[0] is MODULE.wasm).\n"
          "\n"
          "options:\n"
          "  --dir HOST[::GUEST]    give the program the host directory HOST, named GUEST\n"
          "                         (default: HOST as written); repeatable\n"
          "  --env NAME=VALUE       set an environment variable (--env NAME copies the\n"
          "                         host's value); repeatable\n"
          "  --fuel N               trap with \"out of fuel\" after N units of work\n"
          "  --max-memory BYTES     cap each linear memory (suffix k, m or g: KiB, MiB, GiB)\n"
          "  --deterministic        canonical NaNs, as actors run\n"
          "  --invoke NAME          call export NAME with ARGS as its parameters and print\n"
          "                         its results one per line, instead of running _start\n"
          "  -h, --help             show this help\n"
          "\n"
          "exit status: the program's proc_exit status (0 when _start returns),\n"
          "134 on a trap, 1 on any other error, 2 on a bad command line.\n");
}

static void usage_validate(FILE *out) {
  fprintf(out,
          "usage: teanode wasm validate MODULE.wasm\n"
          "\n"
          "Decodes, validates and compiles MODULE; prints \"valid\" and exits 0, or prints\n"
          "the reason and exits 1.\n");
}

static const char *msg_of(const tea_error *err) {
  return err->msg[0] ? err->msg : tea_code_name(err->code);
}

/* ---- values --------------------------------------------------------------- */

static bool parse_int(const char *s, bool wide, uint64_t *out) {
  const char *p = s;
  bool neg = *p == '-';
  if (*p == '-' || *p == '+') p++;
  int base = (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) ? 16 : 10;
  if (!*p || *p == '-' || *p == '+') return false;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(p, &end, base);
  if (errno || *end || end == p) return false;
  if (wide) {
    if (neg && v > (unsigned long long)INT64_MAX + 1) return false;
    *out = neg ? (uint64_t)0 - v : v;
  } else {
    if (neg ? v > 0x80000000ull : v > 0xffffffffull) return false;
    *out = (uint32_t)(neg ? 0u - (uint32_t)v : (uint32_t)v);
  }
  return true;
}

static bool parse_val(const char *s, tea_wasm_valtype t, tea_wasm_val *v) {
  v->type = t;
  memset(&v->of, 0, sizeof v->of);
  char *end;
  uint64_t u;
  switch (t) {
  case TEA_WASM_I32:
    if (!parse_int(s, false, &u)) return false;
    v->of.u32 = (uint32_t)u;
    return true;
  case TEA_WASM_I64:
    if (!parse_int(s, true, &u)) return false;
    v->of.u64 = u;
    return true;
  case TEA_WASM_F32:
    v->of.f32 = strtof(s, &end);
    return *s && !*end;
  case TEA_WASM_F64:
    v->of.f64 = strtod(s, &end);
    return *s && !*end;
  case TEA_WASM_FUNCREF:
  case TEA_WASM_EXTERNREF:
    v->of.ref = NULL;
    return strcmp(s, "null") == 0;
  default:
    return false;
  }
}

static const char *type_name(tea_wasm_valtype t) {
  switch (t) {
  case TEA_WASM_I32: return "i32";
  case TEA_WASM_I64: return "i64";
  case TEA_WASM_F32: return "f32";
  case TEA_WASM_F64: return "f64";
  case TEA_WASM_V128: return "v128";
  case TEA_WASM_FUNCREF: return "funcref";
  case TEA_WASM_EXTERNREF: return "externref";
  }
  return "?";
}

/* Shortest digits that read back to the same value, written out without an
 * exponent (what wasmtime's Rust formatting prints). */
static void print_float(double v, bool single) {
  if (isnan(v)) {
    puts("NaN");
    return;
  }
  if (isinf(v)) {
    puts(v < 0 ? "-inf" : "inf");
    return;
  }
  char e[64];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(e, sizeof e, "%.*e", prec - 1, v);
    if (single ? strtof(e, NULL) == (float)v : strtod(e, NULL) == v) break;
  }
  /* e is [-]D[.DDD]e[+-]XX */
  const char *p = e;
  bool neg = *p == '-';
  if (neg) p++;
  char digits[32];
  size_t n = 0;
  for (; *p && *p != 'e'; p++)
    if (*p != '.') digits[n++] = *p;
  long exp10 = strtol(p + 1, NULL, 10);
  while (n > 1 && digits[n - 1] == '0') n--;
  long point = exp10 + 1; /* digits before the decimal point */
  if (neg) putchar('-');
  if (point <= 0) {
    fputs("0.", stdout);
    for (long i = 0; i < -point; i++) putchar('0');
    fwrite(digits, 1, n, stdout);
  } else if ((size_t)point >= n) {
    fwrite(digits, 1, n, stdout);
    for (long i = (long)n; i < point; i++) putchar('0');
  } else {
    fwrite(digits, 1, (size_t)point, stdout);
    putchar('.');
    fwrite(digits + point, 1, n - (size_t)point, stdout);
  }
  putchar('\n');
}

static void print_val(const tea_wasm_val *v) {
  switch (v->type) {
  case TEA_WASM_I32: printf("%" PRId32 "\n", v->of.i32); break;
  case TEA_WASM_I64: printf("%" PRId64 "\n", v->of.i64); break;
  case TEA_WASM_F32: print_float(v->of.f32, true); break;
  case TEA_WASM_F64: print_float(v->of.f64, false); break;
  case TEA_WASM_FUNCREF: puts(v->of.ref ? "<funcref>" : "null"); break;
  case TEA_WASM_EXTERNREF: puts(v->of.ref ? "<externref>" : "null"); break;
  default: puts("<v128>"); break;
  }
}

/* ---- run ------------------------------------------------------------------ */

typedef struct run_opts {
  tea_wasi_preopen *dirs;
  size_t ndirs;
  char **env; /* "NAME=VALUE", those made from --env NAME are malloc'd */
  bool *env_owned;
  size_t nenv;
  uint64_t fuel;
  uint64_t max_memory;
  bool deterministic;
  const char *invoke;
} run_opts;

static bool parse_size(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (!*s || *s == '-') return false;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s) return false;
  unsigned shift = 0;
  if (*end == 'k' || *end == 'K') shift = 10, end++;
  else if (*end == 'm' || *end == 'M') shift = 20, end++;
  else if (*end == 'g' || *end == 'G') shift = 30, end++;
  if (*end || (shift && v > (UINT64_MAX >> shift))) return false;
  *out = (uint64_t)v << shift;
  return true;
}

/* Reports a trap or failure the way the header comment promises. */
static int report(const tea_error *err) {
  switch (err->code) {
  case TEA_OK: return 0;
  case TEA_ERR_EXIT: return err->exit_status & 0xff;
  case TEA_ERR_TRAP:
    fprintf(stderr, "error: wasm trap: %s\n", msg_of(err));
    return EXIT_TRAP;
  default:
    fprintf(stderr, "error: %s\n", msg_of(err));
    return EXIT_FAIL;
  }
}

static bool has_func_export(const tea_wasm_module *m, const char *name) {
  size_t n = tea_wasm_module_export_count(m);
  for (size_t i = 0; i < n; i++) {
    tea_wasm_extern_kind kind;
    const char *e = tea_wasm_module_export_name(m, i, &kind);
    if (kind == TEA_WASM_EXTERN_FUNC && e && strcmp(e, name) == 0) return true;
  }
  return false;
}

/* --invoke, checked before anything runs: the export, its type, and the
 * parameters parsed from args by that type. */
typedef struct invocation {
  tea_wasm_func *func;
  tea_wasm_val *params, *results; /* one allocation, params first */
  uint32_t np, nr;
} invocation;

static bool prepare_invoke(tea_wasm_instance *inst, const char *name, int nargs, char **args,
                           invocation *iv) {
  tea_error err;
  tea_error_clear(&err);
  tea_wasm_extern ext;
  if (tea_wasm_instance_export(inst, name, &ext, &err) != TEA_OK ||
      ext.kind != TEA_WASM_EXTERN_FUNC) {
    fprintf(stderr, "error: no exported function named '%s'\n", name);
    return false;
  }
  iv->np = tea_wasm_func_param_count(ext.of.func);
  iv->nr = tea_wasm_func_result_count(ext.of.func);
  if ((uint32_t)nargs != iv->np) {
    fprintf(stderr, "error: '%s' takes %" PRIu32 " argument%s, %d given\n", name, iv->np,
            iv->np == 1 ? "" : "s", nargs);
    return false;
  }
  iv->func = ext.of.func;
  iv->params = calloc((size_t)iv->np + iv->nr + 1, sizeof *iv->params);
  if (!iv->params) {
    fprintf(stderr, "error: out of memory\n");
    return false;
  }
  iv->results = iv->params + iv->np;
  for (uint32_t i = 0; i < iv->np; i++) {
    tea_wasm_valtype t = tea_wasm_func_param_type(ext.of.func, i);
    if (!parse_val(args[i], t, &iv->params[i])) {
      fprintf(stderr, "error: argument %" PRIu32 " of '%s': '%s' is not a valid %s\n", i + 1,
              name, args[i], type_name(t));
      return false;
    }
  }
  return true;
}

static int invoke(tea_wasm_store *store, invocation *iv) {
  tea_error err;
  tea_error_clear(&err);
  if (tea_wasm_func_call(store, iv->func, iv->params, iv->np, iv->results, iv->nr, &err) !=
      TEA_OK)
    return report(&err);
  for (uint32_t i = 0; i < iv->nr; i++) print_val(&iv->results[i]);
  return 0;
}

static int run_module(const run_opts *o, const char *path, int nargs, char **args) {
  size_t len = 0;
  uint8_t *bytes = tea_cli_read_or_say(path, &len);
  if (!bytes) return EXIT_FAIL;
  int status = EXIT_FAIL;
  tea_error err;
  tea_error_clear(&err);
  tea_wasm_module *module = NULL;
  tea_wasm_store *store = NULL;
  tea_wasm_linker *linker = NULL;
  tea_wasi *wasi = NULL;
  tea_wasm_instance *inst = NULL;
  const char **argv = NULL;
  invocation iv = {0};

  tea_wasm_config mc = {.deterministic = o->deterministic};
  tea_code rc = tea_wasm_module_load(bytes, len, &mc, &module, &err);
  free(bytes); /* the module keeps its own copy */
  bytes = NULL;
  if (rc != TEA_OK) {
    fprintf(stderr, "error: %s: %s\n", path, msg_of(&err));
    goto out;
  }
  tea_wasm_limits limits = {0};
  limits.fuel = o->fuel;
  limits.max_memory_pages = (uint32_t)(o->max_memory / TEA_WASM_PAGE_SIZE);
  if (tea_wasm_store_new(&limits, &store, &err) != TEA_OK ||
      tea_wasm_linker_new(&linker, &err) != TEA_OK) {
    status = report(&err);
    goto out;
  }
  /* Under --invoke the values are not program arguments, but wasmtime
   * passes them in argv all the same; so do we. */
  argv = malloc(((size_t)nargs + 1) * sizeof *argv);
  if (!argv) {
    fprintf(stderr, "error: out of memory\n");
    goto out;
  }
  argv[0] = path;
  for (int i = 0; i < nargs; i++) argv[i + 1] = args[i];
  tea_wasi_config wc;
  tea_wasi_config_init(&wc);
  wc.argv = argv;
  wc.argc = (size_t)nargs + 1;
  wc.envp = (const char *const *)o->env;
  wc.envc = o->nenv;
  wc.preopens = o->dirs;
  wc.npreopens = o->ndirs;
  if (tea_wasi_new(&wc, &wasi, &err) != TEA_OK ||
      tea_wasi_define(wasi, linker, store, &err) != TEA_OK) {
    status = report(&err);
    goto out;
  }
  if (tea_wasm_instantiate(store, module, linker, &inst, &err) != TEA_OK) {
    status = report(&err);
    goto out;
  }
  if (o->invoke && !prepare_invoke(inst, o->invoke, nargs, args, &iv)) goto out;
  if (has_func_export(module, "_initialize")) {
    tea_error_clear(&err);
    if (tea_wasm_call(inst, "_initialize", NULL, 0, NULL, 0, &err) != TEA_OK) {
      status = report(&err);
      goto out;
    }
  }
  if (o->invoke) {
    status = invoke(store, &iv);
  } else if (has_func_export(module, "_start")) {
    tea_error_clear(&err);
    rc = tea_wasm_call(inst, "_start", NULL, 0, NULL, 0, &err);
    status = rc == TEA_OK ? 0 : report(&err);
  } else {
    status = 0; /* a reactor with nothing invoked: initialized, done */
  }
out:
  free(iv.params);
  free(argv);
  tea_wasm_linker_free(linker);
  tea_wasm_store_free(store);
  tea_wasi_free(wasi); /* after the store: its functions point at it */
  tea_wasm_module_free(module);
  return status;
}

/* Takes an option's value from "--opt=value" or the next argument. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt) {
  size_t n = strlen(opt);
  if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=') return argv[*i] + n + 1;
  if (strcmp(argv[*i], opt) != 0) return NULL;
  if (*i + 1 >= argc) {
    fprintf(stderr, "teanode wasm run: %s needs a value\n", opt);
    return NULL;
  }
  return argv[++*i];
}

static bool is_opt(const char *arg, const char *opt) {
  size_t n = strlen(opt);
  return strncmp(arg, opt, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int cmd_run(int argc, char **argv) {
  run_opts o;
  memset(&o, 0, sizeof o);
  int status = TEA_CLI_USAGE;
  /* At most one --dir/--env per argument: argc bounds both tables. */
  o.dirs = calloc((size_t)argc, sizeof *o.dirs);
  o.env = calloc((size_t)argc, sizeof *o.env);
  o.env_owned = calloc((size_t)argc, sizeof *o.env_owned);
  if (!o.dirs || !o.env || !o.env_owned) {
    fprintf(stderr, "error: out of memory\n");
    status = EXIT_FAIL;
    goto out;
  }
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i], *v;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (tea_cli_is_help(a)) {
      usage_run(stdout);
      status = 0;
      goto out;
    } else if (strcmp(a, "--deterministic") == 0) {
      o.deterministic = true;
    } else if (is_opt(a, "--dir")) {
      if (!(v = opt_value(argc, argv, &i, "--dir"))) goto out;
      /* HOST::GUEST, split at the last "::" so a host path may contain one. */
      char *copy = strdup(v), *sep = NULL;
      for (char *p = copy; p && (p = strstr(p, "::")); p += 2) sep = p;
      if (!copy) goto out;
      if (sep) *sep = '\0';
      o.dirs[o.ndirs].host_path = copy;
      o.dirs[o.ndirs].guest_path = sep ? sep + 2 : NULL;
      o.ndirs++;
    } else if (is_opt(a, "--env")) {
      if (!(v = opt_value(argc, argv, &i, "--env"))) goto out;
      if (strchr(v, '=')) {
        o.env[o.nenv++] = (char *)v;
      } else if (getenv(v)) { /* --env NAME: the host's value, as wasmtime does */
        const char *hv = getenv(v);
        size_t l = strlen(v) + strlen(hv) + 2;
        char *kv = malloc(l);
        if (!kv) goto out;
        snprintf(kv, l, "%s=%s", v, hv);
        o.env_owned[o.nenv] = true;
        o.env[o.nenv++] = kv;
      }
    } else if (is_opt(a, "--fuel")) {
      if (!(v = opt_value(argc, argv, &i, "--fuel"))) goto out;
      if (!parse_size(v, &o.fuel) || strpbrk(v, "kKmMgG")) {
        fprintf(stderr, "teanode wasm run: --fuel wants a number, not '%s'\n", v);
        goto out;
      }
    } else if (is_opt(a, "--max-memory")) {
      if (!(v = opt_value(argc, argv, &i, "--max-memory"))) goto out;
      if (!parse_size(v, &o.max_memory) || o.max_memory < TEA_WASM_PAGE_SIZE) {
        fprintf(stderr,
                "teanode wasm run: --max-memory wants a size of at least 65536 (one page), "
                "not '%s'\n", v);
        goto out;
      }
      if (o.max_memory > (uint64_t)TEA_WASM_PAGE_SIZE * 65536u)
        o.max_memory = (uint64_t)TEA_WASM_PAGE_SIZE * 65536u;
    } else if (is_opt(a, "--invoke")) {
      if (!(v = opt_value(argc, argv, &i, "--invoke"))) goto out;
      o.invoke = v;
    } else {
      fprintf(stderr, "teanode wasm run: unknown option '%s' (try --help)\n", a);
      goto out;
    }
  }
  if (i >= argc) {
    usage_run(stderr);
    goto out;
  }
  status = run_module(&o, argv[i], argc - i - 1, argv + i + 1);
out:
  fflush(stdout);
  if (o.dirs)
    for (size_t k = 0; k < o.ndirs; k++) free((char *)o.dirs[k].host_path);
  if (o.env_owned)
    for (size_t k = 0; k < o.nenv; k++)
      if (o.env_owned[k]) free(o.env[k]);
  free(o.dirs);
  free(o.env);
  free(o.env_owned);
  return status;
}

/* ---- validate ------------------------------------------------------------- */

static int cmd_validate(int argc, char **argv) {
  if (argc == 2 && tea_cli_is_help(argv[1])) {
    usage_validate(stdout);
    return 0;
  }
  if (argc != 2) {
    usage_validate(stderr);
    return TEA_CLI_USAGE;
  }
  size_t len = 0;
  uint8_t *bytes = tea_cli_read_or_say(argv[1], &len);
  if (!bytes) return EXIT_FAIL;
  tea_error err;
  tea_error_clear(&err);
  tea_wasm_module *m = NULL;
  tea_wasm_config mc = {.deterministic = false};
  tea_code rc = tea_wasm_module_load(bytes, len, &mc, &m, &err);
  free(bytes);
  if (rc != TEA_OK) {
    fprintf(stderr, "error: %s: %s\n", argv[1], msg_of(&err));
    return EXIT_FAIL;
  }
  tea_wasm_module_free(m);
  puts("valid");
  return 0;
}

/* ---- dispatch ------------------------------------------------------------- */

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
} subcommands[] = {
    {"run", cmd_run},
    {"validate", cmd_validate},
};

int tea_cmd_wasm(int argc, char **argv) {
  if (argc < 2) {
    usage_wasm(stderr);
    return TEA_CLI_USAGE;
  }
  if (tea_cli_is_help(argv[1])) {
    usage_wasm(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    if (strcmp(argv[1], subcommands[i].name) == 0) return subcommands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "teanode wasm: unknown command '%s' (try 'teanode wasm --help')\n", argv[1]);
  return TEA_CLI_USAGE;
}
