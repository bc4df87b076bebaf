/* tea: writing actors in C (the guest side, compiled to wasm32).
 *
 * An actor is a waPC guest: the host calls the exported __guest_call, the
 * actor answers through the "wapc" imports. This header declares those
 * imports exactly as the waPC guest SDKs do, and a small library on top
 * (actors/sdk/actor.c) that dispatches operations to handlers:
 *
 *   #include <tea/actor.h>
 *   static int hello(const uint8_t *in, size_t n) {
 *     return tea_actor_respond_str("hello");
 *   }
 *   void tea_actor_init(void) { tea_actor_register("hello", hello); }
 *
 * Build (see actors/meson.build):
 *   clang --target=wasm32-wasi -O2 -mexec-model=reactor -Iinclude \
 *         hello.c actors/sdk/actor.c -o hello.wasm
 * then sign it with `teanode actor sign` (docs/actors.md). */
#ifndef TEA_ACTOR_H
#define TEA_ACTOR_H

#include <stddef.h>
#include <stdint.h>

/* ---- the waPC ABI (module "wapc") ------------------------------------------ */

#define TEA_WAPC_IMPORT(name) __attribute__((import_module("wapc"), import_name(name)))

TEA_WAPC_IMPORT("__guest_request") void __guest_request(uint8_t *op_ptr, uint8_t *msg_ptr);
TEA_WAPC_IMPORT("__guest_response") void __guest_response(const uint8_t *ptr, size_t len);
TEA_WAPC_IMPORT("__guest_error") void __guest_error(const uint8_t *ptr, size_t len);
TEA_WAPC_IMPORT("__host_call")
int __host_call(const uint8_t *bd_ptr, size_t bd_len, const uint8_t *ns_ptr, size_t ns_len,
                const uint8_t *op_ptr, size_t op_len, const uint8_t *ptr, size_t len);
TEA_WAPC_IMPORT("__host_response") void __host_response(uint8_t *ptr);
TEA_WAPC_IMPORT("__host_response_len") size_t __host_response_len(void);
TEA_WAPC_IMPORT("__host_error") void __host_error(uint8_t *ptr);
TEA_WAPC_IMPORT("__host_error_len") size_t __host_error_len(void);
TEA_WAPC_IMPORT("__console_log") void __console_log(const uint8_t *ptr, size_t len);

/* ---- handlers ----------------------------------------------------------------- */

/* A handler answers with tea_actor_respond* (returns 1) or tea_actor_fail
 * (returns 0) and returns that value. input is valid during the call. */
typedef int (*tea_actor_handler)(const uint8_t *input, size_t len);

/* The actor defines this: it registers its operations. Called once per
 * instance, before the first operation (from the exported wapc_init). */
void tea_actor_init(void);
/* At most 32 operations. */
void tea_actor_register(const char *op, tea_actor_handler fn);

int tea_actor_respond(const void *data, size_t len);
int tea_actor_respond_str(const char *s);
int tea_actor_fail(const char *msg);

/* ---- host calls ------------------------------------------------------------- */

/* Calls capability ns (e.g. "tea:keyvalue"). Returns 1 with the answer in
 * *resp, or 0 with the error text in *resp; either way *resp is malloc'd
 * and NUL-terminated (not counted in *resp_len): free it. resp may be NULL. */
int tea_actor_call(const char *ns, const char *op, const void *req, size_t len, uint8_t **resp,
                   size_t *resp_len);
/* __console_log of a C string. */
void tea_actor_log(const char *msg);

/* Conveniences over tea_actor_call (payload formats: include/tea/provider.h). */
int tea_kv_get(const char *key, uint8_t **value, size_t *len);
int tea_kv_set(const char *key, const void *value, size_t len);
/* Adds delta; *value gets the new value. */
int tea_kv_increment(const char *key, long long delta, long long *value);
int tea_blob_get(const char *cid, uint8_t **data, size_t *len);
int tea_actor_call_actor(const char *actor, const char *op, const void *in, size_t len,
                         uint8_t **out, size_t *out_len);

#endif
