/* The interpreter: runs the internal code of ops.h.
 *
 * One C function, one loop, no recursion: a WebAssembly call pushes a
 * tea_frame and switches the frame pointer, so guest recursion can never use
 * up the C stack (the call depth and the value stack are both bounded and
 * trap when full). Dispatch is computed goto where the compiler has it
 * (GCC, Clang) and a switch elsewhere. The frame pointer, instruction
 * pointer, memory base and size, and fuel live in locals so the compiler can
 * keep them in registers; they are reloaded only after calls and
 * memory.grow. */
#include <math.h>
#include <string.h>

#include "wasm/ops.h"
#include "wasm/runtime.h"
#include "wasm/numeric.h"
#include "wasm/simd.h"
#ifdef TEA_GUARD_PAGES
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#endif

#if (defined(__GNUC__) || defined(__clang__)) && !defined(TEA_SWITCH_DISPATCH)
#define TEA_COMPUTED_GOTO 1
#endif

/* WebAssembly memory is little-endian whatever the host is. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(x) __builtin_bswap16(x)
#define LE32(x) __builtin_bswap32(x)
#define LE64(x) __builtin_bswap64(x)
#else
#define LE16(x) (x)
#define LE32(x) (x)
#define LE64(x) (x)
#endif
static inline uint8_t le8(uint8_t x) { return x; }

/* A 32-bit result (i32, f32 bits) stored as a whole slot: zero-extended and
 * placed where `.u32`/`.f32` read it, which is the low-address half of the
 * slot: its low-order bits on little-endian hosts, its high-order bits on
 * big-endian ones. One 64-bit store either way. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define W32(x) ((uint64_t)(uint32_t)(x) << 32)
#else
#define W32(x) ((uint64_t)(uint32_t)(x))
#endif
#define LEFOR(ctype, x)                                                          \
  (sizeof(ctype) == 1 ? (ctype)le8((uint8_t)(x))                                 \
   : sizeof(ctype) == 2 ? (ctype)LE16((uint16_t)(x))                             \
   : sizeof(ctype) == 4 ? (ctype)LE32((uint32_t)(x))                             \
                        : (ctype)LE64((uint64_t)(x)))

/* ---- SIMD handlers ---------------------------------------------------------------
 * One per instruction, generated from TEA_SIMD_OPS: read the operands into
 * locals, compute with simd.h, write the result. Reading everything before
 * writing lets a destination alias a source (a retargeted local.set). They
 * are inlined into the dispatch loop in optimized builds. Under sanitizers
 * they stay out of line: hundreds of address-taken 16-byte locals in the one
 * big interpreter function make ASan/UBSan compiles many times slower. */
#if defined(__SANITIZE_ADDRESS__)
#define TEA_SIMD_OUTLINE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEA_SIMD_OUTLINE 1
#endif
#endif
#if defined(TEA_SIMD_OUTLINE) && (defined(__GNUC__) || defined(__clang__))
#define SIMD_H static __attribute__((noinline))
#elif defined(__GNUC__) || defined(__clang__)
#define SIMD_H static inline __attribute__((always_inline))
#else
#define SIMD_H static inline
#endif
#define VGET(i) v_get(&fp[ip[i]])
#define VPUT(i, v) v_put(&fp[ip[i]], &(v))
SIMD_H void h_canon_f32x4(tea_wasm_slot *fp, const uint32_t *ip) {
  tea_v128 x = VGET(1);
  simd_canon_f32x4(&x);
  VPUT(1, x);
}
SIMD_H void h_canon_f64x2(tea_wasm_slot *fp, const uint32_t *ip) {
  tea_v128 x = VGET(1);
  simd_canon_f64x2(&x);
  VPUT(1, x);
}
#define H_UN(name)                                                  \
  SIMD_H void h_##name(tea_wasm_slot *fp, const uint32_t *ip) {     \
    tea_v128 x = VGET(1), r;                                        \
    simd_##name(&r, &x);                                            \
    VPUT(2, r);                                                     \
  }
#define H_BIN(name)                                                 \
  SIMD_H void h_##name(tea_wasm_slot *fp, const uint32_t *ip) {     \
    tea_v128 x = VGET(1), y = VGET(2), r;                           \
    simd_##name(&r, &x, &y);                                        \
    VPUT(3, r);                                                     \
  }
#define H_TERN(name)                                                \
  SIMD_H void h_##name(tea_wasm_slot *fp, const uint32_t *ip) {     \
    tea_v128 x = VGET(1), y = VGET(2), z = VGET(3), r;              \
    simd_##name(&r, &x, &y, &z);                                    \
    VPUT(4, r);                                                     \
  }
#define H_TEST(name)                                                \
  SIMD_H void h_##name(tea_wasm_slot *fp, const uint32_t *ip) {     \
    tea_v128 x = VGET(1);                                           \
    fp[ip[2]].u64 = 0; /* an i32 result: written as .u32 is read */ \
    fp[ip[2]].u32 = simd_##name(&x);                                \
  }
#define H_SHIFT(name)                                               \
  SIMD_H void h_##name(tea_wasm_slot *fp, const uint32_t *ip) {     \
    tea_v128 x = VGET(1), r;                                        \
    simd_##name(&r, &x, fp[ip[2]].u32);                             \
    VPUT(3, r);                                                     \
  }                                                                 \
  SIMD_H void h_##name##_IMM(tea_wasm_slot *fp, const uint32_t *ip) { \
    tea_v128 x = VGET(1), r;                                        \
    simd_##name(&r, &x, ip[2]);                                     \
    VPUT(3, r);                                                     \
  }
#define H_SPLAT(name)                                               \
  SIMD_H void h_##name(tea_wasm_slot *fp, const uint32_t *ip) {     \
    tea_v128 r;                                                     \
    simd_##name(&r, fp[ip[1]]);                                     \
    VPUT(2, r);                                                     \
  }
#define H_EXTRACT(name)                                             \
  SIMD_H void h_##name(tea_wasm_slot *fp, const uint32_t *ip) {     \
    tea_v128 x = VGET(1);                                           \
    fp[ip[3]] = simd_##name(&x, ip[2]);                             \
  }
#define H_REPLACE(name)                                             \
  SIMD_H void h_##name(tea_wasm_slot *fp, const uint32_t *ip) {     \
    tea_v128 x = VGET(1), r;                                        \
    simd_##name(&r, &x, ip[2], fp[ip[3]]);                          \
    VPUT(4, r);                                                     \
  }
#define H_SHUFFLE(name)                                             \
  SIMD_H void h_##name(tea_wasm_slot *fp, const uint32_t *ip) {     \
    tea_v128 x = VGET(1), y = VGET(2), r;                           \
    uint8_t k[16];                                                  \
    memcpy(k, ip + 3, 16);                                          \
    simd_##name(&r, &x, &y, k);                                     \
    VPUT(7, r);                                                     \
  }
/* the 16 bytes sit in the code words in memory order */
#define H_CONST(name)                                               \
  SIMD_H void h_##name(tea_wasm_slot *fp, const uint32_t *ip) {     \
    memcpy(&fp[ip[5]], ip + 1, 16);                                 \
  }
/* loads: p is the (bounds-checked) memory, d the destination slot */
#define H_LOAD(name)                                                \
  SIMD_H void h_##name(tea_wasm_slot *d, const uint8_t *p) {        \
    tea_v128 r;                                                     \
    simd_##name(&r, p);                                             \
    v_put(d, &r);                                                   \
  }
#define H_STORE(name)
#define H_LOADLANE(name)
#define H_STORELANE(name)
#define H_CASE(name, sub, kind, t, l, sz, canon) H_##kind(name)
TEA_SIMD_OPS(H_CASE)
#undef H_CASE
#undef VGET
#undef VPUT

/* ---- guard pages (runtime.h) ----------------------------------------------------- */

#ifdef TEA_GUARD_PAGES
/* This thread's guest, if one is running: where a fault in its memory
 * returns to, and that memory's base (NULL while no guest code runs: in a
 * host function, before the first memory is loaded). */
typedef struct tea_guard {
  sigjmp_buf *jb;
  const uint8_t *mem;
} tea_guard;
static _Thread_local tea_guard guard;
static struct sigaction guard_action, prev_segv;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;
static bool guard_ok;

/* A fault inside the reservation of the memory the guest on this thread is
 * using is an out-of-bounds access: unwind to tea_interp_call. Anything else
 * is not ours and goes to whatever handled SIGSEGV before. (x86-64 Linux
 * reports PROT_NONE accesses as SIGSEGV only.) */
static void on_fault(int sig, siginfo_t *si, void *ctx) {
  tea_guard *g = &guard;
  uintptr_t a = (uintptr_t)si->si_addr, m = (uintptr_t)g->mem;
  if (g->jb && m && a - m < TEA_GUARD_RESERVE) siglongjmp(*g->jb, 1);
  if (prev_segv.sa_flags & SA_SIGINFO) {
    prev_segv.sa_sigaction(sig, si, ctx);
  } else if (prev_segv.sa_handler != SIG_DFL && prev_segv.sa_handler != SIG_IGN) {
    prev_segv.sa_handler(sig);
  } else {
    /* the default action, when the instruction runs again on return */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
  }
}

static void guard_init(void) {
  memset(&guard_action, 0, sizeof guard_action);
  guard_action.sa_sigaction = on_fault;
  /* NODEFER: siglongjmp leaves the handler without restoring a mask, so the
     signal must not be blocked while it runs */
  guard_action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&guard_action.sa_mask);
  guard_ok = sigaction(SIGSEGV, &guard_action, &prev_segv) == 0;
}

/* Called for every new memory. A handler installed after ours (a test
 * harness catching crashes, say) would take the guest's faults for crashes,
 * so ours goes back on top; what it chains to stays the first one it
 * replaced. */
static atomic_bool guard_check_once; /* set by tea_wasm_guard_check_once */
static atomic_bool guard_trusted;    /* and the handler was in place since */

bool tea_guard_install(void) {
  if (pthread_once(&guard_once, guard_init) != 0 || !guard_ok) return false;
  if (atomic_load_explicit(&guard_trusted, memory_order_relaxed)) return true;
  struct sigaction cur;
  if (sigaction(SIGSEGV, NULL, &cur) != 0) return false;
  bool ours = (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_fault;
  if (!ours && sigaction(SIGSEGV, &guard_action, NULL) != 0) return false;
  if (atomic_load_explicit(&guard_check_once, memory_order_relaxed))
    atomic_store_explicit(&guard_trusted, true, memory_order_relaxed);
  return true;
}

void tea_wasm_guard_check_once(void) { atomic_store(&guard_check_once, true); }
#define GUARD_PARAM , tea_guard *g
#define GUARD_MEM(m) (g->mem = (m))
/* fuel lives in a register; a fault unwinds past it, so every charge also
   writes it back (the explicit path does that when it traps) */
#define GUARD_SYNC_FUEL() (store->fuel = fuel)
#define OOB(ea, n) 0
#else
void tea_wasm_guard_check_once(void) {} /* no guard pages, no handler */
#define GUARD_PARAM
#define GUARD_MEM(m) ((void)0)
#define GUARD_SYNC_FUEL() ((void)0)
/* ea is at most 33 bits, so ea + n cannot wrap */
#define OOB(ea, n) UNLIKELY((ea) + (n) > mem_size)
#endif

/* ---- the loop, twice ------------------------------------------------------------ */

/* One copy marks the pages it writes (runtime.h, "Write tracking"), for
 * stores whose memories are reset and reused (the actor host); the other
 * does not, for everything else: a mark costs a shift and a store per
 * write, up to a fifth of a store-heavy program's time. */
#define TEA_RUN run_plain
#define MARK_WRITE(mem, ea) ((void)0)
#define MARK_RANGE(mem, off, len) ((void)0)
#include "wasm/interp_loop.h"
#undef TEA_RUN
#undef MARK_WRITE
#undef MARK_RANGE
#define TEA_RUN run_tracked
#define MARK_WRITE(mem, ea) TEA_MARK(mem, ea)
#define MARK_RANGE(mem, off, len) tea_memory_mark(mem, off, len)
#include "wasm/interp_loop.h"
#undef TEA_RUN
#undef MARK_WRITE
#undef MARK_RANGE

#ifdef TEA_GUARD_PAGES
#define GUARD_ARG , g
#else
#define GUARD_ARG
#endif
static inline tea_code run(tea_wasm_store *store, tea_wasm_func *func, tea_wasm_slot *slots,
                           tea_error *err GUARD_PARAM) {
  return store->limits.track_writes ? run_tracked(store, func, slots, err GUARD_ARG)
                                    : run_plain(store, func, slots, err GUARD_ARG);
}

#ifdef TEA_GUARD_PAGES
/* The jump buffer lives here, outside the interpreter's loop, so that the
 * loop's locals stay free of setjmp's constraints. A host function may call
 * back into the guest: the outer guest's state is saved and restored. */
tea_code tea_interp_call(tea_wasm_store *store, tea_wasm_func *func, tea_wasm_slot *slots,
                         tea_error *err) {
  tea_guard *g = &guard;
  if (func->host) return run(store, func, slots, err, g);
  const tea_guard outer = *g;
  const uint32_t entry_depth = store->depth;
  tea_wasm_slot *const saved_top = store->stack_top;
  sigjmp_buf jb;
  tea_code rc;
  if (sigsetjmp(jb, 0) == 0) {
    g->jb = &jb;
    g->mem = NULL;
    rc = run(store, func, slots, err, g);
  } else {
    /* a load or store hit the guard pages; fuel was written at its charge */
    store->depth = entry_depth;
    store->stack_top = saved_top;
    rc = tea_fail(err, TEA_ERR_TRAP, "%s", TEA_TRAP_MEMORY);
  }
  *g = outer;
  return rc;
}
#else
tea_code tea_interp_call(tea_wasm_store *store, tea_wasm_func *func, tea_wasm_slot *slots,
                         tea_error *err) {
  return run(store, func, slots, err);
}
#endif
