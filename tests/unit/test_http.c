/* The embedded HTTP server: complete requests reach the handler, limits and
 * malformed requests are answered by the server, which keeps serving;
 * deferred answers (tea_http_defer/resume) come back from other threads. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tea/http.h"

/* Echoes method, path, a query argument and the body length. */
static void echo(void *user, const tea_http_request *req, tea_http_response *resp) {
  (void)user;
  if (strcmp(req->path, "/boom") == 0) {
    tea_http_problem(resp, 404, "Not Found", "no route for %s", req->path);
    return;
  }
  char buf[512];
  const char *q = tea_http_query(req, "q");
  int n = snprintf(buf, sizeof buf, "%s %s q=%s len=%zu", req->method, req->path, q ? q : "-",
                   req->body_len);
  resp->status = 200;
  tea_http_set_body(resp, "text/plain", buf, (size_t)n);
  tea_http_add_header(resp, "X-Tea", "yes");
  char *owned = strdup("taken");
  tea_http_take_header(resp, "X-Taken", owned); /* the response owns it now */
}

typedef struct buf {
  char data[4096];
  size_t len;
  char headers[2048];
  size_t hlen;
} buf;

/* appends what fits (NUL-terminated) to dst, which holds *len of cap bytes */
static void append(char *dst, size_t *len, size_t cap, const char *p, size_t k) {
  if (*len + k >= cap) k = cap - 1 - *len;
  memcpy(dst + *len, p, k);
  *len += k;
  dst[*len] = 0;
}

static size_t collect_header(char *p, size_t size, size_t n, void *ud) {
  buf *b = ud;
  append(b->headers, &b->hlen, sizeof b->headers, p, size * n);
  return size * n;
}

static size_t collect(char *p, size_t size, size_t n, void *ud) {
  buf *b = ud;
  append(b->data, &b->len, sizeof b->data, p, size * n);
  return size * n;
}

static bool use_https; /* request() speaks TLS (certificate not checked: it is made up here) */

static long request(uint16_t port, const char *path, const char *body, size_t body_len, buf *out) {
  CURL *c = curl_easy_init();
  char url[256];
  snprintf(url, sizeof url, "%s://127.0.0.1:%u%s", use_https ? "https" : "http", port, path);
  if (use_https) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  memset(out, 0, sizeof *out);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
  }
  long code = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  return code;
}

static unsigned test_max_connections;

static tea_http_server *start(size_t max_body) {
  tea_http_config cfg = {.max_body = max_body, .max_connections = test_max_connections};
  tea_http_server *s;
  tea_error err;
  assert_int_equal(tea_http_start(&cfg, echo, NULL, &s, &err), TEA_OK);
  assert_int_not_equal(tea_http_port(s), 0);
  return s;
}

static void test_get_and_post_reach_the_handler(void **state) {
  (void)state;
  tea_http_server *s = start(1024);
  buf b;
  assert_int_equal(request(tea_http_port(s), "/v1/x?q=7", NULL, 0, &b), 200);
  assert_string_equal(b.data, "GET /v1/x q=7 len=0");
  assert_non_null(strstr(b.headers, "X-Tea: yes"));
  assert_non_null(strstr(b.headers, "X-Taken: taken"));
  /* a refused header (name too long) is freed, not leaked (ASan's leak check runs this) */
  tea_http_response r = {.status = 200};
  assert_false(tea_http_take_header(&r, "X-A-Header-Name-Longer-Than-Forty-Seven-Bytes-Xxxxx", strdup("x")));
  assert_int_equal(r.nheaders, 0);
  assert_int_equal(request(tea_http_port(s), "/p", "hello", 5, &b), 200);
  assert_string_equal(b.data, "POST /p q=- len=5");
  assert_int_equal(request(tea_http_port(s), "/boom", NULL, 0, &b), 404);
  assert_non_null(strstr(b.data, "\"status\":404"));
  tea_http_stop(s);
}

static void test_oversized_body_is_refused(void **state) {
  (void)state;
  tea_http_server *s = start(1000);
  char *big = malloc(5000);
  memset(big, 'x', 5000);
  buf b;
  assert_int_equal(request(tea_http_port(s), "/p", big, 5000, &b), 413);
  assert_non_null(strstr(b.data, "\"status\":413"));
  assert_int_equal(request(tea_http_port(s), "/p", big, 1000, &b), 200);
  free(big);
  tea_http_stop(s);
}

/* A raw connection to the server that has sent `text`; the caller closes it. */
static int raw_send(uint16_t port, const char *text) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  return fd;
}

static void test_malformed_request_then_still_serving(void **state) {
  (void)state;
  tea_http_server *s = start(1024);
  int fd = raw_send(tea_http_port(s), "THIS IS NOT HTTP\r\n\r\n");
  char reply[256] = {0};
  ssize_t n = read(fd, reply, sizeof reply - 1);
  close(fd);
  assert_true(n > 0);
  assert_non_null(strstr(reply, " 400 ")); /* or the connection was refused politely */
  buf b;
  assert_int_equal(request(tea_http_port(s), "/ok", NULL, 0, &b), 200);
  tea_http_stop(s);
}

/* A small connection pool (the minimum): ordinary requests and a body many
 * times the pool's size still work; headers that do not fit get 431 and the
 * server keeps serving; a pool under the minimum is refused at start. */
static void test_connection_memory(void **state) {
  (void)state;
  tea_http_config cfg = {.max_body = 1 << 16, .connection_memory = TEA_HTTP_CONNECTION_MEMORY_MIN,
                         .max_connections = test_max_connections};
  tea_http_server *s;
  tea_error err;
  assert_int_equal(tea_http_start(&cfg, echo, NULL, &s, &err), TEA_OK);
  buf b;
  assert_int_equal(request(tea_http_port(s), "/v1/x", NULL, 0, &b), 200);
  char *big = malloc(40000);
  memset(big, 'x', 40000);
  assert_int_equal(request(tea_http_port(s), "/p", big, 40000, &b), 200);
  assert_string_equal(b.data, "POST /p q=- len=40000");
  char *req = malloc(8000);
  int n = snprintf(req, 8000, "GET /h HTTP/1.1\r\nHost: x\r\nX-Big: %.6000s\r\n\r\n", big);
  assert_true(n > 6000 && n < 8000);
  int fd = raw_send(tea_http_port(s), req);
  char reply[256] = {0};
  ssize_t got = read(fd, reply, sizeof reply - 1);
  close(fd);
  assert_true(got > 0);
  assert_non_null(strstr(reply, " 431 "));
  assert_int_equal(request(tea_http_port(s), "/ok", NULL, 0, &b), 200);
  free(req);
  free(big);
  tea_http_stop(s);
  cfg.connection_memory = TEA_HTTP_CONNECTION_MEMORY_MIN - 1;
  assert_int_equal(tea_http_start(&cfg, echo, NULL, &s, &err), TEA_ERR_ARG);
  assert_non_null(strstr(err.msg, "connection memory"));
}

/* ---- deferred answers ---- */

#define PARK_MAX 64
static struct {
  pthread_mutex_t lock;
  tea_http_deferred *parked[PARK_MAX];
  size_t nparked;
  int finished, finished_without_answer;
} park = {.lock = PTHREAD_MUTEX_INITIALIZER};

typedef struct later {
  char path[64];
} later;

static void finish_later(void *ctx, tea_http_response *resp) {
  later *l = ctx;
  if (resp) {
    char body[128];
    int n = snprintf(body, sizeof body, "later %s", l->path);
    resp->status = 200;
    tea_http_set_body(resp, "text/plain", body, (size_t)n);
  }
  pthread_mutex_lock(&park.lock);
  park.finished++;
  if (!resp) park.finished_without_answer++;
  pthread_mutex_unlock(&park.lock);
  free(l);
}

/* "/later..." is parked for the test to resume; anything else is echoed */
static void deferring(void *user, const tea_http_request *req, tea_http_response *resp) {
  if (strncmp(req->path, "/later", 6) != 0) {
    echo(user, req, resp);
    return;
  }
  later *l = calloc(1, sizeof *l);
  snprintf(l->path, sizeof l->path, "%s", req->path);
  pthread_mutex_lock(&park.lock); /* parked and listed at once: a resumer sees it only parked */
  tea_http_deferred *d = tea_http_defer(req, finish_later, l);
  if (d) park.parked[park.nparked++] = d;
  pthread_mutex_unlock(&park.lock);
  if (!d) finish_later(l, resp);
}

static size_t parked_now(void) {
  pthread_mutex_lock(&park.lock);
  size_t n = park.nparked;
  pthread_mutex_unlock(&park.lock);
  return n;
}

static void wait_parked(size_t n) {
  for (int i = 0; i < 2000 && parked_now() < n; i++) usleep(1000);
  assert_int_equal(parked_now(), n);
}

static void resume_all(void) {
  pthread_mutex_lock(&park.lock);
  size_t n = park.nparked;
  tea_http_deferred *d[PARK_MAX];
  memcpy(d, park.parked, n * sizeof *d);
  park.nparked = 0;
  pthread_mutex_unlock(&park.lock);
  for (size_t i = 0; i < n; i++) tea_http_resume(d[i]);
}

/* The tests run with select (the default) and with epoll (a connection limit
 * past TEA_HTTP_SELECT_MAX): test_max_connections. */

static tea_http_server *start_deferring(void) {
  park.finished = park.finished_without_answer = 0;
  park.nparked = 0;
  tea_http_config cfg = {.max_body = 1024, .max_connections = test_max_connections};
  tea_http_server *s;
  tea_error err;
  assert_int_equal(tea_http_start(&cfg, deferring, NULL, &s, &err), TEA_OK);
  return s;
}

typedef struct client {
  uint16_t port;
  char path[64];
  long status;
  buf b;
} client;

static void *client_main(void *arg) {
  client *c = arg;
  c->status = request(c->port, c->path, "x", 1, &c->b);
  return NULL;
}

static void test_deferred_answers_come_back_from_another_thread(void **state) {
  (void)state;
  tea_http_server *s = start_deferring();
  enum { N = 12 };
  client cs[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    cs[i] = (client){.port = tea_http_port(s)};
    snprintf(cs[i].path, sizeof cs[i].path, "/later/%d", i);
    pthread_create(&th[i], NULL, client_main, &cs[i]);
  }
  wait_parked(N); /* all parked at once: no thread is held by them */
  buf b;
  assert_int_equal(request(tea_http_port(s), "/meanwhile", NULL, 0, &b), 200);
  assert_string_equal(b.data, "GET /meanwhile q=- len=0");
  resume_all();
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(cs[i].status, 200);
    char want[64];
    snprintf(want, sizeof want, "later /later/%d", i);
    assert_string_equal(cs[i].b.data, want);
  }
  tea_http_stop(s);
  assert_int_equal(park.finished, N);
  assert_int_equal(park.finished_without_answer, 0);
}

typedef struct stopper {
  tea_http_server *s;
  volatile int done;
} stopper;

static void *stop_main(void *arg) {
  stopper *st = arg;
  tea_http_stop(st->s);
  st->done = 1;
  return NULL;
}

static void test_stop_waits_for_parked_requests(void **state) {
  (void)state;
  tea_http_server *s = start_deferring();
  client c = {.port = tea_http_port(s), .path = "/later/stop"};
  pthread_t th, sth;
  pthread_create(&th, NULL, client_main, &c);
  wait_parked(1);
  stopper st = {.s = s};
  pthread_create(&sth, NULL, stop_main, &st);
  usleep(100 * 1000);
  assert_int_equal(st.done, 0); /* still waiting for the parked request */
  resume_all();
  pthread_join(sth, NULL);
  pthread_join(th, NULL);
  assert_int_equal(st.done, 1);
  /* answered, or cut off by the stop: either way its context was released once */
  assert_int_equal(park.finished, 1);
  if (c.status == 200) assert_string_equal(c.b.data, "later /later/stop");
}

static void test_client_gone_while_parked(void **state) {
  (void)state;
  tea_http_server *s = start_deferring();
  int fd = raw_send(tea_http_port(s), "GET /later/gone HTTP/1.1\r\nHost: x\r\n\r\n");
  wait_parked(1);
  close(fd);
  resume_all();
  for (int i = 0; i < 2000; i++) {
    pthread_mutex_lock(&park.lock);
    int f = park.finished;
    pthread_mutex_unlock(&park.lock);
    if (f) break;
    usleep(1000);
  }
  assert_int_equal(park.finished, 1);
  buf b;
  assert_int_equal(request(tea_http_port(s), "/still", NULL, 0, &b), 200);
  tea_http_stop(s);
  assert_int_equal(park.finished, 1);
}

/* n clients at once, each POSTing to PREFIX/i; each must get 200 and
 * "later PREFIX/i" (the deferring handlers' answer). */
static void concurrent_laters(uint16_t port, const char *prefix, int n) {
  client *cs = calloc((size_t)n, sizeof *cs);
  pthread_t *th = calloc((size_t)n, sizeof *th);
  for (int i = 0; i < n; i++) {
    cs[i] = (client){.port = port};
    snprintf(cs[i].path, sizeof cs[i].path, "%s/%d", prefix, i);
    pthread_create(&th[i], NULL, client_main, &cs[i]);
  }
  for (int i = 0; i < n; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(cs[i].status, 200);
    char want[80];
    snprintf(want, sizeof want, "later %s/%d", prefix, i);
    assert_string_equal(cs[i].b.data, want);
  }
  free(cs);
  free(th);
}

/* ---- the idle hook: deferred work finished in batches on the server thread ---- */

static struct {
  pthread_mutex_t lock;
  tea_http_deferred *parked[4][PARK_MAX]; /* per server thread */
  size_t nparked[4];
  pthread_t parked_on[4];
  int rounds, resumed, wrong_thread;
} batch = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void batching(void *user, const tea_http_request *req, tea_http_response *resp) {
  (void)user;
  later *l = calloc(1, sizeof *l);
  snprintf(l->path, sizeof l->path, "%s", req->path);
  tea_http_deferred *d = tea_http_defer(req, finish_later, l);
  if (!d) {
    finish_later(l, resp);
    return;
  }
  assert_true(req->worker < 4);
  pthread_mutex_lock(&batch.lock);
  batch.parked[req->worker][batch.nparked[req->worker]++] = d;
  batch.parked_on[req->worker] = pthread_self();
  pthread_mutex_unlock(&batch.lock);
}

static void batch_idle(void *user, unsigned worker) {
  (void)user;
  pthread_mutex_lock(&batch.lock);
  size_t n = batch.nparked[worker];
  tea_http_deferred *d[PARK_MAX];
  memcpy(d, batch.parked[worker], n * sizeof *d);
  batch.nparked[worker] = 0;
  if (n) batch.rounds++;
  batch.resumed += (int)n;
  if (n && !pthread_equal(batch.parked_on[worker], pthread_self())) batch.wrong_thread++;
  pthread_mutex_unlock(&batch.lock);
  for (size_t i = 0; i < n; i++) tea_http_resume(d[i]);
}

/* A two-thread server with the batching handler and idle hook, counters reset;
 * TLS when cert and key are given. */
static tea_http_server *start_batching(const char *cert, const char *key) {
  park.finished = park.finished_without_answer = 0;
  memset(batch.nparked, 0, sizeof batch.nparked);
  batch.rounds = batch.resumed = batch.wrong_thread = 0;
  tea_http_config cfg = {.max_body = 1024, .threads = 2, .idle = batch_idle, .tls_cert_pem = cert,
                         .tls_key_pem = key, .max_connections = test_max_connections};
  tea_http_server *s;
  tea_error err;
  assert_int_equal(tea_http_start(&cfg, batching, NULL, &s, &err), TEA_OK);
  return s;
}

static void test_idle_hook_finishes_parked_requests(void **state) {
  (void)state;
  tea_http_server *s = start_batching(NULL, NULL);
  enum { N = 24 };
  concurrent_laters(tea_http_port(s), "/b", N);
  tea_http_stop(s);
  assert_int_equal(batch.resumed, N);          /* every one went through the hook */
  assert_true(batch.rounds >= 1 && batch.rounds <= N);
  assert_int_equal(batch.wrong_thread, 0);     /* on the thread that parked it */
  assert_int_equal(park.finished, N);
  assert_int_equal(park.finished_without_answer, 0);
}

/* Clients that keep sending until told to stop. */
typedef struct looper {
  uint16_t port;
  atomic_bool *stop;
  int answered, failed;
} looper;

static void *looper_main(void *arg) {
  looper *l = arg;
  CURL *c = curl_easy_init();
  char url[128];
  buf b;
  while (!atomic_load(l->stop)) {
    snprintf(url, sizeof url, "http://127.0.0.1:%u/loop", l->port);
    memset(&b, 0, sizeof b);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
    long code = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code == 200) l->answered++;
    else l->failed++;
  }
  curl_easy_cleanup(c);
  return NULL;
}

/* A stop under a steady stream of requests ends promptly, every parked
 * request answered (the server finishes parked work at once while stopping,
 * however busy the thread). */
static void test_stop_under_load(void **state) {
  (void)state;
  tea_http_server *s = start_batching(NULL, NULL);
  atomic_bool stop = false;
  enum { N = 6 };
  looper ls[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    ls[i] = (looper){.port = tea_http_port(s), .stop = &stop};
    pthread_create(&th[i], NULL, looper_main, &ls[i]);
  }
  usleep(300 * 1000); /* under load */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  tea_http_stop(s);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  atomic_store(&stop, true);
  int answered = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    answered += ls[i].answered;
  }
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  if (ms > 3000) fail_msg("stopping under load took %.0f ms", ms); /* a stuck stop waits forever */
  assert_true(answered > 0);
  assert_int_equal(park.finished_without_answer, 0);
}

/* An idle server does not spin: a thread with nothing to do waits. */
static void test_idle_server_sleeps(void **state) {
  (void)state;
  tea_http_config cfg = {.threads = 2, .idle = batch_idle, .max_connections = test_max_connections};
  tea_http_server *s;
  tea_error err;
  assert_int_equal(tea_http_start(&cfg, batching, NULL, &s, &err), TEA_OK);
  struct timespec c0, c1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  usleep(300 * 1000);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  double cpu_ms = (double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6;
  tea_http_stop(s);
  if (cpu_ms > 60) fail_msg("an idle server used %.1f ms of CPU in 300 ms", cpu_ms);
}

/* ---- TLS ---- */

static char *bio_string(BIO *b) {
  char *p;
  long n = BIO_get_mem_data(b, &p);
  char *s = malloc((size_t)n + 1);
  memcpy(s, p, (size_t)n);
  s[n] = 0;
  return s;
}

/* A self-signed P-256 certificate and its key, PEM. */
static void make_cert(char **cert, char **key) {
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  assert_non_null(k);
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, k);
  X509_NAME *nm = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1, 0);
  X509_set_issuer_name(x, nm);
  assert_true(X509_sign(x, k, EVP_sha256()) > 0);
  BIO *bc = BIO_new(BIO_s_mem()), *bk = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_X509(bc, x), 1);
  assert_int_equal(PEM_write_bio_PrivateKey(bk, k, NULL, NULL, 0, NULL, NULL), 1);
  *cert = bio_string(bc);
  *key = bio_string(bk);
  BIO_free(bc);
  BIO_free(bk);
  X509_free(x);
  EVP_PKEY_free(k);
}

/* With a certificate the server speaks only TLS: plain requests, deferred
 * answers finished by the idle hook, and a bad request, all over HTTPS; a
 * plain-HTTP request to it gets no answer. A certificate that is not one
 * stops tea_http_start with an error. */
static void test_tls(void **state) {
  (void)state;
  char *cert, *key;
  make_cert(&cert, &key);
  tea_http_server *s = start_batching(cert, key);
  use_https = true;
  enum { N = 6 };
  concurrent_laters(tea_http_port(s), "/tls", N);
  use_https = false;
  buf b;
  assert_int_equal(request(tea_http_port(s), "/plain", NULL, 0, &b), 0); /* no HTTP answer */
  tea_http_stop(s);
  assert_int_equal(park.finished, N);
  tea_http_config bad = {.tls_cert_pem = "not a certificate", .tls_key_pem = key};
  tea_error err;
  assert_int_not_equal(tea_http_start(&bad, batching, NULL, &s, &err), TEA_OK);
  assert_non_null(strstr(err.msg, "TLS"));
  free(cert);
  free(key);
}

static int use_select(void **state) {
  (void)state;
  test_max_connections = 0;
  return 0;
}

static int use_epoll(void **state) {
  (void)state;
  test_max_connections = TEA_HTTP_SELECT_MAX + 100;
  return 0;
}

int main(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_get_and_post_reach_the_handler),
      cmocka_unit_test(test_oversized_body_is_refused),
      cmocka_unit_test(test_malformed_request_then_still_serving),
      cmocka_unit_test(test_connection_memory),
      cmocka_unit_test_setup(test_deferred_answers_come_back_from_another_thread, use_select),
      cmocka_unit_test_setup(test_stop_waits_for_parked_requests, use_select),
      cmocka_unit_test_setup(test_client_gone_while_parked, use_select),
      cmocka_unit_test_setup(test_idle_hook_finishes_parked_requests, use_select),
      cmocka_unit_test_setup(test_idle_server_sleeps, use_select),
      cmocka_unit_test_setup(test_tls, use_select),
      cmocka_unit_test_setup(test_stop_under_load, use_select),
      cmocka_unit_test_setup(test_get_and_post_reach_the_handler, use_epoll),
      cmocka_unit_test_setup(test_deferred_answers_come_back_from_another_thread, use_epoll),
      cmocka_unit_test_setup(test_stop_waits_for_parked_requests, use_epoll),
      cmocka_unit_test_setup(test_client_gone_while_parked, use_epoll),
      cmocka_unit_test_setup(test_idle_hook_finishes_parked_requests, use_epoll),
      cmocka_unit_test_setup(test_idle_server_sleeps, use_epoll),
      cmocka_unit_test_setup(test_tls, use_epoll),
      cmocka_unit_test_setup(test_stop_under_load, use_epoll),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
