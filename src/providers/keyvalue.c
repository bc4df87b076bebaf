/* tea:keyvalue: a namespace per actor in SQLite (STATE_DIR/keyvalue.sqlite,
 * WAL, synchronous=FULL). An invocation's writes are buffered in its session
 * and applied in one transaction at the end, only if the invocation
 * succeeded: a trap, a limit or a guest error leaves the store untouched. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "providers/common.h"

typedef struct kv_provider {
  sqlite3 *db;
  pthread_mutex_t lock; /* one connection: transactions must not interleave */
  tea_kv_limits lim;
} kv_provider;

typedef struct kv_write {
  uint8_t *key, *value; /* value NULL: deleted */
  size_t key_len, value_len;
} kv_write;

typedef struct kv_session {
  kv_write *w;
  size_t n, cap;
  int64_t delta; /* bytes the buffered writes add to the namespace */
  uint64_t base; /* namespace size when the session began */
} kv_session;

/* ---- the database ---------------------------------------------------------- */

static tea_code db_fail(kv_provider *k, tea_error *err, const char *what) {
  return tea_fail(err, TEA_ERR_IO, "tea:keyvalue: %s: %s", what, sqlite3_errmsg(k->db));
}

/* The stored value (malloc'd) or *found = false. Caller holds the lock. */
static tea_code db_get(kv_provider *k, const char *ns, const uint8_t *key, size_t kl, uint8_t **val, size_t *vl,
                       bool *found, tea_error *err) {
  sqlite3_stmt *st;
  *found = false;
  if (sqlite3_prepare_v2(k->db, "SELECT value FROM kv WHERE ns = ?1 AND key = ?2", -1, &st, NULL) != SQLITE_OK)
    return db_fail(k, err, "prepare");
  sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, key, (int)kl, SQLITE_STATIC);
  tea_code rc = TEA_OK;
  int s = sqlite3_step(st);
  if (s == SQLITE_ROW) {
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    const void *p = sqlite3_column_blob(st, 0);
    *found = true;
    if (val) {
      *val = malloc(n ? n : 1);
      if (!*val) rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
      else if (n) memcpy(*val, p, n);
      *vl = n;
    } else if (vl) {
      *vl = n;
    }
  } else if (s != SQLITE_DONE) {
    rc = db_fail(k, err, "read");
  }
  sqlite3_finalize(st);
  return rc;
}

static tea_code db_ns_size(kv_provider *k, const char *ns, uint64_t *size, tea_error *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(k->db, "SELECT COALESCE(SUM(length(key) + length(value)), 0) FROM kv WHERE ns = ?1", -1, &st,
                         NULL) != SQLITE_OK)
    return db_fail(k, err, "prepare");
  sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
  tea_code rc = sqlite3_step(st) == SQLITE_ROW ? TEA_OK : db_fail(k, err, "size");
  *size = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rc;
}

/* ---- the session's buffer --------------------------------------------------- */

static kv_write *find(kv_session *s, const uint8_t *key, size_t kl) {
  for (size_t i = 0; i < s->n; i++)
    if (s->w[i].key_len == kl && memcmp(s->w[i].key, key, kl) == 0) return &s->w[i];
  return NULL;
}

/* Current value: the buffer first, then the database. */
static tea_code lookup(kv_provider *k, kv_session *s, const char *ns, const uint8_t *key, size_t kl, uint8_t **val,
                       size_t *vl, bool *found, tea_error *err) {
  kv_write *w = find(s, key, kl);
  if (w) {
    *found = w->value != NULL;
    if (*found && val) {
      if (!(*val = malloc(w->value_len ? w->value_len : 1))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
      if (w->value_len) memcpy(*val, w->value, w->value_len);
    }
    if (vl) *vl = *found ? w->value_len : 0;
    return TEA_OK;
  }
  pthread_mutex_lock(&k->lock);
  tea_code rc = db_get(k, ns, key, kl, val, vl, found, err);
  pthread_mutex_unlock(&k->lock);
  return rc;
}

static tea_code check_key(kv_provider *k, const uint8_t *key, size_t kl, tea_error *err) {
  if (kl == 0 || kl > k->lim.max_key)
    return tea_fail(err, TEA_ERR_LIMIT, "tea:keyvalue: key must be 1..%zu bytes", k->lim.max_key);
  if (memchr(key, 0, kl)) return tea_fail(err, TEA_ERR_ARG, "tea:keyvalue: key contains NUL");
  return TEA_OK;
}

/* Buffers a write (value NULL: delete) after checking the namespace quota. */
static tea_code buffer(kv_provider *k, kv_session *s, const char *ns, const uint8_t *key, size_t kl,
                       const uint8_t *value, size_t vl, tea_error *err) {
  if (value && vl > k->lim.max_value)
    return tea_fail(err, TEA_ERR_LIMIT, "tea:keyvalue: value of %zu bytes is over the limit of %zu", vl, k->lim.max_value);
  bool found;
  size_t old_vl = 0;
  tea_code rc = lookup(k, s, ns, key, kl, NULL, &old_vl, &found, err);
  if (rc != TEA_OK) return rc;
  int64_t delta = (value ? (int64_t)(kl + vl) : 0) - (found ? (int64_t)(kl + old_vl) : 0);
  if (delta > 0 && (int64_t)s->base + s->delta + delta > (int64_t)k->lim.max_namespace_bytes)
    return tea_fail(err, TEA_ERR_LIMIT, "tea:keyvalue: namespace %s would exceed %" PRIu64 " bytes", ns,
                    k->lim.max_namespace_bytes);
  kv_write *w = find(s, key, kl);
  if (!w) {
    if (s->n == s->cap) {
      size_t nc = s->cap ? s->cap * 2 : 8;
      kv_write *nw = realloc(s->w, nc * sizeof *nw);
      if (!nw) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
      s->w = nw;
      s->cap = nc;
    }
    w = &s->w[s->n];
    memset(w, 0, sizeof *w);
    if (!(w->key = malloc(kl))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    memcpy(w->key, key, kl);
    w->key_len = kl;
    s->n++;
  }
  free(w->value);
  w->value = NULL;
  w->value_len = 0;
  if (value) {
    if (!(w->value = malloc(vl ? vl : 1))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    if (vl) memcpy(w->value, value, vl);
    w->value_len = vl;
  }
  s->delta += delta;
  return TEA_OK;
}

/* ---- operations ---------------------------------------------------------------- */

static int cmp_keys(const void *a, const void *b) {
  const kv_write *x = a, *y = b;
  size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = memcmp(x->key, y->key, n);
  return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static tea_code op_list(kv_provider *k, kv_session *s, const char *ns, const uint8_t *prefix, size_t pl,
                        uint8_t **resp, size_t *resp_len, tea_error *err) {
  /* keys: database keys not deleted in the buffer, plus buffered new keys (value NULL
   * here means "listed", the list owns only the key copies) */
  kv_write *keys = NULL;
  size_t n = 0, cap = 0;
  tea_code rc = TEA_OK;
  sqlite3_stmt *st = NULL;
  pthread_mutex_lock(&k->lock);
  if (sqlite3_prepare_v2(k->db, "SELECT key FROM kv WHERE ns = ?1 AND substr(key, 1, ?2) = ?3 ORDER BY key", -1,
                         &st, NULL) != SQLITE_OK)
    rc = db_fail(k, err, "prepare");
  if (rc == TEA_OK) {
    sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)pl);
    sqlite3_bind_blob(st, 3, pl ? (const void *)prefix : "", (int)pl, SQLITE_STATIC);
  }
  for (int r; rc == TEA_OK && (r = sqlite3_step(st)) != SQLITE_DONE;) {
    if (r != SQLITE_ROW) {
      rc = db_fail(k, err, "list");
      break;
    }
    size_t kl = (size_t)sqlite3_column_bytes(st, 0);
    const uint8_t *key = sqlite3_column_blob(st, 0);
    if (find(s, key, kl)) continue; /* the buffer decides below */
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      kv_write *nk = realloc(keys, cap * sizeof *nk);
      if (!nk) {
        rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
        break;
      }
      keys = nk;
    }
    keys[n].key = malloc(kl ? kl : 1);
    if (!keys[n].key) {
      rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
      break;
    }
    if (kl) memcpy(keys[n].key, key, kl);
    keys[n++].key_len = kl;
  }
  sqlite3_finalize(st);
  pthread_mutex_unlock(&k->lock);
  for (size_t i = 0; rc == TEA_OK && i < s->n; i++) {
    kv_write *w = &s->w[i];
    if (!w->value || w->key_len < pl || memcmp(w->key, prefix, pl) != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      kv_write *nk = realloc(keys, cap * sizeof *nk);
      if (!nk) {
        rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
        break;
      }
      keys = nk;
    }
    keys[n].key = malloc(w->key_len);
    if (!keys[n].key) {
      rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
      break;
    }
    memcpy(keys[n].key, w->key, w->key_len);
    keys[n++].key_len = w->key_len;
  }
  if (rc == TEA_OK && n) {
    qsort(keys, n, sizeof *keys, cmp_keys);
    size_t shown = n < k->lim.max_list_keys ? n : k->lim.max_list_keys, total = 0;
    for (size_t i = 0; i < shown; i++) total += keys[i].key_len + 1;
    if (!(*resp = malloc(total))) rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    for (size_t i = 0, off = 0; rc == TEA_OK && i < shown; i++) {
      memcpy(*resp + off, keys[i].key, keys[i].key_len);
      off += keys[i].key_len;
      (*resp)[off++] = 0;
    }
    if (rc == TEA_OK) *resp_len = total;
  }
  for (size_t i = 0; i < n; i++) free(keys[i].key);
  free(keys);
  return rc;
}

static bool parse_i64(const uint8_t *p, size_t n, int64_t *v) {
  if (n == 0 || n > 20) return false;
  char buf[24];
  memcpy(buf, p, n);
  buf[n] = 0;
  char *end;
  errno = 0;
  long long x = strtoll(buf, &end, 10);
  if (errno || *end || end == buf || buf[0] == ' ' || buf[0] == '+') return false;
  *v = x;
  return true;
}

static tea_code op_increment(kv_provider *k, kv_session *s, const char *ns, const uint8_t *req, size_t req_len,
                             uint8_t **resp, size_t *resp_len, tea_error *err) {
  char *key;
  const uint8_t *d;
  size_t dl;
  tea_code rc = tea_provider_split(req, req_len, &key, &d, &dl, false, err);
  if (rc != TEA_OK) return rc;
  size_t kl = strlen(key);
  int64_t delta = 1, cur = 0;
  uint8_t *val = NULL;
  size_t vl = 0;
  bool found;
  if ((rc = check_key(k, (const uint8_t *)key, kl, err)) != TEA_OK) goto out;
  if (dl && !parse_i64(d, dl, &delta)) {
    rc = tea_fail(err, TEA_ERR_ARG, "tea:keyvalue: increment delta is not a decimal integer");
    goto out;
  }
  if ((rc = lookup(k, s, ns, (const uint8_t *)key, kl, &val, &vl, &found, err)) != TEA_OK) goto out;
  if (found && !parse_i64(val, vl, &cur)) {
    rc = tea_fail(err, TEA_ERR_INVALID, "tea:keyvalue: value of %s is not an integer", key);
    goto out;
  }
  if ((delta > 0 && cur > INT64_MAX - delta) || (delta < 0 && cur < INT64_MIN - delta)) {
    rc = tea_fail(err, TEA_ERR_LIMIT, "tea:keyvalue: increment of %s overflows", key);
    goto out;
  }
  char text[24];
  int tn = snprintf(text, sizeof text, "%" PRId64, cur + delta);
  if ((rc = buffer(k, s, ns, (const uint8_t *)key, kl, (const uint8_t *)text, (size_t)tn, err)) == TEA_OK)
    rc = tea_provider_answer(text, (size_t)tn, resp, resp_len, err);
out:
  free(key);
  free(val);
  return rc;
}

static tea_code kv_call(void *self, void *session, const tea_provider_ctx *ctx, const char *op, const uint8_t *req,
                        size_t req_len, uint8_t **resp, size_t *resp_len, tea_error *err) {
  kv_provider *k = self;
  kv_session *s = session;
  const char *ns = ctx->actor;
  *resp = NULL;
  *resp_len = 0;
  tea_code rc;
  bool found;
  if (strcmp(op, "get") == 0) {
    if ((rc = check_key(k, req, req_len, err)) != TEA_OK) return rc;
    if ((rc = lookup(k, s, ns, req, req_len, resp, resp_len, &found, err)) != TEA_OK) return rc;
    if (!found) return tea_fail(err, TEA_ERR_NOT_FOUND, "not found");
    if (*resp_len == 0) { /* an empty value is an empty answer */
      free(*resp);
      *resp = NULL;
    }
    return TEA_OK;
  }
  if (strcmp(op, "set") == 0) {
    const uint8_t *nul = memchr(req, 0, req_len);
    if (!nul) return tea_fail(err, TEA_ERR_ARG, "tea:keyvalue set wants KEY \\0 VALUE");
    size_t kl = (size_t)(nul - req);
    if ((rc = check_key(k, req, kl, err)) != TEA_OK) return rc;
    return buffer(k, s, ns, req, kl, nul + 1, req_len - kl - 1, err);
  }
  if (strcmp(op, "delete") == 0) {
    if ((rc = check_key(k, req, req_len, err)) != TEA_OK) return rc;
    if ((rc = lookup(k, s, ns, req, req_len, NULL, NULL, &found, err)) != TEA_OK) return rc;
    if (found && (rc = buffer(k, s, ns, req, req_len, NULL, 0, err)) != TEA_OK) return rc;
    return tea_provider_answer(found ? "1" : "0", 1, resp, resp_len, err);
  }
  if (strcmp(op, "list") == 0) {
    if (req_len > k->lim.max_key) return tea_fail(err, TEA_ERR_LIMIT, "tea:keyvalue: prefix too long");
    return op_list(k, s, ns, req, req_len, resp, resp_len, err);
  }
  if (strcmp(op, "increment") == 0) return op_increment(k, s, ns, req, req_len, resp, resp_len, err);
  return tea_fail(err, TEA_ERR_ARG, "tea:keyvalue has no operation %s (get, set, delete, list, increment)", op);
}

static tea_code kv_begin(void *self, const tea_provider_ctx *ctx, void **session, tea_error *err) {
  kv_provider *k = self;
  kv_session *s = calloc(1, sizeof *s);
  if (!s) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  pthread_mutex_lock(&k->lock);
  tea_code rc = db_ns_size(k, ctx->actor, &s->base, err);
  pthread_mutex_unlock(&k->lock);
  if (rc != TEA_OK) {
    free(s);
    return rc;
  }
  *session = s;
  return TEA_OK;
}

static tea_code apply(kv_provider *k, kv_session *s, const char *ns, tea_error *err) {
  if (sqlite3_exec(k->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return db_fail(k, err, "begin");
  sqlite3_stmt *put = NULL, *del = NULL;
  tea_code rc = TEA_OK;
  if (sqlite3_prepare_v2(k->db, "INSERT OR REPLACE INTO kv (ns, key, value) VALUES (?1, ?2, ?3)", -1, &put, NULL) ||
      sqlite3_prepare_v2(k->db, "DELETE FROM kv WHERE ns = ?1 AND key = ?2", -1, &del, NULL))
    rc = db_fail(k, err, "prepare");
  for (size_t i = 0; rc == TEA_OK && i < s->n; i++) {
    kv_write *w = &s->w[i];
    sqlite3_stmt *st = w->value ? put : del;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, w->key, (int)w->key_len, SQLITE_STATIC);
    if (w->value) sqlite3_bind_blob(st, 3, w->value_len ? (const void *)w->value : "", (int)w->value_len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(k, err, "write");
  }
  sqlite3_finalize(put);
  sqlite3_finalize(del);
  uint64_t size;
  /* Another invocation may have written meanwhile: the quota holds at commit. */
  if (rc == TEA_OK && (rc = db_ns_size(k, ns, &size, err)) == TEA_OK && size > k->lim.max_namespace_bytes)
    rc = tea_fail(err, TEA_ERR_LIMIT, "tea:keyvalue: namespace %s would exceed %" PRIu64 " bytes", ns,
                  k->lim.max_namespace_bytes);
  if (rc == TEA_OK && sqlite3_exec(k->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = db_fail(k, err, "commit");
  if (rc != TEA_OK) sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

static tea_code kv_end(void *self, void *session, const tea_provider_ctx *ctx, bool commit, tea_error *err) {
  kv_provider *k = self;
  kv_session *s = session;
  tea_code rc = TEA_OK;
  if (!s) return TEA_OK;
  if (commit && s->n) {
    pthread_mutex_lock(&k->lock);
    rc = apply(k, s, ctx->actor, err);
    pthread_mutex_unlock(&k->lock);
  }
  for (size_t i = 0; i < s->n; i++) free(s->w[i].key), free(s->w[i].value);
  free(s->w);
  free(s);
  return rc;
}

static void kv_destroy(void *self) {
  kv_provider *k = self;
  sqlite3_close(k->db);
  pthread_mutex_destroy(&k->lock);
  free(k);
}

static const tea_provider_ops kv_ops = {
    .capability = TEA_CAP_KEYVALUE, .begin = kv_begin, .call = kv_call, .end = kv_end, .destroy = kv_destroy};

tea_code tea_provider_keyvalue_new(const char *state_dir, const tea_kv_limits *limits, tea_provider **out,
                                   tea_error *err) {
  *out = NULL;
  if (!state_dir) return tea_fail(err, TEA_ERR_ARG, "tea:keyvalue needs a state directory");
  if (mkdir(state_dir, 0700) != 0 && errno != EEXIST)
    return tea_fail(err, TEA_ERR_IO, "cannot create %s: %s", state_dir, strerror(errno));
  kv_provider *k = calloc(1, sizeof *k);
  if (!k) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (limits) k->lim = *limits;
  if (!k->lim.max_key) k->lim.max_key = 256;
  if (!k->lim.max_value) k->lim.max_value = 64 * 1024;
  if (!k->lim.max_namespace_bytes) k->lim.max_namespace_bytes = 16u << 20;
  if (!k->lim.max_list_keys) k->lim.max_list_keys = 1000;
  pthread_mutex_init(&k->lock, NULL);
  char path[4096];
  snprintf(path, sizeof path, "%s/keyvalue.sqlite", state_dir);
  if (sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
      SQLITE_OK) {
    tea_code rc = tea_fail(err, TEA_ERR_IO, "cannot open %s: %s", path, k->db ? sqlite3_errmsg(k->db) : "no memory");
    kv_destroy(k);
    return rc;
  }
  sqlite3_busy_timeout(k->db, 5000);
  if (sqlite3_exec(k->db,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                   "CREATE TABLE IF NOT EXISTS kv (ns TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
                   " PRIMARY KEY (ns, key)) WITHOUT ROWID;",
                   NULL, NULL, NULL) != SQLITE_OK) {
    tea_code rc = db_fail(k, err, "set up");
    kv_destroy(k);
    return rc;
  }
  return tea_provider_make(&kv_ops, k, out, err);
}
