/* The embedded HTTP server: libmicrohttpd with a thread pool, bodies
 * collected up to a limit, one handler for complete requests. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tea/http.h"

struct tea_http_server {
  struct MHD_Daemon *daemon;
  tea_http_handler handler;
  void *user;
  size_t max_body;
  uint16_t port;
  /* parked (deferred) requests: tea_http_stop waits for them, since
     libmicrohttpd must not stop with a connection suspended */
  pthread_mutex_t park_lock;
  pthread_cond_t park_done;
  size_t parked;
  bool stopping;
};

/* Per-request state, kept in libmicrohttpd's con_cls between callbacks; a
 * tea_http_deferred is one of these. */
typedef struct pending {
  uint8_t *body;
  size_t len, cap;
  bool too_big;
  tea_http_server *server;
  struct MHD_Connection *conn;
  tea_http_finish finish; /* set while the answer is deferred */
  void *finish_ctx;
} pending;

tea_http_deferred *tea_http_defer(const tea_http_request *req, tea_http_finish finish, void *ctx) {
  pending *p = req->pending;
  if (!p || p->finish || !finish) return NULL;
  tea_http_server *s = p->server;
  pthread_mutex_lock(&s->park_lock);
  bool ok = !s->stopping;
  if (ok) s->parked++;
  pthread_mutex_unlock(&s->park_lock);
  if (!ok) return NULL;
  p->finish = finish;
  p->finish_ctx = ctx;
  /* suspended here, inside the handler (the one safe place), so that a
     resume from another thread can never come first */
  MHD_suspend_connection(p->conn);
  return (tea_http_deferred *)p;
}

void tea_http_resume(tea_http_deferred *d) {
  pending *p = (pending *)d;
  tea_http_server *s = p->server;
  /* from here on a server thread may finish and free p: read nothing after */
  MHD_resume_connection(p->conn);
  pthread_mutex_lock(&s->park_lock);
  if (--s->parked == 0) pthread_cond_broadcast(&s->park_done);
  pthread_mutex_unlock(&s->park_lock);
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

bool tea_http_add_header(tea_http_response *resp, const char *name, const char *value) {
  if (resp->nheaders == TEA_HTTP_MAX_HEADERS) return false;
  if (strlen(name) >= sizeof resp->headers[0].name) return false;
  char *v = strdup(value);
  if (!v) return false;
  strcpy(resp->headers[resp->nheaders].name, name);
  resp->headers[resp->nheaders].value = v;
  resp->nheaders++;
  return true;
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
    if (resp.status < 100 || resp.status > 599)
      tea_http_problem(&resp, 500, "Internal Server Error", "handler returned no status");
    return respond(conn, &resp);
  }
  if (*upload_data_size) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    if (p->too_big || n > s->max_body - p->len) {
      p->too_big = true; /* keep draining, answer at the end */
      return MHD_YES;
    }
    if (p->len + n > p->cap) {
      size_t cap = p->cap ? p->cap : 4096;
      while (cap < p->len + n) cap *= 2;
      uint8_t *b = realloc(p->body, cap);
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
    tea_http_request req = {method, url, p->body, p->len, conn, p};
    s->handler(s->user, &req, &resp);
    if (p->finish) return MHD_YES; /* deferred: parked until tea_http_resume */
    if (resp.status < 100 || resp.status > 599)
      tea_http_problem(&resp, 500, "Internal Server Error", "handler returned no status");
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
    if (p->finish) p->finish(p->finish_ctx, NULL); /* ended before its answer */
    free(p->body);
    free(p);
    *con_cls = NULL;
  }
}

static void quiet_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  (void)fmt;
  (void)ap; /* bad requests are answered, not logged to stderr */
}

tea_code tea_http_start(const tea_http_config *config, tea_http_handler handler, void *user,
                        tea_http_server **out, tea_error *err) {
  *out = NULL;
  tea_http_config c = config ? *config : (tea_http_config){0};
  if (!c.bind) c.bind = "127.0.0.1";
  if (!c.max_body) c.max_body = 1 << 20;
  if (!c.threads) c.threads = 2;
  if (!c.timeout_s) c.timeout_s = 30;
  if (!c.max_connections) c.max_connections = 1024;
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(c.port);
  if (inet_pton(AF_INET, c.bind, &sa.sin_addr) != 1)
    return tea_fail(err, TEA_ERR_ARG, "bad bind address \"%s\" (an IPv4 address)", c.bind);
  tea_http_server *s = calloc(1, sizeof *s);
  if (!s) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  s->handler = handler;
  s->user = user;
  s->max_body = c.max_body;
  pthread_mutex_init(&s->park_lock, NULL);
  pthread_cond_init(&s->park_done, NULL);
  /* poll(2), not epoll: parking a request (tea_http_defer) takes its socket
     out of an epoll set and back in, two system calls per request that poll
     does not pay; measured in docs/performance.md, poll is no slower for the
     static answer either, up to the default connection limit */
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
                   MHD_ALLOW_SUSPEND_RESUME;
  bool tls = c.tls_cert_pem && c.tls_key_pem;
  if (tls) flags |= MHD_USE_TLS;
  /* one option array (libmicrohttpd is loaded on demand, see mhd_dl.c) */
  struct MHD_OptionItem opts[] = {
      {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)quiet_log, NULL},
      {MHD_OPTION_SOCK_ADDR, 0, &sa},
      {MHD_OPTION_THREAD_POOL_SIZE, c.threads, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, c.timeout_s, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, c.max_connections, NULL},
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
      {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)c.tls_cert_pem},
      {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)c.tls_key_pem},
      {MHD_OPTION_END, 0, NULL},
  };
  s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
                               MHD_OPTION_END);
  if (!s->daemon) {
    pthread_mutex_destroy(&s->park_lock);
    pthread_cond_destroy(&s->park_done);
    free(s);
    return tea_fail(err, TEA_ERR_IO, "cannot listen on %s:%u (in use, or TLS setup failed)", c.bind,
                    c.port);
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  s->port = info ? info->port : c.port;
  *out = s;
  return TEA_OK;
}

uint16_t tea_http_port(const tea_http_server *s) { return s->port; }

void tea_http_stop(tea_http_server *s) {
  if (!s) return;
  pthread_mutex_lock(&s->park_lock);
  s->stopping = true; /* no new deferrals: handlers answer at once */
  while (s->parked) pthread_cond_wait(&s->park_done, &s->park_lock);
  pthread_mutex_unlock(&s->park_lock);
  MHD_stop_daemon(s->daemon); /* waits for the worker threads */
  pthread_mutex_destroy(&s->park_lock);
  pthread_cond_destroy(&s->park_done);
  free(s);
}
