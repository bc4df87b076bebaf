/* tea: the WebAssembly engine (WebAssembly 2.0 core, SIMD included).
 *
 * Life cycle:
 *   tea_wasm_module_load   bytes -> decoded, validated, compiled module (immutable,
 *                          shareable by any number of instances and threads)
 *   tea_wasm_store_new     an execution context: limits, fuel, the value and call
 *                          stacks; owns every instance, memory, table and global
 *                          made in it; single-threaded (except tea_wasm_store_interrupt)
 *   tea_wasm_linker        what imports resolve to: host functions and other
 *                          instances' exports, by module and name
 *   tea_wasm_instantiate   module + linker + store -> instance
 *   tea_wasm_call          call an export with typed values
 *
 * Errors and traps are values: every call returns a tea_code and fills a
 * tea_error. A trap's message is the spec's wording ("integer divide by zero",
 * "out of bounds memory access", "call stack exhausted", "out of fuel", ...). */
#ifndef TEA_WASM_H
#define TEA_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/error.h"

#define TEA_WASM_PAGE_SIZE 65536u

typedef enum tea_wasm_valtype {
  TEA_WASM_I32 = 0x7f,
  TEA_WASM_I64 = 0x7e,
  TEA_WASM_F32 = 0x7d,
  TEA_WASM_F64 = 0x7c,
  TEA_WASM_V128 = 0x7b,
  TEA_WASM_FUNCREF = 0x70,
  TEA_WASM_EXTERNREF = 0x6f
} tea_wasm_valtype;

typedef struct tea_wasm_module tea_wasm_module;
typedef struct tea_wasm_store tea_wasm_store;
typedef struct tea_wasm_instance tea_wasm_instance;
typedef struct tea_wasm_linker tea_wasm_linker;
typedef struct tea_wasm_func tea_wasm_func;
typedef struct tea_wasm_memory tea_wasm_memory;
typedef struct tea_wasm_table tea_wasm_table;
typedef struct tea_wasm_global tea_wasm_global;

/* A reference value: NULL is the null reference. A funcref points at a
 * tea_wasm_func; an externref is whatever non-NULL pointer the host chose. */
typedef void *tea_wasm_ref;

/* One value as the engine stores it: 64 bits, read by the member of its type.
 * A v128 takes two consecutive slots (see tea_wasm_host_fn). */
typedef union tea_wasm_slot {
  int32_t i32;
  uint32_t u32;
  int64_t i64;
  uint64_t u64;
  float f32;
  double f64;
  tea_wasm_ref ref;
} tea_wasm_slot;

/* A typed value at the API boundary. A v128 lives in `v128` instead of `of`:
 * its 16 bytes in WebAssembly order (byte i is byte i of the value as
 * v128.store would write it, i.e. lane 0 first, each lane little-endian),
 * whatever the host's byte order. */
typedef struct tea_wasm_val {
  tea_wasm_valtype type;
  tea_wasm_slot of;
  uint8_t v128[16];
} tea_wasm_val;

typedef enum tea_wasm_extern_kind {
  TEA_WASM_EXTERN_FUNC = 0,
  TEA_WASM_EXTERN_TABLE = 1,
  TEA_WASM_EXTERN_MEMORY = 2,
  TEA_WASM_EXTERN_GLOBAL = 3
} tea_wasm_extern_kind;

typedef struct tea_wasm_extern {
  tea_wasm_extern_kind kind;
  union {
    tea_wasm_func *func;
    tea_wasm_table *table;
    tea_wasm_memory *memory;
    tea_wasm_global *global;
  } of;
} tea_wasm_extern;

/* ---- modules ------------------------------------------------------------ */

typedef struct tea_wasm_config {
  /* Canonicalize the NaN produced by any float arithmetic, so a run gives the
   * same bits on every CPU. On for actors. */
  bool deterministic;
} tea_wasm_config;

/* Decodes, validates and compiles. The bytes are copied; the caller keeps them.
 * Errors: TEA_ERR_MALFORMED, TEA_ERR_INVALID, TEA_ERR_NOMEM. The message
 * names the section, byte offset and reason. */
tea_code tea_wasm_module_load(const uint8_t *bytes, size_t len, const tea_wasm_config *config,
                              tea_wasm_module **out, tea_error *err);
void tea_wasm_module_free(tea_wasm_module *module);

/* Introspection, for embedders that link by what a module asks for. */
typedef struct tea_wasm_import_info {
  const char *module; /* NUL-terminated copies owned by the module */
  const char *name;
  tea_wasm_extern_kind kind;
} tea_wasm_import_info;
size_t tea_wasm_module_import_count(const tea_wasm_module *module);
tea_wasm_import_info tea_wasm_module_import(const tea_wasm_module *module, size_t index);
size_t tea_wasm_module_export_count(const tea_wasm_module *module);
const char *tea_wasm_module_export_name(const tea_wasm_module *module, size_t index,
                                        tea_wasm_extern_kind *kind);
/* A custom section's payload by name (the first one), or NULL. */
const uint8_t *tea_wasm_module_custom_section(const tea_wasm_module *module, const char *name,
                                              size_t *len);
/* Bytes of compiled code, for the load-throughput benchmark. */
size_t tea_wasm_module_code_size(const tea_wasm_module *module);

/* ---- stores ------------------------------------------------------------- */

typedef struct tea_wasm_limits {
  uint32_t max_memory_pages; /* per memory; 0 = 65536 (4 GiB) */
  uint32_t max_table_elems;  /* per table; 0 = 10,000,000 */
  uint32_t max_call_depth;   /* nested wasm calls; 0 = 10,000 */
  uint32_t stack_slots;      /* value-stack size in 8-byte slots; 0 = 1M (8 MiB) */
  uint64_t fuel;             /* 0 = unmetered */
  /* Keep track of the pages written in this store's memories, so that
   * resetting one (freeing the store, whose memory the next store on the
   * thread reuses; restoring a snapshot) touches only those: worth it for
   * many short runs (the actor host turns it on), not for one long
   * store-heavy run, whose writes it makes up to a fifth slower. */
  bool track_writes;
} tea_wasm_limits;

tea_code tea_wasm_store_new(const tea_wasm_limits *limits, tea_wasm_store **out, tea_error *err);

/* Where guard pages catch out-of-bounds accesses (x86-64 Linux), the runtime
 * owns the process's SIGSEGV handler and passes on faults that are not a
 * guest's. Each new memory checks that the handler is still the runtime's
 * (one system call, the only one in making an instance), because one
 * installed later, a test harness catching crashes say, would take a guest's
 * fault for a crash. A program that installs no SIGSEGV handler after its
 * first memory (teanode) can call this once to keep only the first check. */
void tea_wasm_guard_check_once(void);
/* Frees the store and everything made in it (instances, memories, tables...). */
void tea_wasm_store_free(tea_wasm_store *store);
/* Fuel: units are deterministic (a count of WebAssembly instructions, charged
 * per straight-line run of code), the same on every machine. */
void tea_wasm_store_set_fuel(tea_wasm_store *store, uint64_t fuel); /* 0 = unmetered */
uint64_t tea_wasm_store_fuel_used(const tea_wasm_store *store);
/* Safe from any thread: the running code traps ("interrupted") at its next
 * loop head or call. Cleared by tea_wasm_store_clear_interrupt. */
void tea_wasm_store_interrupt(tea_wasm_store *store);
void tea_wasm_store_clear_interrupt(tea_wasm_store *store);
/* Opaque pointer for host functions to find their context. */
void tea_wasm_store_set_user(tea_wasm_store *store, void *user);
void *tea_wasm_store_user(const tea_wasm_store *store);

/* ---- host objects ------------------------------------------------------- */

/* A host function: args in slots[0..nparams), results written to
 * slots[0..nresults), one slot per value, except that a v128 takes two
 * consecutive slots holding its 16 bytes in tea_wasm_val.v128 order (so
 * with v128s in the signature, value i is at the sum of the widths of the
 * values before it; without them, slot i is value i). Return TEA_OK, or
 * fail (with tea_fail) to trap: the error travels out of tea_wasm_call
 * unchanged (TEA_ERR_EXIT included). */
typedef struct tea_wasm_host_call {
  tea_wasm_store *store;
  tea_wasm_instance *caller; /* NULL when called directly by the embedder */
  void *env;
  tea_error *err;
} tea_wasm_host_call;
typedef tea_code (*tea_wasm_host_fn)(tea_wasm_host_call *call, tea_wasm_slot *slots);

tea_code tea_wasm_func_new_host(tea_wasm_store *store, const tea_wasm_valtype *params,
                                uint32_t nparams, const tea_wasm_valtype *results,
                                uint32_t nresults, tea_wasm_host_fn fn, void *env,
                                tea_wasm_func **out, tea_error *err);
tea_code tea_wasm_memory_new(tea_wasm_store *store, uint32_t min_pages, uint32_t max_pages,
                             bool has_max, tea_wasm_memory **out, tea_error *err);
tea_code tea_wasm_table_new(tea_wasm_store *store, tea_wasm_valtype elem_type, uint32_t min,
                            uint32_t max, bool has_max, tea_wasm_table **out, tea_error *err);
tea_code tea_wasm_global_new(tea_wasm_store *store, tea_wasm_val value, bool mutable_,
                             tea_wasm_global **out, tea_error *err);

/* ---- linking and instances --------------------------------------------- */

tea_code tea_wasm_linker_new(tea_wasm_linker **out, tea_error *err);
void tea_wasm_linker_free(tea_wasm_linker *linker);
/* Later definitions of the same module and name replace earlier ones. */
tea_code tea_wasm_linker_define(tea_wasm_linker *linker, const char *module, const char *name,
                                tea_wasm_extern ext, tea_error *err);
tea_code tea_wasm_linker_define_func(tea_wasm_linker *linker, tea_wasm_store *store,
                                     const char *module, const char *name,
                                     const tea_wasm_valtype *params, uint32_t nparams,
                                     const tea_wasm_valtype *results, uint32_t nresults,
                                     tea_wasm_host_fn fn, void *env, tea_error *err);
/* A host function that belongs to the linker (freed with it) rather than to a
 * store, so one linker can serve instances in any number of stores: build it
 * once, then instantiate from as many threads as you like as long as nobody
 * defines into it meanwhile (lookups only read). Every call gets the same
 * env; per-store state comes from the calling store
 * (tea_wasm_store_user(call->store)). Free the linker only after every
 * instance linked to it: they call its functions, not copies. */
tea_code tea_wasm_linker_define_host(tea_wasm_linker *linker, const char *module, const char *name,
                                     const tea_wasm_valtype *params, uint32_t nparams,
                                     const tea_wasm_valtype *results, uint32_t nresults,
                                     tea_wasm_host_fn fn, void *env, tea_error *err);
/* Defines every export of instance under module_name (the spec's `register`). */
tea_code tea_wasm_linker_define_instance(tea_wasm_linker *linker, const char *module_name,
                                         tea_wasm_instance *instance, tea_error *err);

/* Resolves imports (TEA_ERR_LINK names the import and why), allocates, runs
 * element and data segments and the start function (a trap there is returned
 * as TEA_ERR_TRAP; the instance is still not returned). */
tea_code tea_wasm_instantiate(tea_wasm_store *store, const tea_wasm_module *module,
                              tea_wasm_linker *linker, tea_wasm_instance **out, tea_error *err);
/* The same with imports resolved once (tea_wasm_linker_resolve: *out is
 * malloc'd, one extern per import in the module's order) and given for each
 * instance: no lookups. The externs must outlive the instances (a linker's
 * own functions live as long as the linker). Types are still checked. */
tea_code tea_wasm_linker_resolve(tea_wasm_linker *linker, const tea_wasm_module *module, tea_wasm_extern **out,
                                 tea_error *err);
tea_code tea_wasm_instantiate_with(tea_wasm_store *store, const tea_wasm_module *module,
                                   const tea_wasm_extern *imports, size_t nimports, tea_wasm_instance **out,
                                   tea_error *err);
const tea_wasm_module *tea_wasm_instance_module(const tea_wasm_instance *instance);
tea_code tea_wasm_instance_export(tea_wasm_instance *instance, const char *name,
                                  tea_wasm_extern *out, tea_error *err);
/* The same by the export's index in its module (tea_wasm_module_export_name),
 * for an embedder that looks names up once per module, not per instance. */
tea_code tea_wasm_instance_export_at(tea_wasm_instance *instance, size_t index, tea_wasm_extern *out,
                                     tea_error *err);
/* Memory 0 of the instance (defined or imported), or NULL. */
tea_wasm_memory *tea_wasm_instance_memory(tea_wasm_instance *instance);

/* Snapshots: an instance's mutable state (memory 0, globals, tables, dropped
 * segments) copied, to be put back later, so a pool can reuse an instance as
 * if it were new. Only for instances that import no memory, table or global
 * (TEA_ERR_UNSUPPORTED). Restoring also clears the store's interrupt; the
 * store's fuel is the caller's to set. */
typedef struct tea_wasm_snapshot tea_wasm_snapshot;
tea_code tea_wasm_snapshot_take(const tea_wasm_instance *instance, tea_wasm_snapshot **out,
                                tea_error *err);
tea_code tea_wasm_snapshot_restore(tea_wasm_instance *instance, const tea_wasm_snapshot *snapshot,
                                   tea_error *err);
void tea_wasm_snapshot_free(tea_wasm_snapshot *snapshot);

/* ---- calls -------------------------------------------------------------- */

tea_code tea_wasm_call(tea_wasm_instance *instance, const char *export_name,
                       const tea_wasm_val *args, size_t nargs, tea_wasm_val *results,
                       size_t nresults, tea_error *err);
tea_code tea_wasm_func_call(tea_wasm_store *store, tea_wasm_func *func, const tea_wasm_val *args,
                            size_t nargs, tea_wasm_val *results, size_t nresults,
                            tea_error *err);
uint32_t tea_wasm_func_param_count(const tea_wasm_func *func);
uint32_t tea_wasm_func_result_count(const tea_wasm_func *func);
tea_wasm_valtype tea_wasm_func_param_type(const tea_wasm_func *func, uint32_t index);
tea_wasm_valtype tea_wasm_func_result_type(const tea_wasm_func *func, uint32_t index);

/* ---- memory, tables, globals ------------------------------------------- */

uint64_t tea_wasm_memory_size(const tea_wasm_memory *memory); /* in bytes */
/* Direct access; valid until the memory grows. Bounds are the caller's job. */
uint8_t *tea_wasm_memory_data(tea_wasm_memory *memory);
/* Bounds-checked helpers: TEA_ERR_TRAP ("out of bounds memory access") if any
 * byte of [offset, offset+len) is outside the memory. */
tea_code tea_wasm_memory_read(const tea_wasm_memory *memory, uint64_t offset, void *dst,
                              size_t len, tea_error *err);
tea_code tea_wasm_memory_write(tea_wasm_memory *memory, uint64_t offset, const void *src,
                               size_t len, tea_error *err);
/* Returns a pointer to len bytes at offset, or NULL if out of bounds. */
uint8_t *tea_wasm_memory_span(tea_wasm_memory *memory, uint64_t offset, uint64_t len);
/* Grows by delta pages; returns the old size in pages, or -1 on failure. */
int64_t tea_wasm_memory_grow(tea_wasm_memory *memory, uint32_t delta);

tea_wasm_val tea_wasm_global_get(const tea_wasm_global *global);
tea_code tea_wasm_global_set(tea_wasm_global *global, tea_wasm_val value, tea_error *err);
uint32_t tea_wasm_table_size(const tea_wasm_table *table);

#endif
