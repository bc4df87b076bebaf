/* tea: the embedded HTTP server (libmicrohttpd underneath), and a small GET client.
 *
 * One handler sees every complete request (the body already read, within the
 * size limit) and fills a response. Requests over the limits are answered 413
 * or 431 by the server itself, before the handler runs; a handler never sees
 * a partial body. Errors the server writes are RFC 9457 problem details. */
#ifndef TEA_HTTP_H
#define TEA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/error.h"

typedef struct tea_http_server tea_http_server;

typedef struct tea_http_request {
  const char *method; /* "GET", "POST", ... */
  const char *path;   /* without the query string, percent-decoded by the server */
  const uint8_t *body;
  size_t body_len;
  void *conn;         /* for tea_http_query / tea_http_header */
  void *pending;      /* the server's per-request state (tea_http_defer) */
  unsigned worker;    /* which server thread runs the handler: 0 .. threads-1 */
} tea_http_request;

/* A query argument or header of the request, or NULL. */
const char *tea_http_query(const tea_http_request *req, const char *name);
const char *tea_http_header(const tea_http_request *req, const char *name);

#define TEA_HTTP_MAX_HEADERS 8

typedef struct tea_http_response {
  int status;
  const char *content_type; /* static string; default application/json */
  uint8_t *body;            /* malloc'd, freed by the server (may be NULL) */
  size_t body_len;
  size_t nheaders;
  struct {
    char name[48];
    char *value; /* malloc'd, freed by the server */
  } headers[TEA_HTTP_MAX_HEADERS];
} tea_http_response;

/* Sets a problem-details body (application/problem+json): status, title, detail. */
void tea_http_problem(tea_http_response *resp, int status, const char *title, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Copies data into the response body. Returns false when out of memory. */
bool tea_http_set_body(tea_http_response *resp, const char *content_type, const void *data,
                       size_t len);
/* Adds a response header (a copy of value; names over 47 bytes are refused). */
bool tea_http_add_header(tea_http_response *resp, const char *name, const char *value);
/* The same, taking over value (malloc'd; freed here if it cannot be added). */
bool tea_http_take_header(tea_http_response *resp, const char *name, char *value);

typedef void (*tea_http_handler)(void *user, const tea_http_request *req, tea_http_response *resp);

/* Deferred answers. A handler whose answer waits on other work (a batch
 * signature) calls tea_http_defer and returns without touching resp: the
 * connection is parked and the server thread moves on to other requests.
 * Later tea_http_resume(d) hands the request back, from the same server
 * thread (in its idle hook, see tea_http_idle) to be answered in that thread's
 * next turn; from another thread it works too, but the owning thread only
 * notices at its next turn, within 50 ms when it has nothing else to do (no
 * wake-up channel: libmicrohttpd has none for daemons it does not run
 * itself). The server then calls
 * finish(ctx, resp) on the request's thread to fill the response and sends
 * it. finish runs exactly once: with resp NULL when the request ends without
 * an answer (the client went away), so that ctx can be released.
 * tea_http_defer returns NULL when the server is stopping (or cannot park the
 * request): the handler then answers at once. tea_http_stop waits until
 * every parked request has been resumed. */
typedef struct tea_http_deferred tea_http_deferred;
typedef void (*tea_http_finish)(void *ctx, tea_http_response *resp);
tea_http_deferred *tea_http_defer(const tea_http_request *req, tea_http_finish finish, void *ctx);
void tea_http_resume(tea_http_deferred *d);

/* Called on a server thread when it has handled every request that was ready
 * and has some parked (or once 64 are parked, busy or not): where
 * deferred work is finished in a batch and resumed. worker is the thread's
 * number, as in tea_http_request. */
typedef void (*tea_http_idle)(void *user, unsigned worker);

/* Up to this many connections the server waits with select(2), which keeps
 * parking a request free of system calls; its descriptors must stay under
 * FD_SETSIZE (1024), so a higher limit switches it to epoll. */
#define TEA_HTTP_SELECT_MAX 768

/* Memory per connection for the request line and headers, the body as it
 * arrives and the response headers (libmicrohttpd's connection pool).
 * libmicrohttpd zeroes the pool between requests, 1.5 times its size per
 * request, so its default (32 KiB) costs more than the rest of a small
 * call's HTTP work; 16 KiB still takes about 12 KiB of request headers. */
#define TEA_HTTP_CONNECTION_MEMORY 16384
#define TEA_HTTP_CONNECTION_MEMORY_MIN 4096

typedef struct tea_http_config {
  const char *bind;      /* "127.0.0.1" (default) or another address */
  uint16_t port;         /* 0: pick a free port (see tea_http_port) */
  size_t max_body;       /* default 1 MiB */
  unsigned threads;      /* worker threads; default: 2 */
  unsigned timeout_s;    /* idle connection timeout; default 30 */
  unsigned max_connections; /* default TEA_HTTP_SELECT_MAX; beyond it the server uses epoll */
  size_t connection_memory;  /* bytes; default TEA_HTTP_CONNECTION_MEMORY; requests whose
                                headers do not fit get 431 */
  const char *tls_cert_pem; /* both set: HTTPS */
  const char *tls_key_pem;
  tea_http_idle idle;       /* optional; gets the handler's user pointer */
} tea_http_config;

tea_code tea_http_start(const tea_http_config *config, tea_http_handler handler, void *user,
                        tea_http_server **out, tea_error *err);
uint16_t tea_http_port(const tea_http_server *server);
/* Stops accepting, lets requests in flight finish (parked ones included: they
 * must still be resumed), frees the server. */
void tea_http_stop(tea_http_server *server);

/* ---- client (libcurl, loaded on first use) ---- */

typedef struct tea_http_get_opts {
  const char *accept;   /* Accept header, or NULL */
  unsigned timeout_ms;  /* whole request, connection included; 0: 10000 */
  uint64_t max_bytes;   /* a longer answer fails with TEA_ERR_LIMIT; 0: 64 MiB */
} tea_http_get_opts;

typedef struct tea_http_answer {
  long status;            /* 0 when no answer came */
  char content_type[128]; /* "" when the server sent none */
  uint8_t *body;          /* malloc'd (free it); NULL unless TEA_OK */
  size_t len;
} tea_http_answer;

/* GET url. TEA_OK only for a 200 answer; otherwise: TEA_ERR_IO (no answer, the
 * message says why, a timeout included), TEA_ERR_NOT_FOUND (HTTP 404/410),
 * TEA_ERR_STATE (another status; ans->status has it), TEA_ERR_LIMIT (too long).
 * Messages start with the URL. */
tea_code tea_http_get(const char *url, const tea_http_get_opts *opts, tea_http_answer *ans,
                      tea_error *err);
/* POSTs body (content_type) the same way; any 2xx answer is TEA_OK. On another
 * status the body is dropped and the error names the status. */
tea_code tea_http_post(const char *url, const tea_http_get_opts *opts, const char *content_type,
                       const uint8_t *body, size_t len, tea_http_answer *ans, tea_error *err);

#endif
