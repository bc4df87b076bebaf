/* The embedded HTTP server: libmicrohttpd, bodies collected up to a limit,
 * one handler for complete requests.
 *
 * Each server thread runs a libmicrohttpd daemon of its own in its own loop
 * (all of them accept on one listening socket), rather than libmicrohttpd's
 * thread pool: the loop knows when its thread has handled every request that
 * was ready, and calls the idle hook then. That is when deferred work is
 * best done in a batch (the node signs its parked receipts there): a busy
 * thread keeps taking requests and the batch grows, an idle one finishes at
 * once, and no other thread has to be woken. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/spill.h"
#include "tea/http.h"

/* The idle hook also runs once this many requests are parked in a thread,
 * busy or not, which bounds how long the first of them waits. */
#define PARKED_MAX 64

typedef struct worker {
  tea_http_server *server;
  struct MHD_Daemon *daemon;
  pthread_t thread;
  unsigned index;
  bool running;
  unsigned long handled; /* requests handed to the handler (this thread's alone) */
  atomic_uint parked;    /* deferred, not yet resumed */
  atomic_uint unanswered; /* deferred, not yet answered (or ended): a stop waits for these */
} worker;

struct tea_http_server {
  worker *workers;
  unsigned nworkers;
  int listen_fd;
  tea_http_handler handler;
  tea_http_idle idle;
  void *user;
  size_t max_body;
  uint16_t port;
  /* set by tea_http_stop: no new deferrals; each thread ends once everything
     it parked has been answered (libmicrohttpd must not stop with a
     connection suspended, and a resumed one is answered at the next turn) */
  atomic_bool stopping;
};

static _Thread_local worker *current_worker; /* the server thread running now, if any */

/* Per-request state, kept in libmicrohttpd's con_cls between callbacks; a
 * tea_http_deferred is one of these. */
typedef struct pending {
  uint8_t *body; /* small until the body outgrows it */
  size_t len, cap;
  uint8_t small[128];
  bool too_big;
  tea_http_server *server;
  worker *worker; /* the thread whose daemon has the connection */
  struct MHD_Connection *conn;
  tea_http_finish finish; /* set while the answer is deferred */
  void *finish_ctx;
} pending;

tea_http_deferred *tea_http_defer(const tea_http_request *req, tea_http_finish finish, void *ctx) {
  pending *p = req->pending;
  if (!p || p->finish || !finish) return NULL;
  if (atomic_load(&p->server->stopping)) return NULL;
  atomic_fetch_add(&p->worker->parked, 1);
  atomic_fetch_add(&p->worker->unanswered, 1);
  p->finish = finish;
  p->finish_ctx = ctx;
  /* suspended here, inside the handler (the one safe place), so that a
     resume can never come first */
  MHD_suspend_connection(p->conn);
  return (tea_http_deferred *)p;
}

void tea_http_resume(tea_http_deferred *d) {
  pending *p = (pending *)d;
  worker *w = p->worker;
  /* from another thread, p may be finished and freed as soon as this
     returns: read nothing after (the owning thread answers it at its next
     loop turn) */
  MHD_resume_connection(p->conn);
  atomic_fetch_sub(&w->parked, 1);
}

const char *tea_http_query(const tea_http_request *req, const char *name) {
  return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *tea_http_header(const tea_http_request *req, const char *name) {
  return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

bool tea_http_set_body(tea_http_response *resp, const char *content_type, const void *data,
                       size_t len) {
  free(resp->body);
  resp->body = malloc(len ? len : 1);
  if (!resp->body) {
    resp->body_len = 0;
    return false;
  }
  if (len) memcpy(resp->body, data, len);
  resp->body_len = len;
  resp->content_type = content_type;
  return true;
}

bool tea_http_take_header(tea_http_response *resp, const char *name, char *value) {
  if (!value || resp->nheaders == TEA_HTTP_MAX_HEADERS || strlen(name) >= sizeof resp->headers[0].name) {
    free(value);
    return false;
  }
  strcpy(resp->headers[resp->nheaders].name, name);
  resp->headers[resp->nheaders].value = value;
  resp->nheaders++;
  return true;
}

bool tea_http_add_header(tea_http_response *resp, const char *name, const char *value) {
  return tea_http_take_header(resp, name, strdup(value));
}

/* JSON string escaping for the problem body (titles and details are ours,
 * but details may quote request paths). */
static size_t json_escape(char *out, size_t cap, const char *s) {
  size_t n = 0;
  for (; *s && n + 7 < cap; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') {
      out[n++] = '\\';
      out[n++] = (char)ch;
    } else if (ch < 0x20) {
      n += (size_t)snprintf(out + n, cap - n, "\\u%04x", ch);
    } else {
      out[n++] = (char)ch;
    }
  }
  out[n] = '\0';
  return n;
}

void tea_http_problem(tea_http_response *resp, int status, const char *title, const char *fmt, ...) {
  char detail[512], et[256], ed[1100], body[1600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  json_escape(et, sizeof et, title);
  json_escape(ed, sizeof ed, detail);
  int n = snprintf(body, sizeof body, "{\"type\":\"about:blank\",\"status\":%d,\"title\":\"%s\",\"detail\":\"%s\"}\n",
                   status, et, ed);
  resp->status = status;
  tea_http_set_body(resp, "application/problem+json", body, (size_t)n);
}

static void free_headers(tea_http_response *r) {
  for (size_t i = 0; i < r->nheaders; i++) free(r->headers[i].value);
  r->nheaders = 0;
}

static enum MHD_Result respond(struct MHD_Connection *conn, tea_http_response *r) {
  if (r->status < 100 || r->status > 599)
    tea_http_problem(r, 500, "Internal Server Error", "handler returned no status");
  struct MHD_Response *mr = MHD_create_response_from_buffer(r->body_len, r->body ? r->body : (void *)"",
                                                            r->body ? MHD_RESPMEM_MUST_FREE
                                                                    : MHD_RESPMEM_PERSISTENT);
  if (!mr) {
    free(r->body);
    free_headers(r);
    return MHD_NO;
  }
  r->body = NULL;
  MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                          r->content_type ? r->content_type : "application/json");
  for (size_t i = 0; i < r->nheaders; i++)
    MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value);
  free_headers(r);
  enum MHD_Result ok = MHD_queue_response(conn, (unsigned)r->status, mr);
  MHD_destroy_response(mr);
  return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
  (void)version;
  tea_http_server *s = cls;
  pending *p = *con_cls;
  if (!p) {
    /* first call: headers only. Answering now would close the connection,
       so just set up and wait for the body (or its absence). */
    p = calloc(1, sizeof *p);
    if (!p) return MHD_NO;
    p->server = s;
    p->worker = current_worker;
    p->conn = conn;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > s->max_body) p->too_big = true;
    *con_cls = p;
    return MHD_YES;
  }
  if (p->finish) { /* resumed: the deferred answer is ready */
    tea_http_finish finish = p->finish;
    p->finish = NULL;
    tea_http_response resp = {.status = 200};
    finish(p->finish_ctx, &resp);
    atomic_fetch_sub(&p->worker->unanswered, 1);
    return respond(conn, &resp);
  }
  if (*upload_data_size) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    if (p->too_big || n > s->max_body - p->len) {
      p->too_big = true; /* keep draining, answer at the end */
      return MHD_YES;
    }
    if (!p->body) { /* most bodies are small: no allocation for 3 bytes */
      p->body = p->small;
      p->cap = sizeof p->small;
    }
    if (p->len + n > p->cap) {
      size_t cap = p->cap * 2;
      while (cap < p->len + n) cap *= 2;
      uint8_t *b = tea_spill_grow(p->body, p->small, p->len, cap);
      if (!b) {
        p->too_big = true;
        return MHD_YES;
      }
      p->body = b;
      p->cap = cap;
    }
    memcpy(p->body + p->len, upload_data, n);
    p->len += n;
    return MHD_YES;
  }
  tea_http_response resp = {.status = 200};
  if (p->too_big) {
    tea_http_problem(&resp, 413, "Content Too Large", "the request body is over %zu bytes",
                     s->max_body);
  } else {
    tea_http_request req = {method, url, p->body, p->len, conn, p, p->worker->index};
    p->worker->handled++;
    s->handler(s->user, &req, &resp);
    if (p->finish) return MHD_YES; /* deferred: parked until tea_http_resume */
  }
  return respond(conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
  (void)cls;
  (void)conn;
  (void)code;
  pending *p = *con_cls;
  if (p) {
    if (p->finish) { /* ended before its answer */
      p->finish(p->finish_ctx, NULL);
      atomic_fetch_sub(&p->worker->unanswered, 1);
    }
    tea_spill_free(p->body, p->small);
    free(p);
    *con_cls = NULL;
  }
}

static void quiet_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  (void)fmt;
  (void)ap; /* bad requests are answered, not logged to stderr */
}

static void *worker_main(void *arg) {
  worker *w = arg;
  tea_http_server *s = w->server;
  current_worker = w;
  bool busy = false;
  for (;;) {
    if (!atomic_load(&w->unanswered) && atomic_load(&s->stopping)) break;
    unsigned long before = w->handled;
    /* right after a busy turn, or with resumed requests to answer, only look
       at what is ready; otherwise wait for the network or a resumed request
       (a bounded time, to notice tea_http_stop) */
    bool resumed = atomic_load(&w->unanswered) > atomic_load(&w->parked);
    MHD_run_wait(w->daemon, busy || resumed ? 0 : 50);
    unsigned parked = atomic_load(&w->parked);
    busy = false;
    if (parked && s->idle) {
      /* stopping: finish at once, or a steady stream of new requests (answered
         directly now) would keep the parked ones waiting, and the stop too */
      if (w->handled == before || parked >= PARKED_MAX || atomic_load(&s->stopping))
        s->idle(s->user, w->index);
      else busy = true; /* more may be ready: take it first, the batch grows */
    }
  }
  return NULL;
}

/* One listening socket for every thread's daemon (each gets its own
 * descriptor of it, which it closes when it stops). */
static int listen_on(const struct sockaddr_in *sa, unsigned backlog) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* restart while old ones linger */
  if (bind(fd, (const struct sockaddr *)sa, sizeof *sa) != 0 || listen(fd, (int)backlog) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static void stop_workers(tea_http_server *s) {
  atomic_store(&s->stopping, true);
  for (unsigned i = 0; i < s->nworkers; i++)
    if (s->workers[i].running) pthread_join(s->workers[i].thread, NULL);
  for (unsigned i = 0; i < s->nworkers; i++)
    if (s->workers[i].daemon) MHD_stop_daemon(s->workers[i].daemon);
  if (s->listen_fd >= 0) close(s->listen_fd);
  free(s->workers);
  free(s);
}

tea_code tea_http_start(const tea_http_config *config, tea_http_handler handler, void *user,
                        tea_http_server **out, tea_error *err) {
  *out = NULL;
  tea_http_config c = config ? *config : (tea_http_config){0};
  if (!c.bind) c.bind = "127.0.0.1";
  if (!c.max_body) c.max_body = 1 << 20;
  if (!c.threads) c.threads = 2;
  if (!c.timeout_s) c.timeout_s = 30;
  if (!c.max_connections) c.max_connections = TEA_HTTP_SELECT_MAX;
  if (!c.connection_memory) c.connection_memory = TEA_HTTP_CONNECTION_MEMORY;
  if (c.connection_memory < TEA_HTTP_CONNECTION_MEMORY_MIN)
    return tea_fail(err, TEA_ERR_ARG, "connection memory of %zu bytes is under the minimum of %d",
                    c.connection_memory, TEA_HTTP_CONNECTION_MEMORY_MIN);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(c.port);
  if (inet_pton(AF_INET, c.bind, &sa.sin_addr) != 1)
    return tea_fail(err, TEA_ERR_ARG, "bad bind address \"%s\" (an IPv4 address)", c.bind);
  tea_http_server *s = calloc(1, sizeof *s);
  worker *ws = calloc(c.threads, sizeof *ws);
  if (!s || !ws) {
    free(s);
    free(ws);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  s->workers = ws;
  s->nworkers = c.threads;
  s->handler = handler;
  s->idle = c.idle;
  s->user = user;
  s->max_body = c.max_body;
  s->listen_fd = listen_on(&sa, c.max_connections);
  if (s->listen_fd < 0) {
    int e = errno;
    stop_workers(s);
    return tea_fail(err, TEA_ERR_IO, "cannot listen on %s:%u: %s", c.bind, c.port, strerror(e));
  }
  struct sockaddr_in bound;
  socklen_t blen = sizeof bound;
  s->port = getsockname(s->listen_fd, (struct sockaddr *)&bound, &blen) == 0 ? ntohs(bound.sin_port) : c.port;
  /* select(2) unless the connection limit needs descriptors past its reach,
     then epoll: parking a request (tea_http_defer) takes its socket out of an
     epoll set and back in, two system calls per request that select does not
     pay (docs/performance.md). (libmicrohttpd offers poll(2) only with its
     own threads, which would hide when a thread runs out of work.) */
  unsigned flags = MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
  if (c.max_connections > TEA_HTTP_SELECT_MAX) flags |= MHD_USE_EPOLL;
  bool tls = c.tls_cert_pem && c.tls_key_pem;
  if (tls) flags |= MHD_USE_TLS;
  unsigned per_thread = c.max_connections / c.threads ? c.max_connections / c.threads : 1;
  for (unsigned i = 0; i < c.threads; i++) {
    worker *w = &ws[i];
    w->server = s;
    w->index = i;
    int fd = dup(s->listen_fd);
    if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
    /* one option array (libmicrohttpd is loaded on demand, see mhd_dl.c) */
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)quiet_log, NULL},
        {MHD_OPTION_LISTEN_SOCKET, fd, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, c.timeout_s, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, per_thread, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)c.connection_memory, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)c.tls_cert_pem},
        {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)c.tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    w->daemon = fd < 0 ? NULL
                       : MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
                                          MHD_OPTION_END);
    if (!w->daemon) {
      if (fd >= 0) close(fd);
      stop_workers(s);
      return tea_fail(err, TEA_ERR_IO, "cannot serve on %s:%u (TLS setup failed, or out of resources)",
                      c.bind, c.port);
    }
  }
  for (unsigned i = 0; i < c.threads; i++) {
    if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0) {
      stop_workers(s);
      return tea_fail(err, TEA_ERR_NOMEM, "cannot start the HTTP threads");
    }
    ws[i].running = true;
  }
  *out = s;
  return TEA_OK;
}

uint16_t tea_http_port(const tea_http_server *s) { return s->port; }

void tea_http_stop(tea_http_server *s) {
  if (!s) return;
  /* each thread ends once what it parked has been answered (handlers answer
     at once from now on), then the daemons stop */
  stop_workers(s);
}
