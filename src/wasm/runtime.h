/* Run-time objects of the engine: stores, instances, functions, memories,
 * tables, globals, and the compiled form of a function. Internal. */
#ifndef TEA_WASM_RUNTIME_H
#define TEA_WASM_RUNTIME_H

#include <stdatomic.h>
#include <string.h>

#include "wasm/module.h"

/* A function body after validation and translation (compile.c). */
typedef struct tea_compiled {
  uint32_t *code;
  uint32_t ncode;
  uint32_t nparams;    /* parameter slots (a v128 takes two) */
  uint32_t nlocals;    /* declared-local slots after the parameters (zeroed on entry) */
  uint32_t frame_size; /* parameters + locals + deepest operand stack */
} tea_compiled;

/* compile.c: validates body `index` (a defined-function index) of m and
 * stores its compiled form in m->funcs[index].code. */
tea_code tea_compile_function(tea_wasm_module *m, uint32_t index, tea_error *err);
void tea_compiled_free(tea_compiled *c);

struct tea_wasm_func {
  const tea_functype *type;
  tea_wasm_instance *instance; /* owner, NULL for host functions */
  const tea_compiled *code;    /* NULL for host functions */
  tea_wasm_host_fn host;
  void *env;
  tea_functype own_type; /* host functions keep their type here */
};

/* Write tracking. Every write into a memory, by the guest or through the
 * embedding API, marks the 4 KiB page where it starts, in a map of one byte
 * per page kept just below the memory's first byte: the interpreter reaches
 * it from the base pointer it already holds, with one shift and one store.
 * A single write is at most 16 bytes, so it runs at most TEA_MARK_SPILL bytes
 * into the next page; whoever resets a marked page resets those too. Resets
 * then touch only what was written: a spare memory is zeroed page by page
 * (store.c), a snapshot put back page by page (snapshot.c), where zeroing or
 * copying the whole memory cost more than the rest of a small actor call.
 * A mark is TEA_MARK_WRITTEN, or, in a memory with a snapshot,
 * TEA_MARK_KEPT for a page not written since the snapshot but not zero
 * (the snapshot's own data, which freeing must still zero). Debug builds
 * check after every reset that nothing was missed. */
#define TEA_MARK_SHIFT 12
#define TEA_MARK_PAGE ((uint64_t)1 << TEA_MARK_SHIFT)
#define TEA_MARK_MAP ((size_t)1 << (32 - TEA_MARK_SHIFT)) /* a mark for every page of 4 GiB */
#define TEA_MARK_SPILL 15
#define TEA_MARK_WRITTEN 1
#define TEA_MARK_KEPT 2
/* After a write at ea succeeded (so ea is inside the memory). */
#define TEA_MARK(base, ea) ((base)[(ptrdiff_t)((ea) >> TEA_MARK_SHIFT) - (ptrdiff_t)TEA_MARK_MAP] = TEA_MARK_WRITTEN)

struct tea_wasm_memory {
  uint8_t *data;     /* the map of written pages is the TEA_MARK_MAP bytes below */
  uint64_t size;     /* bytes */
  uint32_t max_pages; /* the effective maximum: declared max capped by the store's limit */
  bool has_max;
  uint32_t declared_max;
  size_t reserved;   /* bytes of address space reserved for data */
  size_t committed;  /* bytes of it readable and writable (>= size) */
  bool tracked;      /* its store tracks writes; if not, resets cover everything */
  bool all_written;  /* the embedder took the raw pointer: reset everything */
};

/* Marks every page of [off, off + len) written (len may be 0). */
static inline void tea_memory_mark(uint8_t *base, uint64_t off, uint64_t len) {
  if (!len) return;
  uint64_t first = off >> TEA_MARK_SHIFT, last = (off + len - 1) >> TEA_MARK_SHIFT;
  memset(base - TEA_MARK_MAP + first, TEA_MARK_WRITTEN, (size_t)(last - first + 1));
}
static inline uint8_t *tea_memory_marks(const tea_wasm_memory *m) { return m->data - TEA_MARK_MAP; }
/* store.c: puts the memory back to an image, one pointer per 4 KiB page to
 * its bytes (NULL: a zero page; image NULL: all zeros), touching only the
 * pages marked written since; afterwards a page's mark is TEA_MARK_KEPT if
 * the image has it non-zero, else nothing. Untracked memories (and ones
 * whose raw pointer was taken) are put back whole. */
void tea_memory_reset(tea_wasm_memory *m, const uint8_t *const *image);

struct tea_wasm_table {
  tea_wasm_ref *elems;
  uint32_t size;
  uint32_t max;      /* effective maximum */
  bool has_max;
  uint32_t declared_max;
  tea_valtype type;
};

struct tea_wasm_global {
  tea_wasm_slot value;
  tea_wasm_slot value_hi; /* v128: the high 8 bytes (value holds the low 8) */
  tea_valtype type;
  bool mutable_;
};

struct tea_wasm_instance {
  const tea_wasm_module *module;
  tea_wasm_store *store;
  tea_wasm_func **funcs;     /* every function index */
  tea_wasm_table **tables;
  tea_wasm_memory *memory;   /* memory 0, or NULL */
  tea_wasm_global **globals;
  tea_wasm_ref **elem_items; /* per element segment; NULL once dropped */
  uint32_t *elem_len;        /* 0 once dropped */
  uint32_t *data_len;        /* per data segment; 0 once dropped */
  tea_wasm_func *func_objects; /* the defined functions */
};

typedef struct tea_store_object {
  void *obj;
  void (*release)(void *);
} tea_store_object;

typedef struct tea_frame {
  const uint32_t *ret_ip;
  tea_wasm_slot *ret_fp;
  tea_wasm_instance *ret_instance;
} tea_frame;

struct tea_wasm_store {
  tea_wasm_limits limits;
  tea_wasm_slot *stack;     /* the value stack */
  tea_wasm_slot *stack_top; /* first free slot, for re-entrant host calls */
  tea_wasm_slot *stack_end;
  tea_frame *frames;        /* the call stack */
  uint32_t depth;           /* frames in use */
  int64_t fuel;             /* remaining; INT64_MAX when unmetered */
  int64_t fuel_start;
  bool metered;
  atomic_int interrupt;
  void *user;
  /* everything made in this store, freed with it; the first few in the store
     itself (an instance, its table, memory and globals: no allocation for the
     list when a store serves one call) */
  tea_store_object *objects;
  size_t nobjects, cap_objects;
  tea_store_object inline_objects[8];
};

/* store.c: a host function with its type in one block, owned by nobody yet
 * (a store tracks it, or a linker keeps it); NULL when out of memory. */
tea_wasm_func *tea_host_func_alloc(const tea_wasm_valtype *params, uint32_t nparams,
                                   const tea_wasm_valtype *results, uint32_t nresults,
                                   tea_wasm_host_fn fn, void *env);
/* store.c: objects the store frees with itself. tea_store_track releases obj
 * itself when it fails. */
tea_code tea_store_track(tea_wasm_store *s, void *obj, void (*release)(void *), tea_error *err);
tea_code tea_memory_create(tea_wasm_store *store, uint64_t min, uint64_t max, bool has_max,
                           tea_wasm_memory **out, tea_error *err);
tea_code tea_table_create(tea_wasm_store *store, tea_valtype type, uint64_t min, uint64_t max,
                          bool has_max, tea_wasm_table **out, tea_error *err);
tea_code tea_global_create(tea_wasm_store *store, tea_valtype type, bool mutable_,
                           tea_wasm_slot value, tea_wasm_global **out, tea_error *err);

/* v128 values between the two slots of a frame/global and the 16 bytes of
 * tea_wasm_val.v128: the slots hold exactly those bytes in memory order. */
static inline void tea_v128_to_slots(const uint8_t bytes[16], tea_wasm_slot *lo, tea_wasm_slot *hi) {
  memcpy(lo, bytes, 8);
  memcpy(hi, bytes + 8, 8);
}
static inline void tea_v128_from_slots(uint8_t bytes[16], const tea_wasm_slot *lo,
                                       const tea_wasm_slot *hi) {
  memcpy(bytes, lo, 8);
  memcpy(bytes + 8, hi, 8);
}
/* Public values <-> frame slots (the slot count written/read is returned). */
static inline uint32_t tea_val_to_slots(const tea_wasm_val *v, tea_wasm_slot *s) {
  if (v->type == TEA_WASM_V128) {
    tea_v128_to_slots(v->v128, &s[0], &s[1]);
    return 2;
  }
  s[0] = v->of;
  return 1;
}
static inline uint32_t tea_val_from_slots(tea_wasm_val *v, tea_valtype t, const tea_wasm_slot *s) {
  memset(v, 0, sizeof *v);
  v->type = (tea_wasm_valtype)t;
  if (t == TEA_WASM_V128) {
    tea_v128_from_slots(v->v128, &s[0], &s[1]);
    return 2;
  }
  v->of = s[0];
  return 1;
}

/* Bounds checks by guard pages. Every memory reserves TEA_GUARD_RESERVE
 * bytes of address space and keeps everything past its size PROT_NONE; a
 * 32-bit address plus a 32-bit offset plus an access of at most 16 bytes
 * stays inside that, so loads and stores need no check of their own, and the
 * fault becomes the "out of bounds memory access" trap (interp.c).
 * Only on x86-64 Linux, where a faulting store writes none of its bytes
 * (other CPUs may write the part of an unaligned store before the fault,
 * which the spec forbids), and not under sanitizers, which handle SIGSEGV
 * themselves. Everywhere else, or with -DTEA_BOUNDS_EXPLICIT (the switch
 * interpreter's spec harness uses it, so both paths stay tested), every
 * access compares against the memory's size. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEA_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define TEA_SANITIZED 1
#endif
#endif
#if !defined(TEA_BOUNDS_EXPLICIT) && !defined(TEA_SANITIZED) && defined(__x86_64__) && \
    defined(__linux__)
#define TEA_GUARD_PAGES 1
#define TEA_GUARD_RESERVE (((size_t)1 << 33) + 65536)
/* Installs the process's fault handler once; false if the system refused. */
bool tea_guard_install(void);
#endif

/* interp.c: runs func with its arguments in slots[0..nparams) (slots is at
 * store->stack_top), leaving the results in slots[0..nresults). */
tea_code tea_interp_call(tea_wasm_store *store, tea_wasm_func *func, tea_wasm_slot *slots,
                         tea_error *err);

/* runtime.c helpers shared with the interpreter. */
int64_t tea_memory_grow(tea_wasm_memory *mem, uint32_t delta);
int64_t tea_table_grow(tea_wasm_table *table, uint32_t delta, tea_wasm_ref init);

/* Spec trap messages. */
#define TEA_TRAP_UNREACHABLE "unreachable"
#define TEA_TRAP_MEMORY "out of bounds memory access"
#define TEA_TRAP_TABLE "out of bounds table access"
#define TEA_TRAP_DIV_ZERO "integer divide by zero"
#define TEA_TRAP_OVERFLOW "integer overflow"
#define TEA_TRAP_CONVERSION "invalid conversion to integer"
#define TEA_TRAP_UNDEFINED_ELEM "undefined element"
#define TEA_TRAP_UNINIT_ELEM "uninitialized element"
#define TEA_TRAP_INDIRECT_TYPE "indirect call type mismatch"
#define TEA_TRAP_STACK "call stack exhausted"
#define TEA_TRAP_FUEL "out of fuel"
#define TEA_TRAP_INTERRUPT "interrupted"

#endif
