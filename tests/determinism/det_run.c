/* det_run: runs one WebAssembly program, or one waPC actor operation, with
 * fixed inputs and a fixed fuel budget, for the cross-architecture
 * determinism check (tests/determinism/run.sh compares what it prints with
 * the values recorded on x86-64).
 *
 *   det_run [--fuel N] wasi MODULE [ARGS...]
 *   det_run [--fuel N] actor MODULE OP INPUT_FILE [BLOB_FILE]
 *
 * Everything the guest produces goes to stdout: a WASI program's fd 1 and
 * fd 2 (in the order written), an actor's __console_log lines and then its
 * answer. The last line, on stderr, is "fuel=N status=S" with S one of
 * ok, exit:CODE, guest-error, trap:MESSAGE, error:MESSAGE.
 *
 * It links the engine and WASI only (libc, nothing else), so it builds for
 * every CPU the cross script targets, including those Debian 12 ships no
 * libsodium/libcrypto for; the actor host proper needs those, so actors run
 * here through a minimal waPC host whose host calls answer from fixed data:
 * tea:log succeeds, tea:blobstore "get" returns BLOB_FILE, anything else
 * fails. Clocks and randomness are not granted: a program that asks gets
 * ENOTCAPABLE, the same answer everywhere. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tea/wasi.h"
#include "tea/wasm.h"

#define DET_DEFAULT_FUEL 20000000000ull
#define DET_MAX_FILE (64u << 20)

typedef struct det_waPC {
  const char *op;
  uint8_t *input, *blob;
  size_t input_len, blob_len;
  /* the answer of the last __host_call, pulled by __host_response/_error */
  const uint8_t *answer;
  size_t answer_len;
  bool answer_ok;
  bool guest_error;
  uint8_t *reply;
  size_t reply_len;
} det_waPC;

static uint8_t *det_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = malloc(DET_MAX_FILE);
  size_t n = buf ? fread(buf, 1, DET_MAX_FILE, f) : 0;
  bool ok = buf && !ferror(f) && n < DET_MAX_FILE;
  fclose(f);
  if (!ok) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

static int det_output(void *user, int stream, const uint8_t *data, size_t len) {
  (void)user;
  (void)stream;
  return fwrite(data, 1, len, stdout) == len ? TEA_WASI_ESUCCESS : TEA_WASI_EIO;
}

/* ---- the waPC imports ---------------------------------------------------- */

static tea_wasm_memory *det_mem(tea_wasm_host_call *c) {
  return c->caller ? tea_wasm_instance_memory(c->caller) : NULL;
}

static tea_code det_put(tea_wasm_host_call *c, uint32_t at, const void *src, size_t n) {
  tea_wasm_memory *m = det_mem(c);
  if (!m) return tea_fail(c->err, TEA_ERR_TRAP, "waPC: the caller has no memory");
  return n ? tea_wasm_memory_write(m, at, src, n, c->err) : TEA_OK;
}

/* Guest bytes [at, at+n) copied out, NUL-terminated (for names and logs). */
static tea_code det_get(tea_wasm_host_call *c, uint32_t at, uint32_t n, uint8_t **out) {
  tea_wasm_memory *m = det_mem(c);
  if (!m) return tea_fail(c->err, TEA_ERR_TRAP, "waPC: the caller has no memory");
  if (!(*out = malloc((size_t)n + 1))) return tea_fail(c->err, TEA_ERR_NOMEM, "out of memory");
  (*out)[n] = 0;
  tea_code rc = tea_wasm_memory_read(m, at, *out, n, c->err);
  if (rc != TEA_OK) {
    free(*out);
    *out = NULL;
  }
  return rc;
}

static tea_code det_guest_request(tea_wasm_host_call *c, tea_wasm_slot *s) {
  det_waPC *w = c->env;
  tea_code rc = det_put(c, s[0].u32, w->op, strlen(w->op));
  return rc == TEA_OK ? det_put(c, s[1].u32, w->input, w->input_len) : rc;
}

static tea_code det_take_reply(tea_wasm_host_call *c, tea_wasm_slot *s, bool error) {
  det_waPC *w = c->env;
  free(w->reply);
  w->reply = NULL;
  w->guest_error = error;
  w->reply_len = s[1].u32;
  return det_get(c, s[0].u32, s[1].u32, &w->reply);
}

static tea_code det_guest_response(tea_wasm_host_call *c, tea_wasm_slot *s) {
  return det_take_reply(c, s, false);
}

static tea_code det_guest_error(tea_wasm_host_call *c, tea_wasm_slot *s) {
  return det_take_reply(c, s, true);
}

/* (binding, namespace, operation, payload) as four (ptr, len) pairs. */
static tea_code det_host_call(tea_wasm_host_call *c, tea_wasm_slot *s) {
  det_waPC *w = c->env;
  uint8_t *ns = NULL, *op = NULL;
  tea_code rc = det_get(c, s[2].u32, s[3].u32, &ns);
  if (rc == TEA_OK) rc = det_get(c, s[4].u32, s[5].u32, &op);
  if (rc == TEA_OK) {
    static const char no_provider[] = "det_run: no such provider";
    w->answer_ok = true;
    w->answer = (const uint8_t *)"";
    w->answer_len = 0;
    if (strcmp((char *)ns, "tea:blobstore") == 0 && strcmp((char *)op, "get") == 0 && w->blob) {
      w->answer = w->blob;
      w->answer_len = w->blob_len;
    } else if (strcmp((char *)ns, "tea:log") != 0) {
      w->answer_ok = false;
      w->answer = (const uint8_t *)no_provider;
      w->answer_len = sizeof no_provider - 1;
    }
    s[0].i32 = w->answer_ok;
  }
  free(ns);
  free(op);
  return rc;
}

static tea_code det_host_response(tea_wasm_host_call *c, tea_wasm_slot *s) {
  det_waPC *w = c->env;
  return w->answer_ok ? det_put(c, s[0].u32, w->answer, w->answer_len) : TEA_OK;
}

static tea_code det_host_response_len(tea_wasm_host_call *c, tea_wasm_slot *s) {
  det_waPC *w = c->env;
  s[0].u32 = w->answer_ok ? (uint32_t)w->answer_len : 0;
  return TEA_OK;
}

static tea_code det_host_error(tea_wasm_host_call *c, tea_wasm_slot *s) {
  det_waPC *w = c->env;
  return w->answer_ok ? TEA_OK : det_put(c, s[0].u32, w->answer, w->answer_len);
}

static tea_code det_host_error_len(tea_wasm_host_call *c, tea_wasm_slot *s) {
  det_waPC *w = c->env;
  s[0].u32 = w->answer_ok ? 0 : (uint32_t)w->answer_len;
  return TEA_OK;
}

static tea_code det_console_log(tea_wasm_host_call *c, tea_wasm_slot *s) {
  uint8_t *msg = NULL;
  tea_code rc = det_get(c, s[0].u32, s[1].u32, &msg);
  if (rc == TEA_OK) {
    printf("log: ");
    fwrite(msg, 1, s[1].u32, stdout);
    printf("\n");
  }
  free(msg);
  return rc;
}

static tea_code det_define_waPC(tea_wasm_linker *linker, tea_wasm_store *store, det_waPC *w,
                                tea_error *err) {
  static const tea_wasm_valtype i32s[8] = {TEA_WASM_I32, TEA_WASM_I32, TEA_WASM_I32, TEA_WASM_I32,
                                           TEA_WASM_I32, TEA_WASM_I32, TEA_WASM_I32, TEA_WASM_I32};
  static const struct {
    const char *name;
    uint32_t nparams, nresults;
    tea_wasm_host_fn fn;
  } imports[] = {
      {"__guest_request", 2, 0, det_guest_request},
      {"__guest_response", 2, 0, det_guest_response},
      {"__guest_error", 2, 0, det_guest_error},
      {"__host_call", 8, 1, det_host_call},
      {"__host_response", 1, 0, det_host_response},
      {"__host_response_len", 0, 1, det_host_response_len},
      {"__host_error", 1, 0, det_host_error},
      {"__host_error_len", 0, 1, det_host_error_len},
      {"__console_log", 2, 0, det_console_log},
  };
  for (size_t i = 0; i < sizeof imports / sizeof imports[0]; i++) {
    tea_code rc = tea_wasm_linker_define_func(linker, store, "wapc", imports[i].name, i32s,
                                              imports[i].nparams, i32s, imports[i].nresults,
                                              imports[i].fn, w, err);
    if (rc != TEA_OK) return rc;
  }
  return TEA_OK;
}

/* ---- running ----------------------------------------------------------- */

static bool det_has_export(tea_wasm_instance *in, const char *name) {
  tea_wasm_extern ext;
  tea_error ignored;
  return tea_wasm_instance_export(in, name, &ext, &ignored) == TEA_OK &&
         ext.kind == TEA_WASM_EXTERN_FUNC;
}

/* Runs the program or the operation; the status text goes to status. */
static void det_run(tea_wasm_instance *in, det_waPC *w, char *status, size_t cap, tea_error *err) {
  tea_code rc = TEA_OK;
  if (det_has_export(in, "_initialize")) rc = tea_wasm_call(in, "_initialize", NULL, 0, NULL, 0, err);
  if (!w) {
    if (rc == TEA_OK) rc = tea_wasm_call(in, "_start", NULL, 0, NULL, 0, err);
  } else {
    if (rc == TEA_OK && det_has_export(in, "wapc_init"))
      rc = tea_wasm_call(in, "wapc_init", NULL, 0, NULL, 0, err);
    tea_wasm_val args[2] = {{.type = TEA_WASM_I32}, {.type = TEA_WASM_I32}};
    args[0].of.u32 = (uint32_t)strlen(w->op);
    args[1].of.u32 = (uint32_t)w->input_len;
    tea_wasm_val res = {.type = TEA_WASM_I32};
    if (rc == TEA_OK) rc = tea_wasm_call(in, "__guest_call", args, 2, &res, 1, err);
    if (rc == TEA_OK && w->reply) {
      fwrite(w->reply, 1, w->reply_len, stdout);
      snprintf(status, cap, "%s", res.of.i32 == 1 && !w->guest_error ? "ok" : "guest-error");
      return;
    }
    if (rc == TEA_OK) {
      snprintf(status, cap, "error:the actor gave no answer");
      return;
    }
  }
  if (rc == TEA_OK)
    snprintf(status, cap, "ok");
  else if (rc == TEA_ERR_EXIT)
    snprintf(status, cap, "exit:%d", err->exit_status);
  else
    snprintf(status, cap, "%s:%s", rc == TEA_ERR_TRAP ? "trap" : "error", err->msg);
}

static int det_usage(void) {
  fprintf(stderr,
          "usage: det_run [--fuel N] wasi MODULE [ARGS...]\n"
          "       det_run [--fuel N] actor MODULE OP INPUT_FILE [BLOB_FILE]\n");
  return 2;
}

int main(int argc, char **argv) {
  uint64_t fuel = DET_DEFAULT_FUEL;
  int i = 1;
  if (i + 1 < argc && strcmp(argv[i], "--fuel") == 0) {
    char *end;
    fuel = strtoull(argv[i + 1], &end, 10);
    if (*end || !fuel) return det_usage();
    i += 2;
  }
  if (argc - i < 2) return det_usage();
  bool actor = strcmp(argv[i], "actor") == 0;
  if (!actor && strcmp(argv[i], "wasi") != 0) return det_usage();
  if (actor && argc - i != 4 && argc - i != 5) return det_usage();
  const char *path = argv[i + 1];

  det_waPC w = {0};
  size_t len = 0;
  uint8_t *bytes = det_read(path, &len);
  if (!bytes) {
    fprintf(stderr, "det_run: cannot read %s\n", path);
    return 1;
  }
  if (actor) {
    w.op = argv[i + 2];
    w.input = det_read(argv[i + 3], &w.input_len);
    if (argc - i == 5) w.blob = det_read(argv[i + 4], &w.blob_len);
    if (!w.input || (argc - i == 5 && !w.blob)) {
      fprintf(stderr, "det_run: cannot read the input or blob file\n");
      return 1;
    }
  }

  tea_error err;
  memset(&err, 0, sizeof err);
  tea_wasm_module *mod = NULL;
  tea_wasm_store *store = NULL;
  tea_wasm_linker *linker = NULL;
  tea_wasi *wasi = NULL;
  tea_wasm_instance *in = NULL;
  tea_wasm_config mc = {.deterministic = true};
  tea_wasi_config wc;
  tea_wasi_config_init(&wc);
  wc.argv = (const char *const *)(argv + i + 1);
  wc.argc = actor ? 1 : (size_t)(argc - i - 1);
  wc.caps = TEA_WASI_CAP_ARGS | TEA_WASI_CAP_ENV | TEA_WASI_CAP_STDIO | TEA_WASI_CAP_EXIT;
  wc.stdin_fd = -1;
  wc.output = det_output;

  tea_code rc = tea_wasm_module_load(bytes, len, &mc, &mod, &err);
  if (rc == TEA_OK) rc = tea_wasm_store_new(NULL, &store, &err);
  if (rc == TEA_OK) rc = tea_wasm_linker_new(&linker, &err);
  if (rc == TEA_OK) rc = tea_wasi_new(&wc, &wasi, &err);
  if (rc == TEA_OK) rc = tea_wasi_define(wasi, linker, store, &err);
  if (rc == TEA_OK && actor) rc = det_define_waPC(linker, store, &w, &err);
  if (rc == TEA_OK) {
    tea_wasm_store_set_fuel(store, fuel);
    rc = tea_wasm_instantiate(store, mod, linker, &in, &err);
  }
  char status[320];
  if (rc == TEA_OK)
    det_run(in, actor ? &w : NULL, status, sizeof status, &err);
  else
    snprintf(status, sizeof status, "error:%s", err.msg);
  fflush(stdout);
  fprintf(stderr, "fuel=%" PRIu64 " status=%s\n", store ? tea_wasm_store_fuel_used(store) : 0,
          status);

  if (store) tea_wasm_store_free(store);
  tea_wasm_linker_free(linker);
  tea_wasi_free(wasi);
  tea_wasm_module_free(mod);
  free(bytes);
  free(w.input);
  free(w.blob);
  free(w.reply);
  return 0;
}
