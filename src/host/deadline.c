/* The wall-clock deadline of an invocation: a timer thread that interrupts
 * the store when time is up. Fuel bounds the work a guest does; this bounds
 * the time, including time spent in host calls. */
#include <errno.h>
#include <time.h>

#include "host/internal.h"

uint64_t tea_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *watch(void *p) {
  tea_deadline *d = p;
  struct timespec at = {(time_t)(d->at_ns / 1000000000ull), (long)(d->at_ns % 1000000000ull)};
  pthread_mutex_lock(&d->mu);
  while (!d->done) {
    if (pthread_cond_timedwait(&d->cv, &d->mu, &at) == ETIMEDOUT) {
      if (!d->done) {
        d->fired = true;
        tea_wasm_store_interrupt(d->store);
      }
      break;
    }
  }
  pthread_mutex_unlock(&d->mu);
  return NULL;
}

tea_code tea_deadline_start(tea_deadline *d, tea_wasm_store *store, uint64_t at_ns, tea_error *err) {
  d->store = store;
  d->at_ns = at_ns;
  d->done = d->fired = false;
  d->running = false;
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&d->cv, &ca);
  pthread_condattr_destroy(&ca);
  pthread_mutex_init(&d->mu, NULL);
  if (pthread_create(&d->thread, NULL, watch, d) != 0) {
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    return tea_fail(err, TEA_ERR_NOMEM, "cannot start the deadline timer");
  }
  d->running = true;
  return TEA_OK;
}

bool tea_deadline_stop(tea_deadline *d) {
  if (!d->running) return false;
  pthread_mutex_lock(&d->mu);
  d->done = true;
  pthread_cond_signal(&d->cv);
  pthread_mutex_unlock(&d->mu);
  pthread_join(d->thread, NULL);
  pthread_cond_destroy(&d->cv);
  pthread_mutex_destroy(&d->mu);
  d->running = false;
  return d->fired;
}
