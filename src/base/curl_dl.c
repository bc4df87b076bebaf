/* libcurl, loaded on first use. Linking libcurl makes the dynamic loader map
 * it and its ~25 dependencies (TLS, Kerberos, LDAP, ...) at every start of
 * teanode, about 5 ms here, which `teanode wasm run` (1 ms otherwise) must
 * not pay. This file defines the part of the libcurl API tea uses; each
 * function loads libcurl.so.4 the first time one of them is called. Without
 * libcurl every call fails cleanly (CURLE_FAILED_INIT, NULL). */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

static struct {
  CURLcode (*global_init)(long);
  void (*global_cleanup)(void);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_perform)(CURL *);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  void (*easy_cleanup)(CURL *);
  void (*easy_reset)(CURL *);
  const char *(*easy_strerror)(CURLcode);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
  CURLU *(*url)(void);
  void (*url_cleanup)(CURLU *);
  CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
  CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
  void (*free)(void *);
} api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

static void load(void) {
  void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!h) return;
#define SYM(field, name)                                      \
  do {                                                        \
    *(void **)&api.field = dlsym(h, name);                    \
    if (!api.field) return;                                   \
  } while (0)
  SYM(global_init, "curl_global_init");
  SYM(global_cleanup, "curl_global_cleanup");
  SYM(easy_init, "curl_easy_init");
  SYM(easy_setopt, "curl_easy_setopt");
  SYM(easy_perform, "curl_easy_perform");
  SYM(easy_getinfo, "curl_easy_getinfo");
  SYM(easy_cleanup, "curl_easy_cleanup");
  SYM(easy_reset, "curl_easy_reset");
  SYM(easy_strerror, "curl_easy_strerror");
  SYM(slist_append, "curl_slist_append");
  SYM(slist_free_all, "curl_slist_free_all");
  SYM(url, "curl_url");
  SYM(url_cleanup, "curl_url_cleanup");
  SYM(url_set, "curl_url_set");
  SYM(url_get, "curl_url_get");
  SYM(free, "curl_free");
#undef SYM
  loaded = 1;
}

static int ready(void) {
  pthread_once(&once, load);
  return loaded;
}

CURLcode curl_global_init(long flags) { return ready() ? api.global_init(flags) : CURLE_FAILED_INIT; }
void curl_global_cleanup(void) {
  if (ready()) api.global_cleanup();
}
CURL *curl_easy_init(void) { return ready() ? api.easy_init() : NULL; }

/* The variadic argument's type follows from the option number's range
 * (curl.h: CURLOPTTYPE_*): long, then pointers (objects and functions), then
 * curl_off_t. */
CURLcode curl_easy_setopt(CURL *c, CURLoption option, ...) {
  if (!ready()) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, option);
  CURLcode rc;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    long v = va_arg(ap, long);
    rc = api.easy_setopt(c, option, v);
  } else if (option < CURLOPTTYPE_OFF_T) {
    void *v = va_arg(ap, void *);
    rc = api.easy_setopt(c, option, v);
  } else {
    curl_off_t v = va_arg(ap, curl_off_t);
    rc = api.easy_setopt(c, option, v);
  }
  va_end(ap);
  return rc;
}

CURLcode curl_easy_perform(CURL *c) { return ready() ? api.easy_perform(c) : CURLE_FAILED_INIT; }

/* Every CURLINFO takes one pointer. */
CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...) {
  if (!ready()) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, info);
  void *p = va_arg(ap, void *);
  va_end(ap);
  return api.easy_getinfo(c, info, p);
}

void curl_easy_cleanup(CURL *c) {
  if (ready()) api.easy_cleanup(c);
}
void curl_easy_reset(CURL *c) {
  if (ready()) api.easy_reset(c);
}
const char *curl_easy_strerror(CURLcode code) {
  return ready() ? api.easy_strerror(code) : "libcurl.so.4 could not be loaded";
}
struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s) {
  return ready() ? api.slist_append(l, s) : NULL;
}
void curl_slist_free_all(struct curl_slist *l) {
  if (ready()) api.slist_free_all(l);
}
CURLU *curl_url(void) { return ready() ? api.url() : NULL; }
void curl_url_cleanup(CURLU *u) {
  if (ready()) api.url_cleanup(u);
}
CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags) {
  return ready() ? api.url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}
CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags) {
  return ready() ? api.url_get(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}
void curl_free(void *p) {
  if (ready()) api.free(p);
}
