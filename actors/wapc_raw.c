/* wapc_raw: a waPC guest written against the bare ABI, shaped like what the
 * waPC guest SDKs emit (wapc-guest for Rust on wasm32-unknown-unknown): no
 * libc, no WASI, imports only from "wapc", exports __guest_call, wapc_init
 * and its memory. It uses nothing from tea/actor.h, to show that a guest
 * built by other tools runs unchanged.
 *   "ping": a host call tea:log info "ping", then answers "pong"
 *   "reverse": answers its input reversed
 *   anything else: __guest_error "unknown operation" */
typedef unsigned int u32;
typedef unsigned char u8;

#define IMPORT(n) __attribute__((import_module("wapc"), import_name(n)))
IMPORT("__guest_request") void guest_request(u8 *op, u8 *msg);
IMPORT("__guest_response") void guest_response(const u8 *p, u32 len);
IMPORT("__guest_error") void guest_error(const u8 *p, u32 len);
IMPORT("__host_call") u32 host_call(const u8 *bd, u32 bdl, const u8 *ns, u32 nsl, const u8 *op, u32 opl,
                                    const u8 *p, u32 len);
IMPORT("__host_response_len") u32 host_response_len(void);
IMPORT("__host_response") void host_response(u8 *p);
IMPORT("__console_log") void console_log(const u8 *p, u32 len);

static u8 op_buf[256], msg_buf[65536], out_buf[65536];
static int ready;

__attribute__((export_name("wapc_init"))) void wapc_init(void) { ready = 1; }

static int eq(const u8 *a, u32 n, const char *b) {
  u32 i = 0;
  for (; i < n && b[i]; i++)
    if (a[i] != (u8)b[i]) return 0;
  return i == n && !b[i];
}

__attribute__((export_name("__guest_call"))) u32 guest_call(u32 op_len, u32 msg_len) {
  if (!ready || op_len > sizeof op_buf || msg_len > sizeof msg_buf) {
    static const u8 e[] = "bad call";
    guest_error(e, sizeof e - 1);
    return 0;
  }
  guest_request(op_buf, msg_buf);
  if (eq(op_buf, op_len, "ping")) {
    static const u8 bd[] = "default", ns[] = "tea:log", op[] = "info", m[] = "ping";
    if (!host_call(bd, 7, ns, 7, op, 4, m, 4)) return 0;
    u32 n = host_response_len(); /* tea:log answers nothing; read it as SDKs do */
    if (n <= sizeof out_buf) host_response(out_buf);
    static const u8 pong[] = "pong";
    console_log(pong, 4);
    guest_response(pong, 4);
    return 1;
  }
  if (eq(op_buf, op_len, "reverse")) {
    for (u32 i = 0; i < msg_len; i++) out_buf[i] = msg_buf[msg_len - 1 - i];
    guest_response(out_buf, msg_len);
    return 1;
  }
  static const u8 e[] = "unknown operation";
  guest_error(e, sizeof e - 1);
  return 0;
}
