/* The registry state: records versioned by height in one hash table (see internal.h). */
#include <stdlib.h>
#include <string.h>

#include "ledger/internal.h"

typedef struct version {
  uint64_t h;
  void *rec;
} version;

typedef struct entry {
  struct entry *next;      /* hash chain */
  struct entry *next_kind; /* all entries of one kind, so iterating a kind skips the others */
  uint32_t n, cap;
  version *v;
  uint8_t kind, klen;
  uint8_t key[ST_KEY_MAX];
} entry;

typedef struct touched {
  entry *e;
  uint32_t old_n;
} touched;

struct tea_state {
  entry *kinds[256];
  entry **buckets;
  size_t nbuckets, count;
  bool open;
  uint64_t h;
  touched *journal;
  size_t njournal, journal_cap;
};

/* FNV-1a: keys are hashes or short names, so a simple mix spreads them well. */
static uint64_t hash_key(int kind, const uint8_t *key, size_t klen) {
  uint64_t x = 1469598103934665603ull ^ (uint64_t)kind;
  x *= 1099511628211ull;
  for (size_t i = 0; i < klen; i++) {
    x ^= key[i];
    x *= 1099511628211ull;
  }
  return x;
}

tea_code tea_state_new(tea_state **out, tea_error *err) {
  tea_state *st = calloc(1, sizeof *st);
  if (!st) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  st->nbuckets = 256;
  st->buckets = calloc(st->nbuckets, sizeof *st->buckets);
  if (!st->buckets) {
    free(st);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  *out = st;
  return TEA_OK;
}

void tea_state_free(tea_state *st) {
  if (!st) return;
  for (size_t b = 0; b < st->nbuckets; b++) {
    entry *e = st->buckets[b];
    while (e) {
      entry *next = e->next;
      for (uint32_t i = 0; i < e->n; i++) free(e->v[i].rec);
      free(e->v);
      free(e);
      e = next;
    }
  }
  free(st->buckets);
  free(st->journal);
  free(st);
}

static entry *find(const tea_state *st, int kind, const void *key, size_t klen) {
  if (klen > ST_KEY_MAX) return NULL;
  entry *e = st->buckets[hash_key(kind, key, klen) & (st->nbuckets - 1)];
  for (; e; e = e->next)
    if (e->kind == kind && e->klen == klen && memcmp(e->key, key, klen) == 0) return e;
  return NULL;
}

static tea_code grow(tea_state *st, tea_error *err) {
  size_t nb = st->nbuckets * 2;
  entry **b = calloc(nb, sizeof *b);
  if (!b) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < st->nbuckets; i++) {
    entry *e = st->buckets[i];
    while (e) {
      entry *next = e->next;
      size_t j = hash_key(e->kind, e->key, e->klen) & (nb - 1);
      e->next = b[j];
      b[j] = e;
      e = next;
    }
  }
  free(st->buckets);
  st->buckets = b;
  st->nbuckets = nb;
  return TEA_OK;
}

void tea_state_begin(tea_state *st, uint64_t h) {
  st->open = true;
  st->h = h;
  st->njournal = 0;
}

void tea_state_commit(tea_state *st) {
  st->open = false;
  st->njournal = 0;
}

void tea_state_rollback(tea_state *st) {
  /* Newest first, so an entry touched twice ends at its oldest count. */
  for (size_t i = st->njournal; i-- > 0;) {
    entry *e = st->journal[i].e;
    while (e->n > st->journal[i].old_n) free(e->v[--e->n].rec);
  }
  st->njournal = 0;
  st->open = false;
}

static const version *at(const entry *e, uint64_t h) {
  /* newest version with height <= h */
  size_t lo = 0, hi = e->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (e->v[mid].h <= h) lo = mid + 1;
    else hi = mid;
  }
  return lo ? &e->v[lo - 1] : NULL;
}

const void *tea_state_get(const tea_state *st, int kind, const void *key, size_t klen, uint64_t h) {
  const entry *e = find(st, kind, key, klen);
  if (!e) return NULL;
  const version *v = at(e, h);
  return v ? v->rec : NULL;
}

const void *tea_state_head(const tea_state *st, int kind, const void *key, size_t klen) {
  const entry *e = find(st, kind, key, klen);
  return e && e->n ? e->v[e->n - 1].rec : NULL;
}

static tea_code journal(tea_state *st, entry *e, tea_error *err) {
  for (size_t i = 0; i < st->njournal; i++)
    if (st->journal[i].e == e) return TEA_OK;
  if (st->njournal == st->journal_cap) {
    size_t cap = st->journal_cap ? st->journal_cap * 2 : 64;
    touched *j = realloc(st->journal, cap * sizeof *j);
    if (!j) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    st->journal = j;
    st->journal_cap = cap;
  }
  st->journal[st->njournal++] = (touched){e, e->n};
  return TEA_OK;
}

tea_code tea_state_put(tea_state *st, int kind, const void *key, size_t klen, const void *rec, size_t size,
                       tea_error *err) {
  if (!st->open) return tea_fail(err, TEA_ERR_STATE, "state write outside a block");
  if (klen > ST_KEY_MAX) return tea_fail(err, TEA_ERR_ARG, "state key too long");
  entry *e = find(st, kind, key, klen);
  if (!e) {
    if (st->count >= st->nbuckets && grow(st, err)) return err ? err->code : TEA_ERR_NOMEM;
    e = calloc(1, sizeof *e);
    if (!e) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    e->kind = (uint8_t)kind;
    e->klen = (uint8_t)klen;
    memcpy(e->key, key, klen);
    size_t b = hash_key(kind, key, klen) & (st->nbuckets - 1);
    e->next = st->buckets[b];
    st->buckets[b] = e;
    e->next_kind = st->kinds[kind & 0xff];
    st->kinds[kind & 0xff] = e;
    st->count++;
  }
  void *copy = malloc(size ? size : 1);
  if (!copy) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  memcpy(copy, rec, size);
  tea_code c = journal(st, e, err);
  if (c) {
    free(copy);
    return c;
  }
  /* A second write in the same block replaces that block's version: only the state
   * after each block is observable. */
  if (e->n && e->v[e->n - 1].h == st->h) {
    free(e->v[e->n - 1].rec);
    e->v[e->n - 1].rec = copy;
    return TEA_OK;
  }
  if (e->n == e->cap) {
    uint32_t cap = e->cap ? e->cap * 2 : 2;
    version *v = realloc(e->v, cap * sizeof *v);
    if (!v) {
      free(copy);
      return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    }
    e->v = v;
    e->cap = cap;
  }
  e->v[e->n++] = (version){st->h, copy};
  return TEA_OK;
}

void tea_state_each(const tea_state *st, int kind, uint64_t h, tea_state_fn fn, void *ctx) {
  for (const entry *e = st->kinds[kind & 0xff]; e; e = e->next_kind) {
    if (!e->n) continue;
    const version *v = h == UINT64_MAX ? &e->v[e->n - 1] : at(e, h);
    if (v && !fn(ctx, v->rec)) return;
  }
}
