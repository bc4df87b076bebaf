/* libmicrohttpd, loaded on first use, for the same reason as curl_dl.c: it
 * brings GnuTLS and its dependencies (about 2 ms at every start), and only
 * the daemon needs it. Defines the part of the API http.c uses.
 * MHD_start_daemon is variadic; this one accepts only the form http.c uses:
 * a single MHD_OPTION_ARRAY followed by MHD_OPTION_END. */
#include <dlfcn.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>

static struct {
  struct MHD_Daemon *(*start)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                              MHD_AccessHandlerCallback, void *, ...);
  void (*stop)(struct MHD_Daemon *);
  const union MHD_DaemonInfo *(*info)(struct MHD_Daemon *, enum MHD_DaemonInfoType, ...);
  const char *(*lookup)(struct MHD_Connection *, enum MHD_ValueKind, const char *);
  struct MHD_Response *(*from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
  enum MHD_Result (*add_header)(struct MHD_Response *, const char *, const char *);
  enum MHD_Result (*queue)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
  void (*destroy)(struct MHD_Response *);
  void (*suspend)(struct MHD_Connection *);
  void (*resume)(struct MHD_Connection *);
  enum MHD_Result (*run_wait)(struct MHD_Daemon *, int32_t);
} api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

static void load(void) {
  void *h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
  if (!h) return;
#define SYM(field, name)                   \
  do {                                     \
    *(void **)&api.field = dlsym(h, name); \
    if (!api.field) return;                \
  } while (0)
  SYM(start, "MHD_start_daemon");
  SYM(stop, "MHD_stop_daemon");
  SYM(info, "MHD_get_daemon_info");
  SYM(lookup, "MHD_lookup_connection_value");
  SYM(from_buffer, "MHD_create_response_from_buffer");
  SYM(add_header, "MHD_add_response_header");
  SYM(queue, "MHD_queue_response");
  SYM(destroy, "MHD_destroy_response");
  SYM(suspend, "MHD_suspend_connection");
  SYM(resume, "MHD_resume_connection");
  SYM(run_wait, "MHD_run_wait");
#undef SYM
  loaded = 1;
}

static int ready(void) {
  pthread_once(&once, load);
  return loaded;
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...) {
  if (!ready()) return NULL;
  va_list ap;
  va_start(ap, dh_cls);
  enum MHD_OPTION first = va_arg(ap, enum MHD_OPTION);
  struct MHD_OptionItem *items = first == MHD_OPTION_ARRAY ? va_arg(ap, struct MHD_OptionItem *) : NULL;
  va_end(ap);
  if (first == MHD_OPTION_END) return api.start(flags, port, apc, apc_cls, dh, dh_cls, MHD_OPTION_END);
  if (!items) return NULL; /* a form this shim does not forward */
  return api.start(flags, port, apc, apc_cls, dh, dh_cls, MHD_OPTION_ARRAY, items, MHD_OPTION_END);
}

void MHD_stop_daemon(struct MHD_Daemon *d) {
  if (ready()) api.stop(d);
}

/* The info types http.c asks for take no further argument. */
const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType t, ...) {
  return ready() ? api.info(d, t) : NULL;
}

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind k, const char *key) {
  return ready() ? api.lookup(c, k, key) : NULL;
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                     enum MHD_ResponseMemoryMode mode) {
  return ready() ? api.from_buffer(size, buffer, mode) : NULL;
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *r, const char *h, const char *v) {
  return ready() ? api.add_header(r, h, v) : MHD_NO;
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r) {
  return ready() ? api.queue(c, status, r) : MHD_NO;
}

void MHD_destroy_response(struct MHD_Response *r) {
  if (ready()) api.destroy(r);
}

/* Only called for connections of a running daemon, so the library is loaded. */
void MHD_suspend_connection(struct MHD_Connection *c) {
  if (ready()) api.suspend(c);
}

void MHD_resume_connection(struct MHD_Connection *c) {
  if (ready()) api.resume(c);
}

enum MHD_Result MHD_run_wait(struct MHD_Daemon *d, int32_t millisec) {
  return ready() ? api.run_wait(d, millisec) : MHD_NO;
}
