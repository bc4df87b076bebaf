/* tea: WASI preview 1 (module "wasi_snapshot_preview1") for the tea engine.
 *
 *   tea_wasi_config cfg;
 *   tea_wasi_config_init(&cfg);            defaults: host fds 0/1/2, every capability
 *   cfg.argv = ...; cfg.preopens = ...;
 *   tea_wasi_new(&cfg, &wasi, &err);       copies everything it needs from cfg
 *   tea_wasi_define(wasi, linker, store, &err);
 *   ... tea_wasm_instantiate, tea_wasm_call(instance, "_start", ...) ...
 *   a proc_exit arrives as TEA_ERR_EXIT with err.exit_status set
 *   tea_wasi_free(wasi);                   after the store is done with it
 *
 * One tea_wasi is the process state of one guest program (its fd table, args,
 * environment); it is single-threaded like the store it is defined into.
 *
 * Sandbox: files are reachable only below the preopened directories. Guest
 * paths are resolved component by component with openat(O_NOFOLLOW); an
 * absolute path, a `..` above the preopen, or a symlink whose target is
 * absolute or leads out fails with ENOTCAPABLE, and the final component of
 * every operation is acted on without following symlinks (they are expanded
 * by the resolver, inside the sandbox, when the guest asks to follow).
 * Every guest pointer is bounds-checked: a bad one returns EFAULT. */
#ifndef TEA_WASI_H
#define TEA_WASI_H

#include <stddef.h>
#include <stdint.h>

#include "tea/error.h"
#include "tea/wasm.h"

#define TEA_WASI_MODULE "wasi_snapshot_preview1"

/* WASI errno values the embedder may want to return from callbacks. */
#define TEA_WASI_ESUCCESS 0
#define TEA_WASI_EBADF 8
#define TEA_WASI_EFAULT 21
#define TEA_WASI_EINVAL 28
#define TEA_WASI_EIO 29
#define TEA_WASI_ENOSYS 52
#define TEA_WASI_ENOTSUP 58
#define TEA_WASI_ENOTCAPABLE 76

/* Capabilities. A facility that is switched off answers ENOTCAPABLE, with
 * two exceptions forced by how wasi-libc starts a program:
 *   - FILES off: no preopens are visible, so fd_prestat_get answers EBADF
 *     (the end-of-list answer libc's preopen scan expects); path_* calls
 *     answer ENOTCAPABLE.
 *   - EXIT off: proc_exit cannot return an errno; it traps instead
 *     (TEA_ERR_TRAP, "proc_exit: capability not granted").
 * Note that wasi-libc's start-up code exits with status 71 (EX_OSERR) when
 * args_sizes_get or environ_sizes_get fail, so a C `main(argc, argv)` or a
 * getenv() call needs ARGS or ENV granted. */
enum {
  TEA_WASI_CAP_ARGS = 1u << 0,   /* args_get, args_sizes_get */
  TEA_WASI_CAP_ENV = 1u << 1,    /* environ_get, environ_sizes_get */
  TEA_WASI_CAP_CLOCK = 1u << 2,  /* clock_*, clock subscriptions of poll_oneoff */
  TEA_WASI_CAP_RANDOM = 1u << 3, /* random_get */
  TEA_WASI_CAP_STDIO = 1u << 4,  /* fds 0, 1, 2 */
  TEA_WASI_CAP_FILES = 1u << 5,  /* preopens and everything reached from them */
  TEA_WASI_CAP_EXIT = 1u << 6,   /* proc_exit, proc_raise */
  TEA_WASI_CAP_ALL = (1u << 7) - 1
};

typedef struct tea_wasi_preopen {
  const char *host_path;  /* a directory on the host */
  const char *guest_path; /* the name the guest sees ("/data", "."); NULL = host_path */
} tea_wasi_preopen;

/* Callbacks. Each returns a WASI errno (0 = success) that the guest sees. */
/* Bytes the guest wrote to fd 1 (stream 1) or fd 2 (stream 2). */
typedef int (*tea_wasi_output_fn)(void *user, int stream, const uint8_t *data, size_t len);
/* Fill up to cap bytes of stdin; *nread = 0 means end of input. */
typedef int (*tea_wasi_input_fn)(void *user, uint8_t *buf, size_t cap, size_t *nread);
/* The time of a WASI clock (0 realtime, 1 monotonic, 2 process, 3 thread) in
 * nanoseconds, or its resolution when `resolution` is nonzero. */
typedef int (*tea_wasi_clock_fn)(void *user, uint32_t clock_id, int resolution, uint64_t *ns);
/* Fill buf with len random bytes. */
typedef int (*tea_wasi_random_fn)(void *user, uint8_t *buf, size_t len);

typedef struct tea_wasi_config {
  const char *const *argv; /* argc strings; argv[0] is the program name */
  size_t argc;
  const char *const *envp; /* envc "NAME=VALUE" strings */
  size_t envc;
  const tea_wasi_preopen *preopens; /* become fds 3, 4, ... in this order */
  size_t npreopens;
  /* Host fds behind the guest's 0, 1, 2 (borrowed: never closed by tea).
   * -1 means not connected: reads see end of input, writes are discarded. */
  int stdin_fd, stdout_fd, stderr_fd;
  uint32_t caps; /* TEA_WASI_CAP_* */
  /* Optional: when set, they replace the fd (output, input) or the host's
   * clock and random source, so an embedder can log or record them. */
  tea_wasi_output_fn output;
  tea_wasi_input_fn input;
  tea_wasi_clock_fn clock;
  tea_wasi_random_fn random;
  void *user; /* passed to every callback */
} tea_wasi_config;

typedef struct tea_wasi tea_wasi;

/* Defaults: no args, no environment, no preopens, fds 0/1/2, all caps. */
void tea_wasi_config_init(tea_wasi_config *config);

/* Copies args, environment and preopen names; opens the preopened
 * directories (TEA_ERR_IO naming the path if one cannot be opened). */
tea_code tea_wasi_new(const tea_wasi_config *config, tea_wasi **out, tea_error *err);

/* Defines every wasi_snapshot_preview1 function in linker as a host function
 * made in store. The functions find guest memory through their caller
 * (memory 0 of the calling instance). */
tea_code tea_wasi_define(tea_wasi *wasi, tea_wasm_linker *linker, tea_wasm_store *store,
                         tea_error *err);

/* For one linker shared by many stores (see tea_wasm_linker_define_host):
 * every WASI function is defined once, owned by the linker, and finds the
 * tea_wasi of the store calling it through binding->of_store (NULL: the
 * store has none, and the call traps). The binding must outlive the linker.
 * Guests then pay nothing per instance for linking WASI. */
typedef struct tea_wasi_binding {
  tea_wasi *(*of_store)(tea_wasm_store *store);
} tea_wasi_binding;
tea_code tea_wasi_define_shared(const tea_wasi_binding *binding, tea_wasm_linker *linker,
                                tea_error *err);

/* Closes every fd the guest opened and the preopens. */
void tea_wasi_free(tea_wasi *wasi);
/* Whether the descriptor table is as tea_wasi_new made it (nothing closed,
 * renumbered, opened or read as a directory): only then may a pool reuse the
 * context for another run. File offsets are the host's and not compared, so
 * contexts with preopened directories should not be reused. */
bool tea_wasi_pristine(const tea_wasi *wasi);

#endif
