/* The guest side of tea/actor.h, compiled into every C actor (wasm32). It is
 * what a waPC guest SDK does: wapc_init lets the actor register handlers,
 * __guest_call fetches the operation and message and dispatches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tea/actor.h"

#define MAX_OPS 32

static struct {
  const char *op;
  tea_actor_handler fn;
} ops[MAX_OPS];
static size_t nops;

void tea_actor_register(const char *op, tea_actor_handler fn) {
  if (nops < MAX_OPS) {
    ops[nops].op = op;
    ops[nops].fn = fn;
    nops++;
  }
}

int tea_actor_respond(const void *data, size_t len) {
  __guest_response(data, len);
  return 1;
}

int tea_actor_respond_str(const char *s) { return tea_actor_respond(s, strlen(s)); }

int tea_actor_fail(const char *msg) {
  __guest_error((const uint8_t *)msg, strlen(msg));
  return 0;
}

void tea_actor_log(const char *msg) { __console_log((const uint8_t *)msg, strlen(msg)); }

__attribute__((export_name("wapc_init"))) void wapc_init(void) { tea_actor_init(); }

__attribute__((export_name("__guest_call"))) int __guest_call(size_t op_len, size_t msg_len) {
  /* Small requests are read onto the stack: in a fresh instance the first
     malloc sets up the allocator, which was most of a small call's work. The
     +1 leaves room for a NUL, so handlers may treat text input as a C string. */
  uint8_t op_small[64], msg_small[512];
  uint8_t *op = op_len < sizeof op_small ? op_small : malloc(op_len + 1);
  uint8_t *msg = msg_len < sizeof msg_small ? msg_small : malloc(msg_len + 1);
  if (!op || !msg) {
    if (op != op_small) free(op);
    if (msg != msg_small) free(msg);
    return tea_actor_fail("out of memory");
  }
  __guest_request(op, msg);
  op[op_len] = 0;
  msg[msg_len] = 0;
  int r = -1;
  for (size_t i = 0; i < nops && r < 0; i++)
    if (strlen(ops[i].op) == op_len && memcmp(ops[i].op, op, op_len) == 0) r = ops[i].fn(msg, msg_len);
  if (r < 0) {
    char m[300];
    snprintf(m, sizeof m, "unknown operation %s", (const char *)op);
    r = tea_actor_fail(m);
  }
  if (op != op_small) free(op);
  if (msg != msg_small) free(msg);
  return r;
}

int tea_actor_call(const char *ns, const char *op, const void *req, size_t len, uint8_t **resp, size_t *resp_len) {
  static const char bd[] = "default";
  int ok = __host_call((const uint8_t *)bd, sizeof bd - 1, (const uint8_t *)ns, strlen(ns), (const uint8_t *)op,
                       strlen(op), req, len);
  size_t n = ok ? __host_response_len() : __host_error_len();
  if (resp_len) *resp_len = n;
  if (!resp) return ok;
  *resp = malloc(n + 1);
  if (!*resp) return 0;
  if (ok) __host_response(*resp);
  else __host_error(*resp);
  (*resp)[n] = 0;
  return ok;
}

int tea_kv_get(const char *key, uint8_t **value, size_t *len) {
  return tea_actor_call("tea:keyvalue", "get", key, strlen(key), value, len);
}

int tea_kv_set(const char *key, const void *value, size_t len) {
  size_t kl = strlen(key);
  uint8_t *req = malloc(kl + 1 + len);
  if (!req) return 0;
  memcpy(req, key, kl + 1);
  memcpy(req + kl + 1, value, len);
  int ok = tea_actor_call("tea:keyvalue", "set", req, kl + 1 + len, NULL, NULL);
  free(req);
  return ok;
}

int tea_kv_increment(const char *key, long long delta, long long *value) {
  char req[300];
  int n = snprintf(req, sizeof req, "%s%c%lld", key, 0, delta);
  if (n < 0 || (size_t)n >= sizeof req) return 0;
  uint8_t *resp;
  int ok = tea_actor_call("tea:keyvalue", "increment", req, (size_t)n, &resp, NULL);
  if (ok && value) *value = strtoll((const char *)resp, NULL, 10);
  free(resp);
  return ok;
}

int tea_blob_get(const char *cid, uint8_t **data, size_t *len) {
  return tea_actor_call("tea:blobstore", "get", cid, strlen(cid), data, len);
}

int tea_actor_call_actor(const char *actor, const char *op, const void *in, size_t len, uint8_t **out,
                         size_t *out_len) {
  size_t al = strlen(actor), ol = strlen(op);
  uint8_t *req = malloc(al + ol + 2 + len);
  if (!req) return 0;
  memcpy(req, actor, al + 1);
  memcpy(req + al + 1, op, ol + 1);
  if (len) memcpy(req + al + ol + 2, in, len);
  int ok = tea_actor_call("tea:actor", "call", req, al + ol + 2 + len, out, out_len);
  free(req);
  return ok;
}
