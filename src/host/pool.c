/* Ready instances of an actor, kept when the host is configured with a pool
 * (tea_host_config.pool_size): instantiation, linking and the initializers
 * happen once, and every later invocation starts from a snapshot of the state
 * right after them. What the guest sees is exactly what a fresh instance
 * shows it: memory, globals, tables and segments are put back from the
 * snapshot and the WASI descriptor table must be untouched (else the
 * instance is dropped); the fuel the initializers burned is charged again, so
 * receipts and replays (which always use fresh instances) agree. An actor
 * whose initializers make host calls or write to the log is never pooled:
 * a pooled run would leave them out of its transcript. */
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"

struct tea_pooled {
  tea_invocation inv; /* its store's user pointer: its address must not change */
  tea_wasm_instance *in;
  tea_wasm_snapshot *snap;
  uint64_t init_fuel;
  struct tea_pooled *next;
};

tea_invocation *tea_pooled_invocation(tea_pooled *p) { return &p->inv; }
tea_wasm_instance *tea_pooled_instance(tea_pooled *p) { return p->in; }

static void destroy(tea_pooled *p) {
  if (!p) return;
  tea_wasm_snapshot_free(p->snap);
  tea_wasm_store_free(p->inv.store);
  tea_wasi_free(p->inv.wasi);
  free(p);
}

/* Builds an instance and runs its initializers under the actor's limits,
 * then takes the snapshot. NULL when the actor cannot be pooled. */
static tea_pooled *make(tea_host *h, tea_actor *a) {
  tea_pooled *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  uint64_t deadline = tea_mono_ns() + (uint64_t)a->limits.deadline_ms * 1000000ull;
  tea_invocation *inv = &p->inv;
  tea_invocation_begin(inv, h, a, 0, "", NULL, 0, NULL, deadline);
  inv->probing = true;
  tea_error err;
  tea_error_clear(&err);
  tea_deadline dl = {0};
  const tea_wasm_module *m = a->entry->module;
  tea_code rc = inv->sessions && inv->begun ? TEA_OK : TEA_ERR_NOMEM;
  if (rc == TEA_OK) rc = tea_invocation_link(inv, &err);
  if (rc == TEA_OK) rc = tea_deadline_start(&dl, inv->store, deadline, &err);
  if (rc == TEA_OK) rc = tea_invocation_start(inv, m, &p->in, &err);
  bool fired = tea_deadline_stop(&dl);
  p->init_fuel = inv->store ? tea_wasm_store_fuel_used(inv->store) : 0;
  bool quiet = inv->host_calls == 0 && inv->transcript.n == 0 && inv->log_bytes == 0 &&
               inv->fatal.code == TEA_OK;
  tea_invocation_end(inv, false, &rc, &err);
  if (rc == TEA_OK && !fired && quiet && p->init_fuel < a->limits.fuel &&
      (!inv->wasi || tea_wasi_pristine(inv->wasi)) && tea_wasm_snapshot_take(p->in, &p->snap, &err) == TEA_OK)
    return p;
  destroy(p);
  return NULL;
}

tea_pooled *tea_pool_take(tea_host *h, tea_actor *a) {
  if (!h->cfg.pool_size) return NULL;
  pthread_mutex_lock(&a->pool_lock);
  tea_pooled *p = a->unpoolable ? NULL : a->idle;
  bool build = !p && !a->unpoolable;
  if (p) {
    a->idle = p->next;
    a->nidle--;
  }
  pthread_mutex_unlock(&a->pool_lock);
  if (!build) return p;
  if ((p = make(h, a))) return p;
  /* not poolable (or the first build failed): fresh instances from now on,
     and the fresh path reports whatever went wrong */
  pthread_mutex_lock(&a->pool_lock);
  a->unpoolable = true;
  pthread_mutex_unlock(&a->pool_lock);
  return NULL;
}

void tea_pooled_arm(tea_pooled *p) {
  /* the budget left after the initializers, exactly as a fresh run has it */
  tea_wasm_store_set_fuel(p->inv.store, p->inv.actor->limits.fuel - p->init_fuel);
}

uint64_t tea_pooled_fuel_used(const tea_pooled *p) {
  return p->init_fuel + tea_wasm_store_fuel_used(p->inv.store);
}

void tea_pool_put(tea_host *h, tea_actor *a, tea_pooled *p, bool reusable) {
  tea_error err;
  /* reset now, not when next taken: nothing of this request stays in memory */
  if (!reusable || (p->inv.wasi && !tea_wasi_pristine(p->inv.wasi)) ||
      tea_wasm_snapshot_restore(p->in, p->snap, &err) != TEA_OK) {
    destroy(p);
    return;
  }
  pthread_mutex_lock(&a->pool_lock);
  if (!a->retired && a->nidle < h->cfg.pool_size) {
    p->next = a->idle;
    a->idle = p;
    a->nidle++;
    p = NULL;
  }
  pthread_mutex_unlock(&a->pool_lock);
  destroy(p);
}

void tea_pool_retire(tea_actor *a) {
  pthread_mutex_lock(&a->pool_lock);
  a->retired = true;
  tea_pooled *p = a->idle;
  a->idle = NULL;
  a->nidle = 0;
  pthread_mutex_unlock(&a->pool_lock);
  while (p) {
    tea_pooled *next = p->next;
    destroy(p);
    p = next;
  }
}

unsigned tea_actor_pooled(tea_actor *a) {
  pthread_mutex_lock(&a->pool_lock);
  unsigned n = a->nidle;
  pthread_mutex_unlock(&a->pool_lock);
  return n;
}
