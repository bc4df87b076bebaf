/* The trustless gateway client (https://specs.ipfs.tech/http-gateways/trustless-gateway/):
 * the content of a CID from the first of several untrusted sources that delivers it
 * whole and correct. Everything a source sends is checked against the CID asked for,
 * so the only harm a source can do is to waste its request's time and size budget.
 * Answers are taken into memory (bounded by max_bytes) before they are parsed, so a
 * source that breaks off midway leaves nothing half-written behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cas/internal.h"
#include "tea/http.h"

#define DEFAULT_MAX (64ull << 20)
#define CAR_ACCEPT "application/vnd.ipld.car; version=1; order=dfs; dups=n"
#define RAW_ACCEPT "application/vnd.ipld.raw"

typedef struct fetch {
  const char *base; /* the source, without trailing slashes */
  size_t base_len;
  tea_http_get_opts http;
  uint64_t budget, received;
  cas_map blocks; /* the CAR's blocks, or the raw blocks fetched so far */
  bool car;
  tea_mem_sink file; /* the file, reassembled in walk order */
  cas_cat cat;
} fetch;

static tea_code source_url(const fetch *f, const tea_cid *cid, const char *query, char *url, size_t cap,
                           tea_error *err) {
  char text[TEA_CID_STR_MAX];
  tea_code c = tea_cid_format(cid, text, err);
  if (c) return c;
  int n = snprintf(url, cap, "%.*s/ipfs/%s?%s", (int)f->base_len, f->base, text, query);
  if (n < 0 || (size_t)n >= cap) return tea_fail(err, TEA_ERR_ARG, "source URL too long: %s", f->base);
  return TEA_OK;
}

/* The walk's block source: the CAR's blocks, or for raw fetching one GET per block
 * not seen yet (a file of equal chunks links one block many times). */
static tea_code get_block(void *ctx, const tea_cid *cid, uint8_t **block, size_t *n, tea_error *err) {
  fetch *f = ctx;
  const cas_slot *s = cas_map_get(&f->blocks, cid);
  if (!s && f->car) {
    char text[TEA_CID_STR_MAX];
    if (tea_cid_format(cid, text, NULL)) text[0] = '\0';
    return tea_fail(err, TEA_ERR_NOT_FOUND, "the CAR lacks block %s", text);
  }
  if (!s) {
    char url[1024];
    tea_code c = source_url(f, cid, "format=raw", url, sizeof url, err);
    if (c) return c;
    if (f->received >= f->budget)
      return tea_fail(err, TEA_ERR_LIMIT, "%s: over the limit of %llu bytes", f->base, (unsigned long long)f->budget);
    tea_http_get_opts o = f->http;
    o.max_bytes = f->budget - f->received;
    tea_http_answer a;
    if ((c = tea_http_get(url, &o, &a, err))) return c;
    f->received += a.len;
    /* checked here as well as by the walk: a bad block must not enter the cache */
    tea_error verr;
    if (tea_cid_verify(cid, a.body, a.len, &verr)) c = tea_fail(err, TEA_ERR_CRYPTO, "%s: block does not match its CID", url);
    if (!c) c = cas_map_put(&f->blocks, cid, a.body, a.len, NULL, err);
    free(a.body);
    if (c) return c;
    s = cas_map_get(&f->blocks, cid);
  }
  *block = malloc(s->len ? s->len : 1);
  if (!*block) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (s->len) memcpy(*block, s->block, s->len);
  *n = s->len;
  return TEA_OK;
}

/* A source that answers the CAR request like this does not do CARs, but may still
 * serve raw blocks; anything else (refusal, timeout, bad data) rules the source out. */
static bool car_unsupported(long status) {
  return status == 400 || status == 406 || status == 415 || status == 501;
}

static tea_code fetch_car(fetch *f, const tea_cid *cid, bool *try_raw, tea_error *err) {
  char url[1024];
  *try_raw = false;
  tea_code c = source_url(f, cid, "format=car&dag-scope=all", url, sizeof url, err);
  if (c) return c;
  tea_http_get_opts o = f->http;
  o.accept = CAR_ACCEPT;
  o.max_bytes = f->budget;
  tea_http_answer a;
  if ((c = tea_http_get(url, &o, &a, err))) {
    *try_raw = c == TEA_ERR_STATE && car_unsupported(a.status);
    return c;
  }
  f->received = a.len;
  if (strncmp(a.content_type, "application/vnd.ipld.car", 24) != 0) {
    *try_raw = true;
    free(a.body);
    return tea_fail(err, TEA_ERR_UNSUPPORTED, "%s: answered %s, not a CAR", url,
                    a.content_type[0] ? a.content_type : "without a Content-Type");
  }
  tea_mem_source m = {a.body, a.len, 0};
  tea_car_reader r;
  tea_error e;
  c = tea_car_reader_open(&r, tea_mem_read, &m, &e);
  tea_cid want = tea_cid_to_v1(cid), root = r.nroots ? tea_cid_to_v1(&r.roots[0]) : want;
  if (!c && (r.nroots == 0 || !tea_cid_equal(&root, &want))) {
    char got[TEA_CID_STR_MAX] = "none";
    if (r.nroots && tea_cid_format(&r.roots[0], got, NULL)) got[0] = '\0';
    c = tea_fail(&e, TEA_ERR_INVALID, "the CAR's root is %s, not the CID asked for", got);
  }
  for (bool done = false; !c && !done;) {
    tea_cid bc;
    const uint8_t *b;
    size_t bn;
    if (!(c = tea_car_reader_next(&r, &bc, &b, &bn, &done, &e)) && !done)
      c = cas_map_put(&f->blocks, &bc, b, bn, NULL, &e);
  }
  tea_car_reader_close(&r);
  free(a.body);
  f->car = true;
  if (!c) c = tea_dag_walk(cid, get_block, f, cas_cat_visit, &f->cat, &e);
  return c ? tea_fail(err, c, "%s: %s", url, e.msg) : TEA_OK;
}

static tea_code fetch_raw(fetch *f, const tea_cid *cid, tea_error *err) {
  f->car = false;
  f->received = 0;
  return tea_dag_walk(cid, get_block, f, cas_cat_visit, &f->cat, err);
}

static void reset(fetch *f) {
  cas_map_free(&f->blocks);
  f->file.len = 0;
  f->cat.visits = 0;
  f->received = 0;
}

/* The report keeps each failure whole; the error message gets a short form of each
 * ("#2 HTTP 500"), as a message has room for a few URLs at most. */
static void note_failure(tea_gateway_report *rep, const fetch *f, size_t source, bool car, const tea_error *e,
                         char *summary, size_t cap) {
  if (rep->nfailed < sizeof rep->failed / sizeof rep->failed[0])
    rep->failed[rep->nfailed++] = (tea_gateway_attempt){source, car, *e};
  const char *why = e->msg, *colon;
  if (strncmp(why, f->base, f->base_len) == 0 && (colon = strstr(why + f->base_len, ": "))) why = colon + 2;
  size_t used = strlen(summary);
  if (used + 16 < cap)
    snprintf(summary + used, cap - used, "%s#%zu %.*s", used ? "; " : "", source + 1, (int)(cap - used - 16), why);
}

tea_code tea_gateway_fetch(const tea_cid *cid, const char *const *sources, size_t nsources,
                           const tea_gateway_opts *opts, uint8_t **out, size_t *len, tea_gateway_report *report,
                           tea_error *err) {
  static const tea_gateway_opts none;
  tea_gateway_report local;
  tea_gateway_report *rep = report ? report : &local;
  memset(rep, 0, sizeof *rep);
  *out = NULL;
  *len = 0;
  if (!opts) opts = &none;
  char text[TEA_CID_STR_MAX];
  tea_code c = tea_cid_format(cid, text, err);
  if (c) return c;
  if (nsources == 0) return tea_fail(err, TEA_ERR_NOT_FOUND, "%s: no source to fetch it from", text);
  if (nsources > TEA_GATEWAY_MAX_SOURCES)
    return tea_fail(err, TEA_ERR_ARG, "more than %d sources", TEA_GATEWAY_MAX_SOURCES);
  fetch f = {.budget = opts->max_bytes ? opts->max_bytes : DEFAULT_MAX};
  f.file.max = f.budget;
  f.cat = (cas_cat){.write = tea_mem_write, .wctx = &f.file, .sink = opts->sink, .sink_ctx = opts->sink_ctx};
  f.http.timeout_ms = opts->timeout_ms;
  f.http.accept = RAW_ACCEPT;
  char summary[200] = "";
  for (size_t i = 0; i < nsources; i++) {
    f.base = sources[i];
    f.base_len = strlen(sources[i]);
    while (f.base_len && f.base[f.base_len - 1] == '/') f.base_len--;
    tea_error e = {0};
    bool try_raw = true;
    if (!opts->raw_only) {
      c = fetch_car(&f, cid, &try_raw, &e);
      if (c == TEA_OK) {
        rep->car = true;
        goto served;
      }
      note_failure(rep, &f, i, true, &e, summary, sizeof summary);
      reset(&f);
    }
    if (!try_raw) continue;
    c = fetch_raw(&f, cid, &e);
    if (c == TEA_OK) goto served;
    note_failure(rep, &f, i, false, &e, summary, sizeof summary);
    reset(&f);
    continue;
  served:
    rep->source = i;
    rep->blocks = f.cat.visits;
    rep->received = f.received;
    cas_map_free(&f.blocks);
    /* an empty file is still an answer, so never NULL on success */
    if (!f.file.buf && !(f.file.buf = malloc(1))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    *out = f.file.buf;
    *len = f.file.len;
    return TEA_OK;
  }
  free(f.file.buf);
  return tea_fail(err, TEA_ERR_NOT_FOUND, "no source could supply %s: %.200s", text, summary);
}
