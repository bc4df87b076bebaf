/* The host: providers by capability, the shared module cache, and loading
 * actors against their registry record. Nothing runs before every check has
 * passed and the trust layer has measured the code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "host/internal.h"
#include "tea/hash.h"

tea_code tea_host_new(const tea_host_config *cfg, tea_host **out, tea_error *err) {
  *out = NULL;
  if (!cfg || !cfg->measure)
    return tea_fail(err, TEA_ERR_ARG, "the host needs a measure callback (the trust layer)");
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to start");
  tea_host *h = calloc(1, sizeof *h);
  if (!h) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  h->cfg = *cfg;
  if (!h->cfg.max_actor_depth) h->cfg.max_actor_depth = 4;
  pthread_mutex_init(&h->lock, NULL);
  tea_code rc;
  if ((rc = tea_wasm_linker_new(&h->link, err)) || (rc = tea_wapc_define(h->link, err)) ||
      (rc = tea_wasi_gate_define(h->link, err))) {
    tea_host_free(h);
    return rc;
  }
  *out = h;
  return TEA_OK;
}

static void module_release(tea_host *h, tea_module_entry *e) {
  if (!e || --e->refs) return;
  for (tea_module_entry **p = &h->modules; *p; p = &(*p)->next)
    if (*p == e) {
      *p = e->next;
      break;
    }
  tea_wasm_module_free(e->module);
  free(e);
}

static void actor_free(tea_host *h, tea_actor *a) {
  if (!a) return;
  tea_pool_retire(a);
  pthread_mutex_destroy(&a->pool_lock);
  module_release(h, a->entry);
  free(a->imports);
  free(a->name);
  tea_claims_free(&a->claims);
  tea_strlist_free(&a->grants);
  tea_strlist_free(&a->http_allow);
  free(a);
}

void tea_host_free(tea_host *h) {
  if (!h) return;
  while (h->actors) {
    tea_actor *a = h->actors;
    h->actors = a->next;
    actor_free(h, a);
  }
  for (size_t i = 0; i < h->nproviders; i++) tea_provider_free(h->providers[i]);
  free(h->providers);
  tea_wasm_linker_free(h->link);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

tea_code tea_host_add_provider(tea_host *h, tea_provider *p, tea_error *err) {
  if (!p || !p->ops || !p->ops->capability || !p->ops->call) {
    tea_provider_free(p);
    return tea_fail(err, TEA_ERR_ARG, "incomplete provider");
  }
  if (tea_host_provider(h, p->ops->capability)) {
    tea_code rc = tea_fail(err, TEA_ERR_STATE, "a provider for %s is already installed", p->ops->capability);
    tea_provider_free(p);
    return rc;
  }
  tea_provider **ps = realloc(h->providers, (h->nproviders + 1) * sizeof *ps);
  if (!ps) {
    tea_provider_free(p);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  h->providers = ps;
  ps[h->nproviders++] = p;
  return TEA_OK;
}

tea_provider *tea_host_provider(tea_host *h, const char *cap) {
  for (size_t i = 0; i < h->nproviders; i++)
    if (strcmp(h->providers[i]->ops->capability, cap) == 0) return h->providers[i];
  return NULL;
}

void tea_host_log(tea_host *h, const char *actor, const char *stream, const char *msg, size_t len) {
  if (h->cfg.log) {
    h->cfg.log(h->cfg.log_user, actor, stream, msg, len);
    return;
  }
  fprintf(stderr, "[%s] %s: %.*s\n", actor, stream, (int)(len > 4096 ? 4096 : len), msg);
}

/* ---- loading -------------------------------------------------------------- */

static tea_code check_cid(const tea_actor_record *rec, const uint8_t *bytes, size_t len, tea_error *err) {
  tea_cid want = tea_cid_to_v1(&rec->cid), got;
  tea_code rc;
  if (want.codec == TEA_CODEC_RAW) rc = tea_cid_of(TEA_CODEC_RAW, bytes, len, &got, err);
  else if (want.codec == TEA_CODEC_DAG_PB) rc = tea_unixfs_cid_of(bytes, len, &got, err);
  else return tea_fail(err, TEA_ERR_INVALID, "actor %s: CID codec 0x%llx is neither raw nor dag-pb",
                       rec->name, (unsigned long long)want.codec);
  if (rc != TEA_OK) return rc;
  got = tea_cid_to_v1(&got);
  if (!tea_cid_equal(&want, &got)) {
    char w[TEA_CID_STR_MAX] = "?", g[TEA_CID_STR_MAX] = "?";
    tea_cid_format(&want, w, NULL);
    tea_cid_format(&got, g, NULL);
    return tea_fail(err, TEA_ERR_CRYPTO, "actor %s: bytes hash to %s, not the registered %s", rec->name, g, w);
  }
  return TEA_OK;
}

static void fill_limits(tea_actor_limits *l) {
  if (!l->fuel) l->fuel = 1000000000ull;
  if (!l->memory_pages) l->memory_pages = 256;
  if (!l->call_depth) l->call_depth = 1000;
  if (!l->deadline_ms) l->deadline_ms = 5000;
  if (!l->max_input) l->max_input = 1u << 20;
  if (!l->max_output) l->max_output = 1u << 20;
  if (!l->max_host_calls) l->max_host_calls = 1000;
  if (!l->max_transcript) l->max_transcript = 16u << 20;
}

/* The compiled module for cid, compiled once and shared (under h->lock). */
static tea_code module_get(tea_host *h, const tea_cid *cid, const uint8_t *bytes, size_t len,
                           tea_module_entry **out, tea_error *err) {
  for (tea_module_entry *e = h->modules; e; e = e->next)
    if (tea_cid_equal(&e->cid, cid)) {
      e->refs++;
      *out = e;
      return TEA_OK;
    }
  tea_module_entry *e = calloc(1, sizeof *e);
  if (!e) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  tea_wasm_config wc = {.deterministic = true};
  tea_code rc = tea_wasm_module_load(bytes, len, &wc, &e->module, err);
  if (rc != TEA_OK) {
    free(e);
    return rc;
  }
  e->cid = *cid;
  e->refs = 1;
  e->next = h->modules;
  h->modules = e;
  *out = e;
  return TEA_OK;
}

tea_code tea_host_load(tea_host *h, const uint8_t *bytes, size_t len, const tea_actor_record *rec,
                       tea_actor **out, tea_error *err) {
  if (out) *out = NULL;
  if (!rec || !rec->name || !*rec->name || (!bytes && len))
    return tea_fail(err, TEA_ERR_ARG, "an actor needs bytes and a record with a name");
  tea_code rc = check_cid(rec, bytes, len, err);
  if (rc != TEA_OK) return rc;
  int64_t now = h->cfg.now ? h->cfg.now(h->cfg.now_user) : (int64_t)time(NULL);
  tea_actor *a = calloc(1, sizeof *a);
  if (!a) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  pthread_mutex_init(&a->pool_lock, NULL);
  if ((rc = tea_claims_verify(bytes, len, rec, now, &a->claims, err)) != TEA_OK) {
    pthread_mutex_destroy(&a->pool_lock);
    free(a);
    char pre[160];
    snprintf(pre, sizeof pre, "actor %s refused: ", rec->name);
    return tea_error_prefix(err, rc, pre);
  }
  if (!(a->name = strdup(rec->name))) {
    rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    goto fail;
  }
  tea_cid v1 = tea_cid_to_v1(&rec->cid);
  if ((rc = tea_cid_format(&v1, a->cid_text, err)) != TEA_OK) goto fail;
  /* grants: what the signed claims ask for and the ledger approved */
  for (size_t i = 0; i < a->claims.ncaps; i++) {
    bool approved = false;
    for (size_t k = 0; k < rec->ncaps && !approved; k++)
      approved = rec->caps[k] && strcmp(rec->caps[k], a->claims.caps[i]) == 0;
    if (approved && !tea_strlist_has(&a->grants, a->claims.caps[i]) &&
        (rc = tea_strlist_add(&a->grants, a->claims.caps[i], err)) != TEA_OK)
      goto fail;
  }
  if ((rc = tea_strlist_copy(&a->http_allow, rec->http_allow, rec->nhttp_allow, err)) != TEA_OK) goto fail;
  a->limits = rec->limits;
  fill_limits(&a->limits);

  pthread_mutex_lock(&h->lock);
  rc = module_get(h, &v1, bytes, len, &a->entry, err);
  pthread_mutex_unlock(&h->lock);
  if (rc != TEA_OK) goto fail;
  /* resolved once here: every instance links from the list, and an import
     the host does not have fails now, not at every call */
  if ((rc = tea_imports_check(a->entry->module, a, err)) != TEA_OK ||
      (rc = tea_wasm_linker_resolve(h->link, a->entry->module, &a->imports, err)) != TEA_OK)
    goto fail;
  a->uses_wasi = tea_imports_from(a->entry->module, TEA_WASI_MODULE);
  tea_actor_find_entries(a);

  uint8_t hash[TEA_SHA256_LEN];
  if ((rc = tea_sha256(bytes, len, hash, err)) != TEA_OK) goto fail;
  if ((rc = h->cfg.measure(h->cfg.measure_user, hash, "actor", a->name, err)) != TEA_OK) {
    char pre[160];
    snprintf(pre, sizeof pre, "actor %s: measurement refused: ", a->name);
    rc = tea_error_prefix(err, rc, pre);
    goto fail;
  }
  /* Newest first, so a reloaded name finds its new record; old ones stay
   * until the host is freed because invocations may still be using them. */
  pthread_mutex_lock(&h->lock);
  a->next = h->actors;
  h->actors = a;
  for (tea_actor *old = a->next; old; old = old->next)
    if (strcmp(old->name, a->name) == 0) tea_pool_retire(old); /* its idle instances run old code */
  pthread_mutex_unlock(&h->lock);
  if (out) *out = a;
  return TEA_OK;
fail:
  pthread_mutex_lock(&h->lock);
  actor_free(h, a);
  pthread_mutex_unlock(&h->lock);
  return rc;
}

tea_actor *tea_host_find(tea_host *h, const char *name) {
  pthread_mutex_lock(&h->lock);
  tea_actor *a = h->actors;
  while (a && strcmp(a->name, name) != 0) a = a->next;
  pthread_mutex_unlock(&h->lock);
  return a;
}

const char *tea_actor_name(const tea_actor *a) { return a->name; }
const tea_claims *tea_actor_claims(const tea_actor *a) { return &a->claims; }
size_t tea_actor_grant_count(const tea_actor *a) { return a->grants.n; }
const char *tea_actor_grant(const tea_actor *a, size_t i) { return i < a->grants.n ? a->grants.items[i] : NULL; }
bool tea_actor_granted(const tea_actor *a, const char *cap) { return tea_strlist_has(&a->grants, cap); }
