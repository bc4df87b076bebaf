/* WASI preview 1 on top of the public engine API (include/tea/wasm.h).
 *
 * Every guest-visible structure is written byte by byte in little-endian
 * order (the WASI ABI), never by casting a host struct, so big-endian hosts
 * and host struct padding cannot leak in. Every guest pointer goes through
 * gspan(), which bounds-checks against the caller's memory 0: a bad pointer
 * is EFAULT for the guest, never a host crash. */
#include "tea/wasi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h> /* renameat */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include "base/spill.h"

/* ---- WASI constants (witx: typenames.witx of snapshot preview 1) -------- */

enum {
  W_ESUCCESS = 0, W_E2BIG = 1, W_EACCES = 2, W_EADDRINUSE = 3, W_EADDRNOTAVAIL = 4,
  W_EAFNOSUPPORT = 5, W_EAGAIN = 6, W_EALREADY = 7, W_EBADF = 8, W_EBADMSG = 9, W_EBUSY = 10,
  W_ECANCELED = 11, W_ECHILD = 12, W_ECONNABORTED = 13, W_ECONNREFUSED = 14,
  W_ECONNRESET = 15, W_EDEADLK = 16, W_EDESTADDRREQ = 17, W_EDOM = 18, W_EDQUOT = 19,
  W_EEXIST = 20, W_EFAULT = 21, W_EFBIG = 22, W_EHOSTUNREACH = 23, W_EIDRM = 24,
  W_EILSEQ = 25, W_EINPROGRESS = 26, W_EINTR = 27, W_EINVAL = 28, W_EIO = 29, W_EISCONN = 30,
  W_EISDIR = 31, W_ELOOP = 32, W_EMFILE = 33, W_EMLINK = 34, W_EMSGSIZE = 35,
  W_EMULTIHOP = 36, W_ENAMETOOLONG = 37, W_ENETDOWN = 38, W_ENETRESET = 39,
  W_ENETUNREACH = 40, W_ENFILE = 41, W_ENOBUFS = 42, W_ENODEV = 43, W_ENOENT = 44,
  W_ENOEXEC = 45, W_ENOLCK = 46, W_ENOLINK = 47, W_ENOMEM = 48, W_ENOMSG = 49,
  W_ENOPROTOOPT = 50, W_ENOSPC = 51, W_ENOSYS = 52, W_ENOTCONN = 53, W_ENOTDIR = 54,
  W_ENOTEMPTY = 55, W_ENOTRECOVERABLE = 56, W_ENOTSOCK = 57, W_ENOTSUP = 58, W_ENOTTY = 59,
  W_ENXIO = 60, W_EOVERFLOW = 61, W_EOWNERDEAD = 62, W_EPERM = 63, W_EPIPE = 64,
  W_EPROTO = 65, W_EPROTONOSUPPORT = 66, W_EPROTOTYPE = 67, W_ERANGE = 68, W_EROFS = 69,
  W_ESPIPE = 70, W_ESRCH = 71, W_ESTALE = 72, W_ETIMEDOUT = 73, W_ETXTBSY = 74,
  W_EXDEV = 75, W_ENOTCAPABLE = 76
};

enum {
  FT_UNKNOWN = 0, FT_BLOCK_DEVICE = 1, FT_CHARACTER_DEVICE = 2, FT_DIRECTORY = 3,
  FT_REGULAR_FILE = 4, FT_SOCKET_DGRAM = 5, FT_SOCKET_STREAM = 6, FT_SYMBOLIC_LINK = 7
};

enum { FDF_APPEND = 1, FDF_DSYNC = 2, FDF_NONBLOCK = 4, FDF_RSYNC = 8, FDF_SYNC = 16 };
enum { OF_CREAT = 1, OF_DIRECTORY = 2, OF_EXCL = 4, OF_TRUNC = 8 };
enum { LOOKUP_SYMLINK_FOLLOW = 1 };
enum { FST_ATIM = 1, FST_ATIM_NOW = 2, FST_MTIM = 4, FST_MTIM_NOW = 8 };
enum { EV_CLOCK = 0, EV_FD_READ = 1, EV_FD_WRITE = 2 };
enum { SUBCLOCK_ABSTIME = 1 };
enum { EVRW_HANGUP = 1 };

#define R_FD_DATASYNC (1ull << 0)
#define R_FD_READ (1ull << 1)
#define R_FD_SEEK (1ull << 2)
#define R_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define R_FD_SYNC (1ull << 4)
#define R_FD_TELL (1ull << 5)
#define R_FD_WRITE (1ull << 6)
#define R_FD_ADVISE (1ull << 7)
#define R_FD_ALLOCATE (1ull << 8)
#define R_PATH_CREATE_DIRECTORY (1ull << 9)
#define R_PATH_CREATE_FILE (1ull << 10)
#define R_PATH_LINK_SOURCE (1ull << 11)
#define R_PATH_LINK_TARGET (1ull << 12)
#define R_PATH_OPEN (1ull << 13)
#define R_FD_READDIR (1ull << 14)
#define R_PATH_READLINK (1ull << 15)
#define R_PATH_RENAME_SOURCE (1ull << 16)
#define R_PATH_RENAME_TARGET (1ull << 17)
#define R_PATH_FILESTAT_GET (1ull << 18)
#define R_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define R_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define R_FD_FILESTAT_GET (1ull << 21)
#define R_FD_FILESTAT_SET_SIZE (1ull << 22)
#define R_FD_FILESTAT_SET_TIMES (1ull << 23)
#define R_PATH_SYMLINK (1ull << 24)
#define R_PATH_REMOVE_DIRECTORY (1ull << 25)
#define R_PATH_UNLINK_FILE (1ull << 26)
#define R_POLL_FD_READWRITE (1ull << 27)

/* What an fd of each kind can ever do; path_open intersects requests with it. */
#define RIGHTS_FILE                                                                        \
  (R_FD_DATASYNC | R_FD_READ | R_FD_SEEK | R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | R_FD_TELL |  \
   R_FD_WRITE | R_FD_ADVISE | R_FD_ALLOCATE | R_FD_FILESTAT_GET | R_FD_FILESTAT_SET_SIZE |  \
   R_FD_FILESTAT_SET_TIMES | R_POLL_FD_READWRITE)
#define RIGHTS_DIR                                                                         \
  (R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | R_FD_ADVISE | R_PATH_CREATE_DIRECTORY |             \
   R_PATH_CREATE_FILE | R_PATH_LINK_SOURCE | R_PATH_LINK_TARGET | R_PATH_OPEN |           \
   R_FD_READDIR | R_PATH_READLINK | R_PATH_RENAME_SOURCE | R_PATH_RENAME_TARGET |          \
   R_PATH_FILESTAT_GET | R_PATH_FILESTAT_SET_SIZE | R_PATH_FILESTAT_SET_TIMES |            \
   R_FD_FILESTAT_GET | R_FD_FILESTAT_SET_TIMES | R_PATH_SYMLINK | R_PATH_REMOVE_DIRECTORY | \
   R_PATH_UNLINK_FILE | R_POLL_FD_READWRITE)
/* A tty has no seek/tell: wasi-libc's isatty() tests exactly that. */
#define RIGHTS_TTY (R_FD_READ | R_FD_WRITE | R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET | \
                    R_POLL_FD_READWRITE)

#define MAX_FDS 4096u        /* EMFILE past this many guest fds */
#define MAX_IOVS 1024u       /* IOV_MAX on Linux; more is EINVAL as natively */
#define MAX_PATH 4096u       /* guest path bytes, and symlink target bytes */
#define MAX_SYMLINKS 40u     /* expansions per resolution (Linux's MAXSYMLINKS) */
#define MAX_SUBSCRIPTIONS 65536u /* per poll_oneoff */

/* ---- state -------------------------------------------------------------- */

typedef struct wfd {
  bool used;
  bool owned;        /* host fd is ours to close (not a borrowed stdio fd) */
  int8_t stdio;      /* 0, 1, 2 for the standard streams (even after renumbering), else -1 */
  uint8_t filetype;
  int host;          /* host fd; -1 for stdio that is a callback or not connected */
  uint64_t base, inh; /* WASI rights */
  char *preopen;     /* guest name of a preopened directory, else NULL */
  uint32_t preopen_len;
  DIR *dir;          /* fd_readdir stream, on a private fd so offsets are its own */
  uint64_t dir_next; /* cookie the stream stands at, to skip a seekdir */
} wfd;

struct tea_wasi {
  /* first, so that a function defined with this tea_wasi as its env and one
     defined with a shared binding both find it the same way (wasi_of) */
  tea_wasi_binding self; /* of_store NULL */
  uint32_t caps;
  char *args; /* NUL-terminated strings back to back, as args_get lays them out */
  uint32_t args_len, argc;
  uint32_t *arg_off;
  char *env;
  uint32_t env_len, envc;
  uint32_t *env_off;
  wfd *fds;      /* fds_inline until a guest opens more than it holds */
  uint32_t nfds; /* slots allocated in fds */
  wfd fds_inline[8];
  wfd *initial;  /* the table as tea_wasi_new left it, for tea_wasi_pristine */
  uint32_t ninitial;
  tea_wasi_output_fn output;
  tea_wasi_input_fn input;
  tea_wasi_clock_fn clock;
  tea_wasi_random_fn random;
  void *user;
};

/* Per-call context: the wasi state and the calling instance's memory. */
typedef struct wctx {
  tea_wasi *w;
  tea_wasm_memory *mem;
} wctx;

/* ---- little-endian guest memory ---------------------------------------- */

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) {
  return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* len bytes of guest memory at off, or NULL when any of them is outside (or
 * the caller has no memory). A zero-length span is fine anywhere up to the
 * end of memory; it gets a pointer that is never dereferenced. */
static uint8_t *gspan(wctx *c, uint64_t off, uint64_t len) {
  static uint8_t none;
  if (!c->mem) return NULL;
  if (len == 0) return off <= tea_wasm_memory_size(c->mem) ? &none : NULL;
  return tea_wasm_memory_span(c->mem, off, len);
}

/* ---- host errno -> WASI errno ------------------------------------------- */

static int werr(int e) {
  switch (e) {
  case 0: return W_ESUCCESS;
  case E2BIG: return W_E2BIG;
  case EACCES: return W_EACCES;
  case EADDRINUSE: return W_EADDRINUSE;
  case EADDRNOTAVAIL: return W_EADDRNOTAVAIL;
  case EAFNOSUPPORT: return W_EAFNOSUPPORT;
  case EAGAIN: return W_EAGAIN;
#if EWOULDBLOCK != EAGAIN
  case EWOULDBLOCK: return W_EAGAIN;
#endif
  case EALREADY: return W_EALREADY;
  case EBADF: return W_EBADF;
  case EBADMSG: return W_EBADMSG;
  case EBUSY: return W_EBUSY;
  case ECANCELED: return W_ECANCELED;
  case ECHILD: return W_ECHILD;
  case ECONNABORTED: return W_ECONNABORTED;
  case ECONNREFUSED: return W_ECONNREFUSED;
  case ECONNRESET: return W_ECONNRESET;
  case EDEADLK: return W_EDEADLK;
  case EDESTADDRREQ: return W_EDESTADDRREQ;
  case EDOM: return W_EDOM;
  case EDQUOT: return W_EDQUOT;
  case EEXIST: return W_EEXIST;
  case EFAULT: return W_EFAULT;
  case EFBIG: return W_EFBIG;
  case EHOSTUNREACH: return W_EHOSTUNREACH;
  case EIDRM: return W_EIDRM;
  case EILSEQ: return W_EILSEQ;
  case EINPROGRESS: return W_EINPROGRESS;
  case EINTR: return W_EINTR;
  case EINVAL: return W_EINVAL;
  case EIO: return W_EIO;
  case EISCONN: return W_EISCONN;
  case EISDIR: return W_EISDIR;
  case ELOOP: return W_ELOOP;
  case EMFILE: return W_EMFILE;
  case EMLINK: return W_EMLINK;
  case EMSGSIZE: return W_EMSGSIZE;
  case EMULTIHOP: return W_EMULTIHOP;
  case ENAMETOOLONG: return W_ENAMETOOLONG;
  case ENETDOWN: return W_ENETDOWN;
  case ENETRESET: return W_ENETRESET;
  case ENETUNREACH: return W_ENETUNREACH;
  case ENFILE: return W_ENFILE;
  case ENOBUFS: return W_ENOBUFS;
  case ENODEV: return W_ENODEV;
  case ENOENT: return W_ENOENT;
  case ENOEXEC: return W_ENOEXEC;
  case ENOLCK: return W_ENOLCK;
  case ENOLINK: return W_ENOLINK;
  case ENOMEM: return W_ENOMEM;
  case ENOMSG: return W_ENOMSG;
  case ENOPROTOOPT: return W_ENOPROTOOPT;
  case ENOSPC: return W_ENOSPC;
  case ENOSYS: return W_ENOSYS;
  case ENOTCONN: return W_ENOTCONN;
  case ENOTDIR: return W_ENOTDIR;
  case ENOTEMPTY: return W_ENOTEMPTY;
  case ENOTRECOVERABLE: return W_ENOTRECOVERABLE;
  case ENOTSOCK: return W_ENOTSOCK;
  case ENOTSUP: return W_ENOTSUP;
#if EOPNOTSUPP != ENOTSUP
  case EOPNOTSUPP: return W_ENOTSUP;
#endif
  case ENOTTY: return W_ENOTTY;
  case ENXIO: return W_ENXIO;
  case EOVERFLOW: return W_EOVERFLOW;
  case EOWNERDEAD: return W_EOWNERDEAD;
  case EPERM: return W_EPERM;
  case EPIPE: return W_EPIPE;
  case EPROTO: return W_EPROTO;
  case EPROTONOSUPPORT: return W_EPROTONOSUPPORT;
  case EPROTOTYPE: return W_EPROTOTYPE;
  case ERANGE: return W_ERANGE;
  case EROFS: return W_EROFS;
  case ESPIPE: return W_ESPIPE;
  case ESRCH: return W_ESRCH;
  case ESTALE: return W_ESTALE;
  case ETIMEDOUT: return W_ETIMEDOUT;
  case ETXTBSY: return W_ETXTBSY;
  case EXDEV: return W_EXDEV;
  default: return W_EIO;
  }
}

/* ---- fd table ----------------------------------------------------------- */

static uint8_t filetype_of(mode_t m) {
  if (S_ISREG(m)) return FT_REGULAR_FILE;
  if (S_ISDIR(m)) return FT_DIRECTORY;
  if (S_ISCHR(m)) return FT_CHARACTER_DEVICE;
  if (S_ISBLK(m)) return FT_BLOCK_DEVICE;
  if (S_ISLNK(m)) return FT_SYMBOLIC_LINK;
  if (S_ISSOCK(m)) return FT_SOCKET_STREAM;
  return FT_UNKNOWN; /* FIFOs have no WASI file type */
}

static void wfd_close(wfd *f) {
  if (f->dir) closedir(f->dir);
  if (f->owned && f->host >= 0) close(f->host);
  free(f->preopen);
  memset(f, 0, sizeof *f);
  f->host = -1;
  f->stdio = -1;
}

/* The lowest free guest fd number, growing the table; -1 past MAX_FDS. */
static int64_t wfd_alloc(tea_wasi *w) {
  for (uint32_t i = 0; i < w->nfds; i++)
    if (!w->fds[i].used) return i;
  if (w->nfds >= MAX_FDS) return -1;
  uint32_t n = w->nfds ? w->nfds * 2 : (uint32_t)(sizeof w->fds_inline / sizeof *w->fds_inline);
  if (n > MAX_FDS) n = MAX_FDS;
  wfd *f = w->nfds ? tea_spill_grow(w->fds, w->fds_inline, w->nfds * sizeof *f, n * sizeof *f) : w->fds_inline;
  if (!f) return -1;
  for (uint32_t i = w->nfds; i < n; i++) {
    memset(&f[i], 0, sizeof f[i]);
    f[i].host = -1;
    f[i].stdio = -1;
  }
  int64_t first = w->nfds;
  w->fds = f;
  w->nfds = n;
  return first;
}

/* The open fd `fd` holding all of `rights`, or NULL with *e set. */
static wfd *wfd_get(tea_wasi *w, uint32_t fd, uint64_t rights, int *e) {
  if (fd >= w->nfds || !w->fds[fd].used) {
    *e = W_EBADF;
    return NULL;
  }
  wfd *f = &w->fds[fd];
  if (f->stdio >= 0 && !(w->caps & TEA_WASI_CAP_STDIO)) {
    *e = W_ENOTCAPABLE;
    return NULL;
  }
  if ((f->base & rights) != rights) {
    *e = W_ENOTCAPABLE;
    return NULL;
  }
  return f;
}

/* A stdio stream whose bytes go to a callback or nowhere, not to a host fd. */
static bool virtual_stdio(const wfd *f) { return f->stdio >= 0 && f->host < 0; }

static void stdio_setup(tea_wasi *w, int n, int host) {
  wfd *f = &w->fds[n];
  f->used = true;
  f->owned = false;
  f->stdio = (int8_t)n;
  uint64_t dir_right = n == 0 ? R_FD_READ : R_FD_WRITE;
  bool cb = n == 0 ? w->input != NULL : w->output != NULL;
  struct stat st;
  if (cb || host < 0 || fstat(host, &st) != 0) {
    /* Reported as a tty, so wasi-libc line-buffers it: a log receives lines
     * as they are printed, not whatever was left in a buffer at a trap. */
    f->host = -1;
    f->filetype = FT_CHARACTER_DEVICE;
    f->base = RIGHTS_TTY & ~(R_FD_READ | R_FD_WRITE);
    f->base |= dir_right;
    return;
  }
  f->host = host;
  f->filetype = filetype_of(st.st_mode);
  if (f->filetype == FT_CHARACTER_DEVICE && isatty(host))
    f->base = RIGHTS_TTY;
  else if (f->filetype == FT_REGULAR_FILE || f->filetype == FT_CHARACTER_DEVICE ||
           f->filetype == FT_BLOCK_DEVICE)
    f->base = RIGHTS_FILE;
  else /* pipes and sockets: no seek */
    f->base = RIGHTS_FILE & ~(R_FD_SEEK | R_FD_TELL);
}

/* ---- life cycle --------------------------------------------------------- */

void tea_wasi_config_init(tea_wasi_config *config) {
  memset(config, 0, sizeof *config);
  config->stdin_fd = 0;
  config->stdout_fd = 1;
  config->stderr_fd = 2;
  config->caps = TEA_WASI_CAP_ALL;
}

/* Lays strings out as args_get/environ_get hand them to the guest: offsets,
 * then the strings, in one allocation (*off, which owns it; none for n = 0). */
static tea_code copy_strings(const char *const *v, size_t n, char **blob, uint32_t **off,
                             uint32_t *blob_len, uint32_t *count, tea_error *err) {
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) total += strlen(v[i]) + 1;
  /* The guest sees sizes as u32 and must hold the pointers as well. */
  if (n > UINT32_MAX / 4 || total > UINT32_MAX)
    return tea_fail(err, TEA_ERR_ARG, "wasi: arguments or environment too large");
  *blob = NULL;
  *off = NULL;
  *blob_len = *count = 0;
  if (!n) return TEA_OK;
  *off = malloc(n * sizeof **off + total);
  if (!*off) return tea_fail(err, TEA_ERR_NOMEM, "wasi: out of memory");
  *blob = (char *)(*off + n);
  uint32_t at = 0;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(v[i]) + 1;
    (*off)[i] = at;
    memcpy(*blob + at, v[i], l);
    at += (uint32_t)l;
  }
  *blob_len = at;
  *count = (uint32_t)n;
  return TEA_OK;
}

tea_code tea_wasi_new(const tea_wasi_config *config, tea_wasi **out, tea_error *err) {
  *out = NULL;
  if (!config) return tea_fail(err, TEA_ERR_ARG, "wasi: no config");
  tea_wasi *w = calloc(1, sizeof *w);
  if (!w) return tea_fail(err, TEA_ERR_NOMEM, "wasi: out of memory");
  w->caps = config->caps;
  w->output = config->output;
  w->input = config->input;
  w->clock = config->clock;
  w->random = config->random;
  w->user = config->user;
  tea_code rc = copy_strings(config->argv, config->argc, &w->args, &w->arg_off, &w->args_len,
                             &w->argc, err);
  if (rc == TEA_OK)
    rc = copy_strings(config->envp, config->envc, &w->env, &w->env_off, &w->env_len, &w->envc,
                      err);
  for (int i = 0; rc == TEA_OK && i < 3; i++) {
    if (wfd_alloc(w) != i) rc = tea_fail(err, TEA_ERR_NOMEM, "wasi: out of memory");
    else
      stdio_setup(w, i, i == 0   ? config->stdin_fd
                        : i == 1 ? config->stdout_fd
                                 : config->stderr_fd);
  }
  /* With FILES off the guest must not even learn the preopens' names. */
  size_t npre = (w->caps & TEA_WASI_CAP_FILES) ? config->npreopens : 0;
  for (size_t i = 0; rc == TEA_OK && i < npre; i++) {
    const tea_wasi_preopen *p = &config->preopens[i];
    const char *guest = p->guest_path ? p->guest_path : p->host_path;
    int64_t n = wfd_alloc(w);
    if (n < 0) {
      rc = tea_fail(err, TEA_ERR_LIMIT, "wasi: too many preopens");
      break;
    }
    int h = open(p->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (h < 0) {
      rc = tea_fail(err, TEA_ERR_IO, "wasi: cannot open directory %s: %s", p->host_path,
                    strerror(errno));
      break;
    }
    wfd *f = &w->fds[n];
    f->used = true;
    f->owned = true;
    f->host = h;
    f->filetype = FT_DIRECTORY;
    f->base = RIGHTS_DIR;
    f->inh = RIGHTS_DIR | RIGHTS_FILE;
    f->preopen = strdup(guest);
    f->preopen_len = (uint32_t)strlen(guest);
    if (!f->preopen) rc = tea_fail(err, TEA_ERR_NOMEM, "wasi: out of memory");
  }
  if (rc == TEA_OK) {
    w->ninitial = w->nfds;
    if ((w->initial = malloc(((size_t)w->nfds + 1) * sizeof *w->initial)))
      memcpy(w->initial, w->fds, (size_t)w->nfds * sizeof *w->fds);
    else
      rc = tea_fail(err, TEA_ERR_NOMEM, "wasi: out of memory");
  }
  if (rc != TEA_OK) {
    tea_wasi_free(w);
    return rc;
  }
  *out = w;
  return TEA_OK;
}

bool tea_wasi_pristine(const tea_wasi *w) {
  for (uint32_t i = 0; i < w->nfds; i++) {
    const wfd *a = &w->fds[i];
    if (i >= w->ninitial) {
      if (a->used) return false;
      continue;
    }
    const wfd *b = &w->initial[i];
    if (a->used != b->used || a->stdio != b->stdio || a->filetype != b->filetype || a->host != b->host ||
        a->base != b->base || a->inh != b->inh || a->preopen != b->preopen || a->dir != b->dir ||
        a->dir_next != b->dir_next)
      return false;
  }
  return true;
}

void tea_wasi_free(tea_wasi *w) {
  if (!w) return;
  for (uint32_t i = 0; i < w->nfds; i++)
    if (w->fds[i].used) wfd_close(&w->fds[i]);
  tea_spill_free(w->fds, w->fds_inline);
  free(w->initial);
  free(w->arg_off); /* and the strings after them */
  free(w->env_off);
  free(w);
}

/* ---- args and environment ---------------------------------------------- */

static int strings_sizes(wctx *c, uint32_t count, uint32_t len, uint32_t count_ptr,
                         uint32_t size_ptr) {
  uint8_t *a = gspan(c, count_ptr, 4), *b = gspan(c, size_ptr, 4);
  if (!a || !b) return W_EFAULT;
  put32(a, count);
  put32(b, len);
  return W_ESUCCESS;
}

static int strings_get(wctx *c, const char *blob, uint32_t len, const uint32_t *off,
                       uint32_t count, uint32_t vec_ptr, uint32_t buf_ptr) {
  uint8_t *v = gspan(c, vec_ptr, (uint64_t)count * 4), *b = gspan(c, buf_ptr, len);
  if (!v || !b) return W_EFAULT;
  /* The buffer is in bounds, so buf_ptr + off < 2^32 cannot wrap. */
  for (uint32_t i = 0; i < count; i++) put32(v + 4 * i, buf_ptr + off[i]);
  if (len) memmove(b, blob, len);
  return W_ESUCCESS;
}

static int args_sizes_get(wctx *c, const tea_wasm_slot *a) {
  if (!(c->w->caps & TEA_WASI_CAP_ARGS)) return W_ENOTCAPABLE;
  return strings_sizes(c, c->w->argc, c->w->args_len, a[0].u32, a[1].u32);
}
static int args_get(wctx *c, const tea_wasm_slot *a) {
  if (!(c->w->caps & TEA_WASI_CAP_ARGS)) return W_ENOTCAPABLE;
  return strings_get(c, c->w->args, c->w->args_len, c->w->arg_off, c->w->argc, a[0].u32,
                     a[1].u32);
}
static int environ_sizes_get(wctx *c, const tea_wasm_slot *a) {
  if (!(c->w->caps & TEA_WASI_CAP_ENV)) return W_ENOTCAPABLE;
  return strings_sizes(c, c->w->envc, c->w->env_len, a[0].u32, a[1].u32);
}
static int environ_get(wctx *c, const tea_wasm_slot *a) {
  if (!(c->w->caps & TEA_WASI_CAP_ENV)) return W_ENOTCAPABLE;
  return strings_get(c, c->w->env, c->w->env_len, c->w->env_off, c->w->envc, a[0].u32,
                     a[1].u32);
}

/* ---- clocks and randomness --------------------------------------------- */

static int host_clock_id(uint32_t id, clockid_t *out) {
  switch (id) {
  case 0: *out = CLOCK_REALTIME; return 0;
  case 1: *out = CLOCK_MONOTONIC; return 0;
  case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return 0;
  case 3: *out = CLOCK_THREAD_CPUTIME_ID; return 0;
  default: return W_EINVAL;
  }
}

static uint64_t ts_ns(struct timespec ts) {
  if (ts.tv_sec < 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int clock_read(tea_wasi *w, uint32_t id, bool resolution, uint64_t *ns) {
  if (w->clock) return w->clock(w->user, id, resolution, ns);
  clockid_t cid;
  if (host_clock_id(id, &cid)) return W_EINVAL;
  struct timespec ts;
  if ((resolution ? clock_getres(cid, &ts) : clock_gettime(cid, &ts)) != 0) return werr(errno);
  *ns = ts_ns(ts);
  return W_ESUCCESS;
}

static int clock_res_get(wctx *c, const tea_wasm_slot *a) {
  if (!(c->w->caps & TEA_WASI_CAP_CLOCK)) return W_ENOTCAPABLE;
  uint8_t *out = gspan(c, a[1].u32, 8);
  if (!out) return W_EFAULT;
  uint64_t ns = 0;
  int e = clock_read(c->w, a[0].u32, true, &ns);
  if (!e) put64(out, ns);
  return e;
}

static int clock_time_get(wctx *c, const tea_wasm_slot *a) {
  if (!(c->w->caps & TEA_WASI_CAP_CLOCK)) return W_ENOTCAPABLE;
  uint8_t *out = gspan(c, a[2].u32, 8);
  if (!out) return W_EFAULT;
  uint64_t ns = 0;
  int e = clock_read(c->w, a[0].u32, false, &ns);
  if (!e) put64(out, ns);
  return e;
}

static int host_random(uint8_t *buf, size_t len) {
  while (len) {
#if defined(__linux__)
    ssize_t n = getrandom(buf, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return werr(errno);
    }
#else
    size_t n = len > 256 ? 256 : len; /* getentropy's limit per call */
    if (getentropy(buf, n) != 0) return werr(errno);
#endif
    buf += n;
    len -= (size_t)n;
  }
  return W_ESUCCESS;
}

static int random_get(wctx *c, const tea_wasm_slot *a) {
  if (!(c->w->caps & TEA_WASI_CAP_RANDOM)) return W_ENOTCAPABLE;
  uint8_t *buf = gspan(c, a[0].u32, a[1].u32);
  if (!buf) return W_EFAULT;
  if (a[1].u32 == 0) return W_ESUCCESS;
  if (c->w->random) return c->w->random(c->w->user, buf, a[1].u32);
  return host_random(buf, a[1].u32);
}

/* ---- reads and writes --------------------------------------------------- */

/* Reads the guest's iovec array (buf u32, len u32 each) into host iovecs,
 * all bounds-checked first. The total is kept within u32, the width of the
 * guest's result, by shortening the list (a short read or write is legal). */
static int gather(wctx *c, uint32_t iovs, uint32_t n, struct iovec *v, int *nv,
                  uint64_t *total) {
  const uint8_t *a = gspan(c, iovs, (uint64_t)n * 8);
  if (!a) return W_EFAULT;
  *total = 0;
  *nv = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t ptr = get32(a + 8 * i), len = get32(a + 8 * i + 4);
    uint8_t *p = gspan(c, ptr, len);
    if (!p) return W_EFAULT;
    if (*total + len > UINT32_MAX) len = (uint32_t)(UINT32_MAX - *total);
    v[*nv].iov_base = p;
    v[*nv].iov_len = len;
    (*nv)++;
    *total += len;
  }
  return W_ESUCCESS;
}

static int emit(tea_wasi *w, int stream, const struct iovec *v, int nv, uint64_t total) {
  if (!w->output) return W_ESUCCESS; /* not connected: discarded */
  if (total == 0) return W_ESUCCESS;
  /* One call per fd_write, so a log gets printf's buffer + tail as one piece. */
  int live = 0, last = 0;
  for (int i = 0; i < nv; i++)
    if (v[i].iov_len) live++, last = i;
  if (live == 1) return w->output(w->user, stream, v[last].iov_base, v[last].iov_len);
  uint8_t *joined = malloc(total);
  if (!joined) return W_ENOMEM;
  size_t at = 0;
  for (int i = 0; i < nv; i++) {
    memcpy(joined + at, v[i].iov_base, v[i].iov_len);
    at += v[i].iov_len;
  }
  int e = w->output(w->user, stream, joined, at);
  free(joined);
  return e;
}

/* fd_read, fd_write, fd_pread, fd_pwrite share everything but the syscall. */
static int rw(wctx *c, const tea_wasm_slot *a, bool write, bool positional) {
  uint32_t fd = a[0].u32, iovs = a[1].u32, n = a[2].u32;
  uint64_t pos = positional ? a[3].u64 : 0;
  uint32_t res_ptr = positional ? a[4].u32 : a[3].u32;
  int e;
  wfd *f = wfd_get(c->w, fd, (write ? R_FD_WRITE : R_FD_READ) | (positional ? R_FD_SEEK : 0), &e);
  if (!f) return e;
  uint8_t *res = gspan(c, res_ptr, 4);
  if (!res) return W_EFAULT;
  if (n > MAX_IOVS) return W_EINVAL; /* before sizing the host array by it */
  struct iovec small[16];
  struct iovec *v = n <= 16 ? small : malloc(n * sizeof *v);
  if (!v) return W_ENOMEM;
  int nv;
  uint64_t total;
  e = gather(c, iovs, n, v, &nv, &total);
  uint64_t done = 0;
  if (e) {
  } else if (positional && pos > INT64_MAX) {
    e = W_EINVAL;
  } else if (virtual_stdio(f)) {
    if (positional) {
      e = W_ESPIPE;
    } else if (write) {
      e = emit(c->w, f->stdio, v, nv, total);
      if (!e) done = total;
    } else if (c->w->input) {
      for (int i = 0; i < nv; i++) {
        if (!v[i].iov_len) continue;
        size_t got = 0;
        e = c->w->input(c->w->user, v[i].iov_base, v[i].iov_len, &got);
        if (!e) done = got > v[i].iov_len ? v[i].iov_len : got;
        break; /* one buffer per call: a short read is always allowed */
      }
    }
  } else {
    ssize_t r;
    do {
      if (positional)
        r = write ? pwritev(f->host, v, nv, (off_t)pos) : preadv(f->host, v, nv, (off_t)pos);
      else
        r = write ? writev(f->host, v, nv) : readv(f->host, v, nv);
    } while (r < 0 && errno == EINTR);
    if (r < 0) e = werr(errno);
    else done = (uint64_t)r;
  }
  if (v != small) free(v);
  if (!e) put32(res, (uint32_t)done);
  return e;
}

static int fd_read(wctx *c, const tea_wasm_slot *a) { return rw(c, a, false, false); }
static int fd_write(wctx *c, const tea_wasm_slot *a) { return rw(c, a, true, false); }
static int fd_pread(wctx *c, const tea_wasm_slot *a) { return rw(c, a, false, true); }
static int fd_pwrite(wctx *c, const tea_wasm_slot *a) { return rw(c, a, true, true); }

static int fd_seek(wctx *c, const tea_wasm_slot *a) {
  int64_t off = a[1].i64;
  uint32_t whence = a[2].u32;
  /* The spec lets a tell (offset 0 from the current position) need only TELL. */
  uint64_t need = (off == 0 && whence == 1) ? R_FD_TELL : R_FD_SEEK;
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, need, &e);
  if (!f) return e;
  uint8_t *out = gspan(c, a[3].u32, 8);
  if (!out) return W_EFAULT;
  int hw = whence == 0 ? SEEK_SET : whence == 1 ? SEEK_CUR : whence == 2 ? SEEK_END : -1;
  if (hw < 0) return W_EINVAL;
  if (virtual_stdio(f)) return W_ESPIPE;
  off_t r = lseek(f->host, (off_t)off, hw);
  if (r < 0) return werr(errno);
  put64(out, (uint64_t)r);
  return W_ESUCCESS;
}

static int fd_tell(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, R_FD_TELL, &e);
  if (!f) return e;
  uint8_t *out = gspan(c, a[1].u32, 8);
  if (!out) return W_EFAULT;
  if (virtual_stdio(f)) return W_ESPIPE;
  off_t r = lseek(f->host, 0, SEEK_CUR);
  if (r < 0) return werr(errno);
  put64(out, (uint64_t)r);
  return W_ESUCCESS;
}

static int fd_close(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, 0, &e);
  if (!f) return e;
  wfd_close(f);
  return W_ESUCCESS;
}

static uint16_t host_fdflags(int host) {
  int fl = fcntl(host, F_GETFL);
  if (fl < 0) return 0;
  uint16_t r = 0;
  if (fl & O_APPEND) r |= FDF_APPEND;
  if (fl & O_NONBLOCK) r |= FDF_NONBLOCK;
  if ((fl & O_SYNC) == O_SYNC) r |= FDF_SYNC;
  else if (fl & O_DSYNC) r |= FDF_DSYNC;
  return r;
}

static int fd_fdstat_get(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, 0, &e);
  if (!f) return e;
  uint8_t *out = gspan(c, a[1].u32, 24);
  if (!out) return W_EFAULT;
  memset(out, 0, 24);
  out[0] = f->filetype;
  put16(out + 2, virtual_stdio(f) ? 0 : host_fdflags(f->host));
  put64(out + 8, f->base);
  put64(out + 16, f->inh);
  return W_ESUCCESS;
}

static int fd_fdstat_set_flags(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, R_FD_FDSTAT_SET_FLAGS, &e);
  if (!f) return e;
  uint32_t flags = a[1].u32;
  if (flags & ~(uint32_t)(FDF_APPEND | FDF_DSYNC | FDF_NONBLOCK | FDF_RSYNC | FDF_SYNC))
    return W_EINVAL;
  /* POSIX cannot change the sync modes of an open file. */
  if (flags & (FDF_DSYNC | FDF_RSYNC | FDF_SYNC)) return W_ENOTSUP;
  if (virtual_stdio(f)) return W_ESUCCESS;
  int fl = fcntl(f->host, F_GETFL);
  if (fl < 0) return werr(errno);
  fl = (fl & ~(O_APPEND | O_NONBLOCK)) | ((flags & FDF_APPEND) ? O_APPEND : 0) |
       ((flags & FDF_NONBLOCK) ? O_NONBLOCK : 0);
  if (fcntl(f->host, F_SETFL, fl) != 0) return werr(errno);
  return W_ESUCCESS;
}

static int fd_fdstat_set_rights(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, 0, &e);
  if (!f) return e;
  uint64_t base = a[1].u64, inh = a[2].u64;
  if ((base & ~f->base) || (inh & ~f->inh)) return W_ENOTCAPABLE; /* only ever narrower */
  f->base = base;
  f->inh = inh;
  return W_ESUCCESS;
}

static int fd_prestat_get(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, 0, &e);
  if (!f) return e;
  if (!f->preopen) return W_EBADF; /* libc's preopen scan stops at the first EBADF */
  uint8_t *out = gspan(c, a[1].u32, 8);
  if (!out) return W_EFAULT;
  memset(out, 0, 8);
  out[0] = 0; /* preopentype dir */
  put32(out + 4, f->preopen_len);
  return W_ESUCCESS;
}

static int fd_prestat_dir_name(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, 0, &e);
  if (!f) return e;
  if (!f->preopen) return W_EBADF;
  uint8_t *out = gspan(c, a[1].u32, a[2].u32);
  if (!out) return W_EFAULT;
  if (a[2].u32 < f->preopen_len) return W_ENAMETOOLONG;
  memcpy(out, f->preopen, f->preopen_len);
  return W_ESUCCESS;
}

static void put_filestat(uint8_t *out, const struct stat *st) {
  memset(out, 0, 64);
  put64(out + 0, (uint64_t)st->st_dev);
  put64(out + 8, (uint64_t)st->st_ino);
  out[16] = filetype_of(st->st_mode);
  put64(out + 24, (uint64_t)st->st_nlink);
  put64(out + 32, st->st_size < 0 ? 0 : (uint64_t)st->st_size);
  put64(out + 40, ts_ns(st->st_atim));
  put64(out + 48, ts_ns(st->st_mtim));
  put64(out + 56, ts_ns(st->st_ctim));
}

static int fd_filestat_get(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, R_FD_FILESTAT_GET, &e);
  if (!f) return e;
  uint8_t *out = gspan(c, a[1].u32, 64);
  if (!out) return W_EFAULT;
  struct stat st;
  memset(&st, 0, sizeof st);
  if (virtual_stdio(f)) st.st_mode = S_IFCHR;
  else if (fstat(f->host, &st) != 0) return werr(errno);
  put_filestat(out, &st);
  return W_ESUCCESS;
}

static int fd_filestat_set_size(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, R_FD_FILESTAT_SET_SIZE, &e);
  if (!f) return e;
  if (a[1].u64 > INT64_MAX) return W_EINVAL;
  if (virtual_stdio(f)) return W_EINVAL;
  if (ftruncate(f->host, (off_t)a[1].u64) != 0) return werr(errno);
  return W_ESUCCESS;
}

/* WASI timestamps + fstflags -> the two timespecs of futimens/utimensat. */
static int make_times(uint64_t atim, uint64_t mtim, uint32_t fl, struct timespec ts[2]) {
  if (fl & ~(uint32_t)(FST_ATIM | FST_ATIM_NOW | FST_MTIM | FST_MTIM_NOW)) return W_EINVAL;
  if ((fl & FST_ATIM) && (fl & FST_ATIM_NOW)) return W_EINVAL;
  if ((fl & FST_MTIM) && (fl & FST_MTIM_NOW)) return W_EINVAL;
  uint64_t t[2] = {atim, mtim};
  uint32_t set[2] = {FST_ATIM, FST_MTIM}, now[2] = {FST_ATIM_NOW, FST_MTIM_NOW};
  for (int i = 0; i < 2; i++) {
    ts[i].tv_sec = 0;
    if (fl & now[i]) {
      ts[i].tv_nsec = UTIME_NOW;
    } else if (fl & set[i]) {
      ts[i].tv_sec = (time_t)(t[i] / 1000000000u);
      ts[i].tv_nsec = (long)(t[i] % 1000000000u);
    } else {
      ts[i].tv_nsec = UTIME_OMIT;
    }
  }
  return W_ESUCCESS;
}

static int fd_filestat_set_times(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, R_FD_FILESTAT_SET_TIMES, &e);
  if (!f) return e;
  struct timespec ts[2];
  if ((e = make_times(a[1].u64, a[2].u64, a[3].u32, ts))) return e;
  if (virtual_stdio(f)) return W_EINVAL;
  if (futimens(f->host, ts) != 0) return werr(errno);
  return W_ESUCCESS;
}

static int fd_sync_common(wctx *c, const tea_wasm_slot *a, uint64_t right, bool data) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, right, &e);
  if (!f) return e;
  if (virtual_stdio(f)) return W_ESUCCESS;
#if defined(__APPLE__)
  (void)data;
  int r = fsync(f->host);
#else
  int r = data ? fdatasync(f->host) : fsync(f->host);
#endif
  return r ? werr(errno) : W_ESUCCESS;
}
static int fd_sync(wctx *c, const tea_wasm_slot *a) {
  return fd_sync_common(c, a, R_FD_SYNC, false);
}
static int fd_datasync(wctx *c, const tea_wasm_slot *a) {
  return fd_sync_common(c, a, R_FD_DATASYNC, true);
}

static int fd_advise(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, R_FD_ADVISE, &e);
  if (!f) return e;
  uint32_t advice = a[3].u32;
  if (advice > 5) return W_EINVAL;
  if (a[1].u64 > INT64_MAX || a[2].u64 > INT64_MAX) return W_EINVAL;
  if (virtual_stdio(f)) return W_ESPIPE;
#if defined(POSIX_FADV_NORMAL)
  static const int map[6] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                             POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  int r = posix_fadvise(f->host, (off_t)a[1].u64, (off_t)a[2].u64, map[advice]);
  /* Advice is only advice: a file system that ignores it is not an error. */
  if (r != 0 && r != EINVAL && r != ENOSYS) return werr(r);
#endif
  return W_ESUCCESS;
}

static int fd_allocate(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, R_FD_ALLOCATE, &e);
  if (!f) return e;
  uint64_t off = a[1].u64, len = a[2].u64;
  if (off > INT64_MAX || len > INT64_MAX || off + len > INT64_MAX) return W_EINVAL;
  if (virtual_stdio(f)) return W_ESPIPE;
#if defined(__APPLE__)
  struct stat st;
  if (fstat(f->host, &st) != 0) return werr(errno);
  if ((uint64_t)st.st_size < off + len && ftruncate(f->host, (off_t)(off + len)) != 0)
    return werr(errno);
  return W_ESUCCESS;
#else
  int r = posix_fallocate(f->host, (off_t)off, (off_t)len);
  return r ? werr(r) : W_ESUCCESS;
#endif
}

static int fd_renumber(wctx *c, const tea_wasm_slot *a) {
  int e;
  uint32_t from = a[0].u32, to = a[1].u32;
  wfd *f = wfd_get(c->w, from, 0, &e);
  if (!f) return e;
  wfd *t = wfd_get(c->w, to, 0, &e);
  if (!t) return e;
  if (from == to) return W_ESUCCESS;
  wfd_close(t);
  *t = *f;
  memset(f, 0, sizeof *f);
  f->host = -1;
  f->stdio = -1;
  return W_ESUCCESS;
}

/* fd_readdir: entries are a 24-byte dirent (d_next u64, d_ino u64, d_namlen
 * u32, d_type u8) followed by the name; the last one may be cut off at the
 * end of the buffer, which tells libc to come back with a bigger one. Cookies
 * are the host's telldir() positions; 0 is the start. */
static int fd_readdir(wctx *c, const tea_wasm_slot *a) {
  int e;
  wfd *f = wfd_get(c->w, a[0].u32, R_FD_READDIR, &e);
  if (!f) return e;
  uint32_t buf_len = a[2].u32;
  uint64_t cookie = a[3].u64;
  uint8_t *buf = gspan(c, a[1].u32, buf_len), *used = gspan(c, a[4].u32, 4);
  if (!buf || !used) return W_EFAULT;
  if (f->filetype != FT_DIRECTORY || virtual_stdio(f)) return W_ENOTDIR;
  if (!f->dir) {
    int d = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) return werr(errno);
    f->dir = fdopendir(d);
    if (!f->dir) {
      e = werr(errno);
      close(d);
      return e;
    }
    f->dir_next = 0;
  }
  if (cookie != f->dir_next) {
    if (cookie == 0) rewinddir(f->dir);
    else if (cookie > LONG_MAX) return W_EINVAL;
    else seekdir(f->dir, (long)cookie);
  }
  uint32_t at = 0;
  while (at < buf_len) {
    errno = 0;
    struct dirent *d = readdir(f->dir);
    if (!d) {
      if (errno) return werr(errno);
      break;
    }
    long next = telldir(f->dir);
    f->dir_next = next < 0 ? 0 : (uint64_t)next;
    size_t nlen = strlen(d->d_name);
    uint8_t type = FT_UNKNOWN;
    switch (d->d_type) {
    case DT_REG: type = FT_REGULAR_FILE; break;
    case DT_DIR: type = FT_DIRECTORY; break;
    case DT_LNK: type = FT_SYMBOLIC_LINK; break;
    case DT_CHR: type = FT_CHARACTER_DEVICE; break;
    case DT_BLK: type = FT_BLOCK_DEVICE; break;
    case DT_SOCK: type = FT_SOCKET_STREAM; break;
    case DT_UNKNOWN: {
      struct stat st;
      if (fstatat(dirfd(f->dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        type = filetype_of(st.st_mode);
      break;
    }
    default: break;
    }
    uint8_t hdr[24] = {0};
    put64(hdr, f->dir_next);
    put64(hdr + 8, (uint64_t)d->d_ino);
    put32(hdr + 16, (uint32_t)nlen);
    hdr[20] = type;
    uint32_t room = buf_len - at, n = room < 24 ? room : 24;
    memcpy(buf + at, hdr, n);
    at += n;
    room = buf_len - at;
    n = room < nlen ? room : (uint32_t)nlen;
    memcpy(buf + at, d->d_name, n);
    at += n;
  }
  put32(used, at);
  return W_ESUCCESS;
}

/* ---- path resolution ---------------------------------------------------- */

/* Where a guest path lands: the directory holding its last component, and that
 * component's name. The directory was reached by openat(O_NOFOLLOW) one
 * component at a time from the preopen, so it is inside the sandbox, and the
 * caller acts on `name` with the *at() call and no symlink following. */
typedef struct wpath {
  int dir;
  bool owned;  /* dir was opened here and must be closed */
  char name[NAME_MAX + 1];
} wpath;

static void wpath_done(wpath *p) {
  if (p->owned) close(p->dir);
  p->owned = false;
}

#if defined(O_PATH)
#define WALK_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#else
#define WALK_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#endif

/* Resolves `path` (malloc'd, NUL-terminated, consumed) under base. `..` pops
 * the stack of directories actually opened, so it cannot climb above base;
 * a symlink is read and its target spliced in front of the rest of the path
 * (textually, like the kernel), so its `..`s are checked the same way. */
static int resolve(int base, char *path, bool follow, wpath *out) {
  int small[32], *stack = small;
  size_t depth = 0, cap = 32;
  unsigned links = 0;
  int e = W_ESUCCESS;
  char *p = path;
  out->owned = false;
  if (*p == '/') {
    e = W_ENOTCAPABLE;
    goto done;
  }
  for (;;) {
    int top = depth ? stack[depth - 1] : base;
    while (*p == '/') p++;
    if (!*p) { /* only "." components and slashes were left */
      strcpy(out->name, ".");
      break;
    }
    char *q = p;
    while (*q && *q != '/') q++;
    size_t n = (size_t)(q - p);
    bool slash = *q == '/';
    char *next = q;
    while (*next == '/') next++;
    bool last = !*next;
    if (n == 1 && p[0] == '.') {
      if (last) {
        strcpy(out->name, ".");
        break;
      }
      p = next;
      continue;
    }
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      if (!depth) {
        e = W_ENOTCAPABLE; /* would leave the preopen */
        goto done;
      }
      close(stack[--depth]);
      if (last) {
        strcpy(out->name, ".");
        break;
      }
      p = next;
      continue;
    }
    if (n > NAME_MAX) {
      e = W_ENAMETOOLONG;
      goto done;
    }
    memcpy(out->name, p, n);
    out->name[n] = '\0';
    int fd = -1, oe = 0;
    if (!last) {
      fd = openat(top, out->name, WALK_FLAGS);
      oe = errno;
      if (fd >= 0) {
        if (depth == cap) {
          int *grown = malloc(cap * 2 * sizeof *grown);
          if (!grown) {
            close(fd);
            e = W_ENOMEM;
            goto done;
          }
          memcpy(grown, stack, depth * sizeof *stack);
          if (stack != small) free(stack);
          stack = grown;
          cap *= 2;
        }
        stack[depth++] = fd;
        p = next;
        continue;
      }
      /* O_NOFOLLOW refuses a symlink with ELOOP (Linux), EMLINK (FreeBSD) or,
       * with O_DIRECTORY, ENOTDIR: see whether it is one. */
      if (oe != ELOOP && oe != EMLINK && oe != ENOTDIR) {
        e = werr(oe);
        goto done;
      }
    } else if (!follow && !slash) {
      break; /* act on the last component itself, symlink or not */
    }
    char target[MAX_PATH + 1];
    ssize_t tl = readlinkat(top, out->name, target, sizeof target);
    if (tl < 0) {
      if (last && (errno == EINVAL || errno == ENOENT)) {
        /* Not a symlink, or not there yet (creation): the component itself.
         * A trailing slash demands a directory. */
        struct stat st;
        if (slash && fstatat(top, out->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !S_ISDIR(st.st_mode)) {
          e = W_ENOTDIR;
          goto done;
        }
        break;
      }
      e = last ? werr(errno) : werr(oe);
      goto done;
    }
    if ((size_t)tl >= sizeof target) {
      e = W_ENAMETOOLONG;
      goto done;
    }
    if (++links > MAX_SYMLINKS) {
      e = W_ELOOP;
      goto done;
    }
    if (tl == 0) {
      e = W_ENOENT;
      goto done;
    }
    if (target[0] == '/') {
      e = W_ENOTCAPABLE; /* an absolute target always points out of the sandbox */
      goto done;
    }
    /* New path = target, then "/" + rest (a trailing slash stays a slash). */
    size_t rest = strlen(next);
    char *np = malloc((size_t)tl + 1 + rest + 1);
    if (!np) {
      e = W_ENOMEM;
      goto done;
    }
    memcpy(np, target, (size_t)tl);
    size_t at = (size_t)tl;
    if (rest || slash) np[at++] = '/';
    memcpy(np + at, next, rest + 1);
    free(path);
    path = p = np;
  }
  if (depth) {
    out->dir = stack[--depth];
    out->owned = true;
  } else {
    out->dir = base;
  }
done:
  while (depth) close(stack[--depth]);
  if (stack != small) free(stack);
  free(path);
  return e;
}

/* The common front of every path_* call: capability, fd and rights, the guest
 * path copied out of memory, then resolve(). */
static int path_at(wctx *c, uint32_t fd, uint64_t rights, uint32_t ptr, uint32_t len, bool follow,
                   wpath *out, wfd **dirp) {
  out->owned = false;
  if (!(c->w->caps & TEA_WASI_CAP_FILES)) return W_ENOTCAPABLE;
  int e;
  wfd *d = wfd_get(c->w, fd, rights, &e);
  if (!d) return e;
  if (d->filetype != FT_DIRECTORY || virtual_stdio(d)) return W_ENOTDIR;
  const uint8_t *g = gspan(c, ptr, len);
  if (!g) return W_EFAULT;
  if (len == 0) return W_ENOENT;
  if (len > MAX_PATH) return W_ENAMETOOLONG;
  if (memchr(g, 0, len)) return W_EINVAL;
  char *path = malloc((size_t)len + 1);
  if (!path) return W_ENOMEM;
  memcpy(path, g, len);
  path[len] = '\0';
  if (dirp) *dirp = d;
  return resolve(d->host, path, follow, out);
}

static int path_open(wctx *c, const tea_wasm_slot *a) {
  uint32_t oflags = a[4].u32, fdflags = a[7].u32;
  uint64_t base = a[5].u64, inh = a[6].u64;
  if (!(c->w->caps & TEA_WASI_CAP_FILES)) return W_ENOTCAPABLE;
  uint8_t *res = gspan(c, a[8].u32, 4);
  if (!res) return W_EFAULT;
  uint64_t need = R_PATH_OPEN | ((oflags & OF_CREAT) ? R_PATH_CREATE_FILE : 0) |
                  ((oflags & OF_TRUNC) ? R_PATH_FILESTAT_SET_SIZE : 0);
  wpath p;
  wfd *d = NULL;
  int e = path_at(c, a[0].u32, need, a[2].u32, a[3].u32, a[1].u32 & LOOKUP_SYMLINK_FOLLOW, &p, &d);
  if (e) return e;
  /* More rights than the directory passes on are quietly cut back, as
   * wasmtime does (Rust's std asks for more than it needs); never granted. */
  base &= d->inh;
  inh &= d->inh;
  /* Access mode from the rights asked for, as other WASI hosts do. */
  bool rd = base & (R_FD_READ | R_FD_READDIR);
  bool wr = base & (R_FD_DATASYNC | R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE);
  int flags = (rd && wr) ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
  flags |= O_CLOEXEC | O_NOFOLLOW; /* symlinks were already followed if asked */
  if (oflags & OF_CREAT) flags |= O_CREAT;
  if (oflags & OF_DIRECTORY) flags |= O_DIRECTORY;
  if (oflags & OF_EXCL) flags |= O_EXCL;
  if (oflags & OF_TRUNC) flags |= O_TRUNC;
  if (fdflags & FDF_APPEND) flags |= O_APPEND;
  if (fdflags & FDF_DSYNC) flags |= O_DSYNC;
  if (fdflags & FDF_NONBLOCK) flags |= O_NONBLOCK;
  if (fdflags & FDF_RSYNC) flags |= O_RSYNC;
  if (fdflags & FDF_SYNC) flags |= O_SYNC;
  int h;
  do h = openat(p.dir, p.name, flags, 0666);
  while (h < 0 && errno == EINTR);
  e = h < 0 ? werr(errno) : 0;
  wpath_done(&p);
  if (e) return e;
  struct stat st;
  if (fstat(h, &st) != 0) {
    e = werr(errno);
    close(h);
    return e;
  }
  int64_t n = wfd_alloc(c->w);
  if (n < 0) {
    close(h);
    return W_EMFILE;
  }
  d = NULL; /* the table may have moved */
  wfd *f = &c->w->fds[n];
  f->used = true;
  f->owned = true;
  f->host = h;
  f->filetype = filetype_of(st.st_mode);
  bool isdir = f->filetype == FT_DIRECTORY;
  f->base = base & (isdir ? RIGHTS_DIR : RIGHTS_FILE);
  f->inh = isdir ? inh : 0;
  put32(res, (uint32_t)n);
  return W_ESUCCESS;
}

static int path_filestat_get(wctx *c, const tea_wasm_slot *a) {
  uint8_t *out = gspan(c, a[4].u32, 64);
  wpath p;
  int e = path_at(c, a[0].u32, R_PATH_FILESTAT_GET, a[2].u32, a[3].u32,
                  a[1].u32 & LOOKUP_SYMLINK_FOLLOW, &p, NULL);
  if (e) return e;
  struct stat st;
  if (!out) e = W_EFAULT;
  else if (fstatat(p.dir, p.name, &st, AT_SYMLINK_NOFOLLOW) != 0) e = werr(errno);
  else put_filestat(out, &st);
  wpath_done(&p);
  return e;
}

static int path_filestat_set_times(wctx *c, const tea_wasm_slot *a) {
  struct timespec ts[2];
  int e = make_times(a[4].u64, a[5].u64, a[6].u32, ts);
  if (e) return e;
  wpath p;
  e = path_at(c, a[0].u32, R_PATH_FILESTAT_SET_TIMES, a[2].u32, a[3].u32,
              a[1].u32 & LOOKUP_SYMLINK_FOLLOW, &p, NULL);
  if (e) return e;
  if (utimensat(p.dir, p.name, ts, AT_SYMLINK_NOFOLLOW) != 0) e = werr(errno);
  wpath_done(&p);
  return e;
}

static int path_create_directory(wctx *c, const tea_wasm_slot *a) {
  wpath p;
  int e = path_at(c, a[0].u32, R_PATH_CREATE_DIRECTORY, a[1].u32, a[2].u32, false, &p, NULL);
  if (e) return e;
  if (mkdirat(p.dir, p.name, 0777) != 0) e = werr(errno);
  wpath_done(&p);
  return e;
}

static int path_remove_directory(wctx *c, const tea_wasm_slot *a) {
  wpath p;
  int e = path_at(c, a[0].u32, R_PATH_REMOVE_DIRECTORY, a[1].u32, a[2].u32, false, &p, NULL);
  if (e) return e;
  if (unlinkat(p.dir, p.name, AT_REMOVEDIR) != 0) e = werr(errno);
  wpath_done(&p);
  return e;
}

static int path_unlink_file(wctx *c, const tea_wasm_slot *a) {
  wpath p;
  int e = path_at(c, a[0].u32, R_PATH_UNLINK_FILE, a[1].u32, a[2].u32, false, &p, NULL);
  if (e) return e;
  if (unlinkat(p.dir, p.name, 0) != 0) e = werr(errno);
  wpath_done(&p);
  return e;
}

static int path_rename(wctx *c, const tea_wasm_slot *a) {
  wpath from, to;
  int e = path_at(c, a[0].u32, R_PATH_RENAME_SOURCE, a[1].u32, a[2].u32, false, &from, NULL);
  if (e) return e;
  e = path_at(c, a[3].u32, R_PATH_RENAME_TARGET, a[4].u32, a[5].u32, false, &to, NULL);
  if (!e) {
    if (renameat(from.dir, from.name, to.dir, to.name) != 0) e = werr(errno);
    wpath_done(&to);
  }
  wpath_done(&from);
  return e;
}

static int path_link(wctx *c, const tea_wasm_slot *a) {
  wpath from, to;
  int e = path_at(c, a[0].u32, R_PATH_LINK_SOURCE, a[2].u32, a[3].u32,
                  a[1].u32 & LOOKUP_SYMLINK_FOLLOW, &from, NULL);
  if (e) return e;
  e = path_at(c, a[4].u32, R_PATH_LINK_TARGET, a[5].u32, a[6].u32, false, &to, NULL);
  if (!e) {
    if (linkat(from.dir, from.name, to.dir, to.name, 0) != 0) e = werr(errno);
    wpath_done(&to);
  }
  wpath_done(&from);
  return e;
}

static int path_symlink(wctx *c, const tea_wasm_slot *a) {
  if (!(c->w->caps & TEA_WASI_CAP_FILES)) return W_ENOTCAPABLE;
  uint32_t tlen = a[1].u32;
  const uint8_t *g = gspan(c, a[0].u32, tlen);
  if (!g) return W_EFAULT;
  if (tlen > MAX_PATH) return W_ENAMETOOLONG;
  if (tlen == 0) return W_ENOENT;
  if (memchr(g, 0, tlen)) return W_EINVAL;
  /* Never following a symlink out keeps the sandbox; refusing to make one
   * that names the host's root keeps other host programs from tripping on it. */
  if (g[0] == '/') return W_ENOTCAPABLE;
  char target[MAX_PATH + 1];
  memcpy(target, g, tlen);
  target[tlen] = '\0';
  wpath p;
  int e = path_at(c, a[2].u32, R_PATH_SYMLINK, a[3].u32, a[4].u32, false, &p, NULL);
  if (e) return e;
  if (symlinkat(target, p.dir, p.name) != 0) e = werr(errno);
  wpath_done(&p);
  return e;
}

static int path_readlink(wctx *c, const tea_wasm_slot *a) {
  uint32_t cap = a[4].u32;
  uint8_t *buf = gspan(c, a[3].u32, cap), *used = gspan(c, a[5].u32, 4);
  wpath p;
  int e = path_at(c, a[0].u32, R_PATH_READLINK, a[1].u32, a[2].u32, false, &p, NULL);
  if (e) return e;
  if (!buf || !used) {
    e = W_EFAULT;
  } else {
    /* A target longer than the buffer is cut off, as readlink(2) does. */
    char tmp[MAX_PATH + 1];
    ssize_t r = readlinkat(p.dir, p.name, tmp, sizeof tmp);
    if (r < 0) {
      e = werr(errno);
    } else {
      uint32_t n = (uint64_t)r < cap ? (uint32_t)r : cap;
      memcpy(buf, tmp, n);
      put32(used, n);
    }
  }
  wpath_done(&p);
  return e;
}

/* ---- poll_oneoff -------------------------------------------------------- */

/* subscription: userdata u64 @0, tag u8 @8, then @16 either clock (id u32,
 * timeout u64 @24, precision u64 @32, flags u16 @40) or fd (u32); 48 bytes.
 * event: userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16,
 * flags u16 @24; 32 bytes. */
typedef struct wsub {
  uint64_t userdata;
  uint8_t tag;
  int error;     /* decided before waiting (bad fd, no capability) */
  bool ready;    /* fires without waiting */
  uint64_t wait; /* clock: ns from now */
  int pfd;       /* index into pollfds, -1 if none */
  uint64_t nbytes;
} wsub;

static int poll_oneoff(wctx *c, const tea_wasm_slot *a) {
  uint32_t n = a[2].u32;
  const uint8_t *in = gspan(c, a[0].u32, (uint64_t)n * 48);
  uint8_t *out = gspan(c, a[1].u32, (uint64_t)n * 32), *nev = gspan(c, a[3].u32, 4);
  if (!in || !out || !nev) return W_EFAULT;
  /* The cap keeps a guest from making the host allocate gigabytes here. */
  if (n == 0 || n > MAX_SUBSCRIPTIONS) return W_EINVAL;
  wsub *s = calloc(n, sizeof *s);
  struct pollfd *pf = calloc(n, sizeof *pf);
  if (!s || !pf) {
    free(s);
    free(pf);
    return W_ENOMEM;
  }
  tea_wasi *w = c->w;
  uint64_t wait = UINT64_MAX; /* shortest clock wait */
  bool any_ready = false;
  nfds_t npf = 0;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *b = in + 48 * i;
    wsub *x = &s[i];
    x->userdata = get64(b);
    x->tag = b[8];
    x->pfd = -1;
    if (x->tag == EV_CLOCK) {
      uint32_t id = get32(b + 16);
      uint64_t timeout = get64(b + 24);
      uint16_t fl = get16(b + 40);
      uint64_t now = 0;
      if (!(w->caps & TEA_WASI_CAP_CLOCK)) x->error = W_ENOTCAPABLE;
      else if (fl & SUBCLOCK_ABSTIME) x->error = clock_read(w, id, false, &now);
      else if (id > 3) x->error = W_EINVAL;
      if (x->error) {
        x->ready = true;
      } else {
        x->wait = (fl & SUBCLOCK_ABSTIME) ? (timeout > now ? timeout - now : 0) : timeout;
        if (x->wait < wait) wait = x->wait;
      }
    } else if (x->tag == EV_FD_READ || x->tag == EV_FD_WRITE) {
      wfd *f = wfd_get(w, get32(b + 16), R_POLL_FD_READWRITE, &x->error);
      if (!f) {
        x->ready = true;
      } else if (virtual_stdio(f) || f->filetype == FT_REGULAR_FILE ||
                 f->filetype == FT_DIRECTORY) {
        x->ready = true; /* never blocks */
        struct stat st;
        off_t pos;
        if (x->tag == EV_FD_READ && !virtual_stdio(f) && fstat(f->host, &st) == 0 &&
            (pos = lseek(f->host, 0, SEEK_CUR)) >= 0 && st.st_size > pos)
          x->nbytes = (uint64_t)(st.st_size - pos);
      } else {
        x->pfd = (int)npf;
        pf[npf].fd = f->host;
        pf[npf].events = x->tag == EV_FD_READ ? POLLIN : POLLOUT;
        npf++;
      }
    } else {
      x->error = W_EINVAL;
      x->ready = true;
    }
    any_ready |= x->ready;
  }
  uint64_t waited = 0;
  if (any_ready) wait = 0;
  if (npf) {
    int ms = wait == UINT64_MAX ? -1
             : wait / 1000000u >= INT_MAX ? INT_MAX
             : (int)((wait + 999999u) / 1000000u);
    int r = poll(pf, npf, ms);
    if (r < 0 && errno != EINTR) {
      free(s);
      free(pf);
      return werr(errno);
    }
    if (r <= 0) { /* timed out (or interrupted): the clocks that were due */
      waited = wait;
      for (nfds_t k = 0; k < npf; k++) pf[k].revents = 0;
    }
  } else if (wait && wait != UINT64_MAX) {
    struct timespec ts = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    waited = wait;
  } else {
    waited = wait; /* 0: a clock already due, or something ready */
  }
  uint32_t count = 0;
  for (uint32_t i = 0; i < n; i++) {
    wsub *x = &s[i];
    bool fire = x->ready;
    uint16_t flags = 0;
    if (!fire && x->tag == EV_CLOCK) fire = x->wait <= waited;
    if (!fire && x->pfd >= 0 && pf[x->pfd].revents) {
      fire = true;
      short rv = pf[x->pfd].revents;
      if (rv & POLLHUP) flags |= EVRW_HANGUP;
      if (rv & (POLLERR | POLLNVAL)) x->error = rv & POLLNVAL ? W_EBADF : W_EIO;
      int avail = 0;
      if (x->tag == EV_FD_READ && ioctl(pf[x->pfd].fd, FIONREAD, &avail) == 0 && avail > 0)
        x->nbytes = (uint64_t)avail;
    }
    if (!fire) continue;
    uint8_t *ev = out + 32 * count++;
    memset(ev, 0, 32);
    put64(ev, x->userdata);
    put16(ev + 8, (uint16_t)x->error);
    ev[10] = x->tag;
    if (x->tag != EV_CLOCK) {
      put64(ev + 16, x->nbytes);
      put16(ev + 24, flags);
    }
  }
  put32(nev, count);
  free(s);
  free(pf);
  return W_ESUCCESS;
}

/* ---- process ------------------------------------------------------------ */

static int sched_yield_(wctx *c, const tea_wasm_slot *a) {
  (void)c;
  (void)a;
  return W_ESUCCESS; /* one thread per guest: nothing to yield to */
}

static int sock_unsupported(wctx *c, const tea_wasm_slot *a) {
  (void)c;
  (void)a;
  return W_ENOTSUP;
}

/* The tea_wasi a call is for: the env itself (tea_wasi_define) or the
 * calling store's (tea_wasi_define_shared). */
static tea_wasi *wasi_of(tea_wasm_host_call *call) {
  const tea_wasi_binding *b = call->env;
  return b->of_store ? b->of_store(call->store) : (tea_wasi *)call->env;
}

static tea_code no_wasi(tea_wasm_host_call *call) {
  return tea_fail(call->err, TEA_ERR_TRAP, "wasi: this store has no WASI context");
}

/* proc_exit and proc_raise end the guest, so they fail the call (which the
 * engine unwinds like a trap) instead of returning an errno. */
static tea_code host_proc_exit(tea_wasm_host_call *call, tea_wasm_slot *s) {
  tea_wasi *w = wasi_of(call);
  if (!w) return no_wasi(call);
  uint32_t status = s[0].u32;
  if (!(w->caps & TEA_WASI_CAP_EXIT))
    return tea_fail(call->err, TEA_ERR_TRAP, "proc_exit: capability not granted");
  tea_fail(call->err, TEA_ERR_EXIT, "exit status %u", status);
  if (call->err) call->err->exit_status = (int)status;
  return TEA_ERR_EXIT;
}

/* Raising a signal terminates the program as the shell would report it
 * (128 + signal); signal 0 only checks, as kill(2) does. */
static tea_code host_proc_raise(tea_wasm_host_call *call, tea_wasm_slot *s) {
  tea_wasi *w = wasi_of(call);
  if (!w) return no_wasi(call);
  uint32_t sig = s[0].u32;
  int e = W_ESUCCESS;
  if (!(w->caps & TEA_WASI_CAP_EXIT)) e = W_ENOTCAPABLE;
  else if (sig > 30) e = W_EINVAL;
  else if (sig != 0) {
    tea_fail(call->err, TEA_ERR_EXIT, "terminated by signal %u", sig);
    if (call->err) call->err->exit_status = 128 + (int)sig;
    return TEA_ERR_EXIT;
  }
  s[0].u64 = 0;
  s[0].i32 = e;
  return TEA_OK;
}

/* ---- definitions -------------------------------------------------------- */

typedef int (*wasi_impl)(wctx *c, const tea_wasm_slot *a);

/* One trampoline per function: the engine gives each host function one env
 * pointer, which leads to the tea_wasi, so the implementation is chosen here. */
#define TRAMPOLINE(fn)                                                              \
  static tea_code host_##fn(tea_wasm_host_call *call, tea_wasm_slot *s) {           \
    wctx c = {wasi_of(call), call->caller ? tea_wasm_instance_memory(call->caller) : NULL}; \
    if (!c.w) return no_wasi(call);                                                 \
    int e = fn(&c, s);                                                              \
    s[0].u64 = 0;                                                                   \
    s[0].i32 = e;                                                                   \
    return TEA_OK;                                                                  \
  }
TRAMPOLINE(args_get)
TRAMPOLINE(args_sizes_get)
TRAMPOLINE(environ_get)
TRAMPOLINE(environ_sizes_get)
TRAMPOLINE(clock_res_get)
TRAMPOLINE(clock_time_get)
TRAMPOLINE(random_get)
TRAMPOLINE(fd_advise)
TRAMPOLINE(fd_allocate)
TRAMPOLINE(fd_close)
TRAMPOLINE(fd_datasync)
TRAMPOLINE(fd_fdstat_get)
TRAMPOLINE(fd_fdstat_set_flags)
TRAMPOLINE(fd_fdstat_set_rights)
TRAMPOLINE(fd_filestat_get)
TRAMPOLINE(fd_filestat_set_size)
TRAMPOLINE(fd_filestat_set_times)
TRAMPOLINE(fd_pread)
TRAMPOLINE(fd_prestat_get)
TRAMPOLINE(fd_prestat_dir_name)
TRAMPOLINE(fd_pwrite)
TRAMPOLINE(fd_read)
TRAMPOLINE(fd_readdir)
TRAMPOLINE(fd_renumber)
TRAMPOLINE(fd_seek)
TRAMPOLINE(fd_sync)
TRAMPOLINE(fd_tell)
TRAMPOLINE(fd_write)
TRAMPOLINE(path_create_directory)
TRAMPOLINE(path_filestat_get)
TRAMPOLINE(path_filestat_set_times)
TRAMPOLINE(path_link)
TRAMPOLINE(path_open)
TRAMPOLINE(path_readlink)
TRAMPOLINE(path_remove_directory)
TRAMPOLINE(path_rename)
TRAMPOLINE(path_symlink)
TRAMPOLINE(path_unlink_file)
TRAMPOLINE(poll_oneoff)
TRAMPOLINE(sched_yield_)
TRAMPOLINE(sock_unsupported)

/* Signatures: 'i' i32, 'I' i64; results after ':'. */
static const struct {
  const char *name, *sig;
  tea_wasm_host_fn fn;
} defs[] = {
    {"args_get", "ii:i", host_args_get},
    {"args_sizes_get", "ii:i", host_args_sizes_get},
    {"environ_get", "ii:i", host_environ_get},
    {"environ_sizes_get", "ii:i", host_environ_sizes_get},
    {"clock_res_get", "ii:i", host_clock_res_get},
    {"clock_time_get", "iIi:i", host_clock_time_get},
    {"random_get", "ii:i", host_random_get},
    {"fd_advise", "iIIi:i", host_fd_advise},
    {"fd_allocate", "iII:i", host_fd_allocate},
    {"fd_close", "i:i", host_fd_close},
    {"fd_datasync", "i:i", host_fd_datasync},
    {"fd_fdstat_get", "ii:i", host_fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii:i", host_fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII:i", host_fd_fdstat_set_rights},
    {"fd_filestat_get", "ii:i", host_fd_filestat_get},
    {"fd_filestat_set_size", "iI:i", host_fd_filestat_set_size},
    {"fd_filestat_set_times", "iIIi:i", host_fd_filestat_set_times},
    {"fd_pread", "iiiIi:i", host_fd_pread},
    {"fd_prestat_get", "ii:i", host_fd_prestat_get},
    {"fd_prestat_dir_name", "iii:i", host_fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi:i", host_fd_pwrite},
    {"fd_read", "iiii:i", host_fd_read},
    {"fd_readdir", "iiiIi:i", host_fd_readdir},
    {"fd_renumber", "ii:i", host_fd_renumber},
    {"fd_seek", "iIii:i", host_fd_seek},
    {"fd_sync", "i:i", host_fd_sync},
    {"fd_tell", "ii:i", host_fd_tell},
    {"fd_write", "iiii:i", host_fd_write},
    {"path_create_directory", "iii:i", host_path_create_directory},
    {"path_filestat_get", "iiiii:i", host_path_filestat_get},
    {"path_filestat_set_times", "iiiiIIi:i", host_path_filestat_set_times},
    {"path_link", "iiiiiii:i", host_path_link},
    {"path_open", "iiiiiIIii:i", host_path_open},
    {"path_readlink", "iiiiii:i", host_path_readlink},
    {"path_remove_directory", "iii:i", host_path_remove_directory},
    {"path_rename", "iiiiii:i", host_path_rename},
    {"path_symlink", "iiiii:i", host_path_symlink},
    {"path_unlink_file", "iii:i", host_path_unlink_file},
    {"poll_oneoff", "iiii:i", host_poll_oneoff},
    {"proc_exit", "i:", host_proc_exit},
    {"proc_raise", "i:i", host_proc_raise},
    {"sched_yield", ":i", host_sched_yield_},
    {"sock_accept", "iii:i", host_sock_unsupported},
    {"sock_recv", "iiiiii:i", host_sock_unsupported},
    {"sock_send", "iiiii:i", host_sock_unsupported},
    {"sock_shutdown", "ii:i", host_sock_unsupported},
};

/* Defines defs[i] with env: in store when one is given, else owned by the linker. */
static tea_code define_one(void *env, tea_wasm_linker *linker, tea_wasm_store *store, size_t i,
                           tea_error *err) {
  tea_wasm_valtype types[2][12];
  uint32_t count[2] = {0, 0};
  int side = 0;
  for (const char *p = defs[i].sig; *p; p++) {
    if (*p == ':') side = 1;
    else types[side][count[side]++] = *p == 'I' ? TEA_WASM_I64 : TEA_WASM_I32;
  }
  if (!store)
    return tea_wasm_linker_define_host(linker, TEA_WASI_MODULE, defs[i].name, types[0], count[0],
                                       types[1], count[1], defs[i].fn, env, err);
  return tea_wasm_linker_define_func(linker, store, TEA_WASI_MODULE, defs[i].name, types[0],
                                     count[0], types[1], count[1], defs[i].fn, env, err);
}

static tea_code define_all(void *env, tea_wasm_linker *linker, tea_wasm_store *store, tea_error *err) {
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
    tea_code rc = define_one(env, linker, store, i, err);
    if (rc != TEA_OK) return rc;
  }
  return TEA_OK;
}

tea_code tea_wasi_define_shared(const tea_wasi_binding *binding, tea_wasm_linker *linker,
                                tea_error *err) {
  if (!binding || !binding->of_store || !linker) return tea_fail(err, TEA_ERR_ARG, "wasi: null argument");
  return define_all((void *)binding, linker, NULL, err);
}

tea_code tea_wasi_define(tea_wasi *wasi, tea_wasm_linker *linker, tea_wasm_store *store,
                         tea_error *err) {
  if (!wasi || !linker || !store) return tea_fail(err, TEA_ERR_ARG, "wasi: null argument");
  return define_all(wasi, linker, store, err);
}
