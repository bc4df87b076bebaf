/* The waPC host side (module "wapc"), as wapc-rs and the guest SDKs define
 * it: the host announces a call with __guest_call(op_len, msg_len), the
 * guest pulls op and message with __guest_request, and answers with
 * __guest_response or __guest_error; __host_call goes the other way and its
 * answer is pulled with __host_response / __host_error. Every pointer is
 * checked against the caller's memory; a bad one traps the guest. */
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"

#define MAX_NAME 256       /* namespace, operation, binding */
#define MAX_LOG_LINE 4096  /* one __console_log line is cut here */

static tea_wasm_memory *memory_of(tea_wasm_host_call *c) {
  return c->caller ? tea_wasm_instance_memory(c->caller) : NULL;
}

/* The guest bytes [ptr, ptr+len), or NULL after failing err with a trap. */
static uint8_t *span(tea_wasm_host_call *c, const char *fn, uint32_t ptr, uint32_t len) {
  tea_wasm_memory *m = memory_of(c);
  uint8_t *p = m ? tea_wasm_memory_span(m, ptr, len) : NULL;
  if (!p) tea_fail(c->err, TEA_ERR_TRAP, "%s: out of bounds memory access", fn);
  return p;
}

static tea_code put(tea_wasm_host_call *c, const char *fn, uint32_t ptr, const uint8_t *src, size_t len) {
  if (!len) return TEA_OK;
  uint8_t *p = span(c, fn, ptr, (uint32_t)len);
  if (!p) return TEA_ERR_TRAP;
  memcpy(p, src, len);
  return TEA_OK;
}

static tea_code copy_out(tea_wasm_host_call *c, const char *fn, uint32_t ptr, uint32_t len, size_t limit,
                         uint8_t **dst, size_t *dst_len) {
  if (len > limit)
    return tea_fail(c->err, TEA_ERR_LIMIT, "%s: %u bytes is over the limit of %zu", fn, len, limit);
  uint8_t *p = span(c, fn, ptr, len);
  if (!p) return TEA_ERR_TRAP;
  uint8_t *d = malloc(len ? len : 1);
  if (!d) return tea_fail(c->err, TEA_ERR_NOMEM, "out of memory");
  if (len) memcpy(d, p, len);
  free(*dst);
  *dst = d;
  *dst_len = len;
  return TEA_OK;
}

/* A name argument as a C string (no NULs, at most MAX_NAME bytes). */
static tea_code name_arg(tea_wasm_host_call *c, const char *what, uint32_t ptr, uint32_t len,
                         char out[MAX_NAME + 1]) {
  if (len > MAX_NAME) return tea_fail(c->err, TEA_ERR_LIMIT, "__host_call: %s longer than %d bytes", what, MAX_NAME);
  uint8_t *p = span(c, "__host_call", ptr, len);
  if (!p) return TEA_ERR_TRAP;
  if (len && memchr(p, 0, len)) return tea_fail(c->err, TEA_ERR_TRAP, "__host_call: NUL in the %s", what);
  memcpy(out, p, len);
  out[len] = 0;
  return TEA_OK;
}

static tea_code guest_request(tea_wasm_host_call *c, tea_wasm_slot *s) {
  tea_invocation *inv = tea_wasm_store_user(c->store);
  tea_code rc = put(c, "__guest_request", s[0].u32, (const uint8_t *)inv->op, strlen(inv->op));
  return rc != TEA_OK ? rc : put(c, "__guest_request", s[1].u32, inv->input, inv->input_len);
}

static tea_code guest_response(tea_wasm_host_call *c, tea_wasm_slot *s) {
  tea_invocation *inv = tea_wasm_store_user(c->store);
  tea_code rc = copy_out(c, "__guest_response", s[0].u32, s[1].u32, inv->actor->limits.max_output,
                         &inv->response, &inv->response_len);
  if (rc == TEA_OK) inv->responded = true;
  return rc;
}

static tea_code guest_error(tea_wasm_host_call *c, tea_wasm_slot *s) {
  tea_invocation *inv = tea_wasm_store_user(c->store);
  tea_code rc = copy_out(c, "__guest_error", s[0].u32, s[1].u32, inv->actor->limits.max_output,
                         &inv->guest_err, &inv->guest_err_len);
  if (rc == TEA_OK) inv->errored = true;
  return rc;
}

static tea_code host_call(tea_wasm_host_call *c, tea_wasm_slot *s) {
  tea_invocation *inv = tea_wasm_store_user(c->store);
  char bd[MAX_NAME + 1], ns[MAX_NAME + 1], op[MAX_NAME + 1];
  tea_code rc;
  /* The binding (wasmCloud's link name) does not select anything here: the
   * namespace is the capability. It is checked, then ignored. */
  if ((rc = name_arg(c, "binding", s[0].u32, s[1].u32, bd)) || (rc = name_arg(c, "namespace", s[2].u32, s[3].u32, ns)) ||
      (rc = name_arg(c, "operation", s[4].u32, s[5].u32, op)))
    return rc;
  uint32_t len = s[7].u32;
  size_t limit = inv->actor->limits.max_output;
  if (len > limit)
    return tea_fail(c->err, TEA_ERR_LIMIT, "__host_call: request of %u bytes is over the limit of %zu", len, limit);
  const uint8_t *req = len ? span(c, "__host_call", s[6].u32, len) : (const uint8_t *)"";
  if (!req) return TEA_ERR_TRAP;
  bool ok;
  if ((rc = tea_invocation_host_call(inv, ns, op, req, len, &ok, c->err)) != TEA_OK) return rc;
  s[0].i32 = ok ? 1 : 0;
  return TEA_OK;
}

static tea_code host_response(tea_wasm_host_call *c, tea_wasm_slot *s) {
  tea_invocation *inv = tea_wasm_store_user(c->store);
  return put(c, "__host_response", s[0].u32, inv->host_resp, inv->host_resp_len);
}

static tea_code host_response_len(tea_wasm_host_call *c, tea_wasm_slot *s) {
  tea_invocation *inv = tea_wasm_store_user(c->store);
  s[0].u32 = (uint32_t)inv->host_resp_len;
  return TEA_OK;
}

static tea_code host_error(tea_wasm_host_call *c, tea_wasm_slot *s) {
  tea_invocation *inv = tea_wasm_store_user(c->store);
  return put(c, "__host_error", s[0].u32, inv->host_err, inv->host_err_len);
}

static tea_code host_error_len(tea_wasm_host_call *c, tea_wasm_slot *s) {
  tea_invocation *inv = tea_wasm_store_user(c->store);
  s[0].u32 = (uint32_t)inv->host_err_len;
  return TEA_OK;
}

static tea_code console_log(tea_wasm_host_call *c, tea_wasm_slot *s) {
  tea_invocation *inv = tea_wasm_store_user(c->store);
  uint32_t len = s[1].u32;
  const uint8_t *p = len ? span(c, "__console_log", s[0].u32, len) : (const uint8_t *)"";
  if (!p) return TEA_ERR_TRAP;
  size_t n = len > MAX_LOG_LINE ? MAX_LOG_LINE : len;
  if (inv->log_bytes >= TEA_ACTOR_LOG_MAX) return TEA_OK;
  inv->log_bytes += n;
  if (!inv->probing) tea_host_log(inv->host, inv->actor->name, "console", (const char *)p, n);
  return TEA_OK;
}

typedef struct wapc_fn {
  const char *name;
  uint32_t nparams, nresults;
  tea_wasm_host_fn fn;
} wapc_fn;

static const wapc_fn fns[] = {
    {"__guest_request", 2, 0, guest_request},   {"__guest_response", 2, 0, guest_response},
    {"__guest_error", 2, 0, guest_error},       {"__host_call", 8, 1, host_call},
    {"__host_response", 1, 0, host_response},   {"__host_response_len", 0, 1, host_response_len},
    {"__host_error", 1, 0, host_error},         {"__host_error_len", 0, 1, host_error_len},
    {"__console_log", 2, 0, console_log},
};

/* Defined once per host, owned by its linker: a fresh instance links the
 * waPC imports without making anything (each function finds its invocation
 * as the calling store's user pointer). */
tea_code tea_wapc_define(tea_wasm_linker *linker, tea_error *err) {
  static const tea_wasm_valtype i32s[8] = {TEA_WASM_I32, TEA_WASM_I32, TEA_WASM_I32, TEA_WASM_I32,
                                           TEA_WASM_I32, TEA_WASM_I32, TEA_WASM_I32, TEA_WASM_I32};
  for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
    tea_code rc = tea_wasm_linker_define_host(linker, "wapc", fns[i].name, i32s, fns[i].nparams, i32s,
                                              fns[i].nresults, fns[i].fn, NULL, err);
    if (rc != TEA_OK) return rc;
  }
  return TEA_OK;
}
