/* WASI for actors, gated by their grants: clocks through tea:clock and
 * randomness through tea:random (both as host calls, so their answers are in
 * the transcript and replay reproduces them), stdout and stderr into the
 * node's log, files never (no preopens, FILES off), empty args and
 * environment (so wasi-libc's start-up works), proc_exit allowed. */
#include <string.h>

#include "host/internal.h"
#include "tea/wasi.h"

static int output(void *user, int stream, const uint8_t *data, size_t len) {
  tea_invocation *inv = user;
  if (inv->log_bytes < TEA_ACTOR_LOG_MAX) {
    size_t n = len > TEA_ACTOR_LOG_MAX - inv->log_bytes ? TEA_ACTOR_LOG_MAX - inv->log_bytes : len;
    inv->log_bytes += n;
    if (!inv->probing) tea_host_log(inv->host, inv->actor->name, stream == 2 ? "stderr" : "stdout", (const char *)data, n);
  }
  return TEA_WASI_ESUCCESS; /* dropped output still counts as written */
}

/* A host call made on WASI's behalf. Failures that must end the run (limits,
 * replay divergence) are kept in inv->fatal and the guest is interrupted,
 * because an errno alone could be ignored by the guest. */
static int call(tea_invocation *inv, const char *cap, const char *op, const uint8_t *req, size_t req_len) {
  bool ok;
  tea_error err;
  tea_error_clear(&err);
  if (tea_invocation_host_call(inv, cap, op, req, req_len, &ok, &err) != TEA_OK) {
    if (inv->fatal.code == TEA_OK) inv->fatal = err;
    tea_wasm_store_interrupt(inv->store);
    return TEA_WASI_ENOTCAPABLE;
  }
  return ok ? TEA_WASI_ESUCCESS : TEA_WASI_EIO;
}

static int clock_cb(void *user, uint32_t clock_id, int resolution, uint64_t *ns) {
  tea_invocation *inv = user;
  uint8_t req[4] = {(uint8_t)clock_id, (uint8_t)(clock_id >> 8), (uint8_t)(clock_id >> 16),
                    (uint8_t)(clock_id >> 24)};
  int e = call(inv, TEA_CAP_CLOCK, resolution ? "clock_res_get" : "clock_time_get", req, 4);
  if (e) return e;
  if (inv->host_resp_len != 8) return TEA_WASI_EIO;
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | inv->host_resp[i];
  *ns = v;
  return TEA_WASI_ESUCCESS;
}

static int random_cb(void *user, uint8_t *buf, size_t len) {
  tea_invocation *inv = user;
  if (len > UINT32_MAX) return TEA_WASI_EINVAL;
  uint8_t req[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
  int e = call(inv, TEA_CAP_RANDOM, "bytes", req, 4);
  if (e) return e;
  if (inv->host_resp_len != len) return TEA_WASI_EIO;
  if (len) memcpy(buf, inv->host_resp, len);
  return TEA_WASI_ESUCCESS;
}

static tea_wasi *wasi_of_store(tea_wasm_store *store) {
  tea_invocation *inv = tea_wasm_store_user(store);
  return inv ? inv->wasi : NULL;
}

tea_code tea_wasi_gate_define(tea_wasm_linker *linker, tea_error *err) {
  static const tea_wasi_binding binding = {wasi_of_store};
  return tea_wasi_define_shared(&binding, linker, err);
}

tea_code tea_wasi_gate_new(tea_invocation *inv, tea_wasi **out, tea_error *err) {
  tea_wasi_config cfg;
  tea_wasi_config_init(&cfg);
  static const char *const argv[] = {"actor"};
  cfg.argv = argv;
  cfg.argc = 1;
  cfg.stdin_fd = cfg.stdout_fd = cfg.stderr_fd = -1;
  cfg.caps = TEA_WASI_CAP_ARGS | TEA_WASI_CAP_ENV | TEA_WASI_CAP_STDIO | TEA_WASI_CAP_EXIT;
  if (tea_actor_granted(inv->actor, TEA_CAP_CLOCK)) cfg.caps |= TEA_WASI_CAP_CLOCK;
  if (tea_actor_granted(inv->actor, TEA_CAP_RANDOM)) cfg.caps |= TEA_WASI_CAP_RANDOM;
  cfg.output = output;
  cfg.clock = clock_cb;
  cfg.random = random_cb;
  cfg.user = inv;
  return tea_wasi_new(&cfg, out, err);
}
