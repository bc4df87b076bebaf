/* The wall-clock deadline of an invocation: the process's one watchdog
 * thread interrupts the store when its time is up. Fuel bounds the work a
 * guest does; this bounds the time, including time spent in host calls.
 * A thread per invocation cost more than the rest of a small call. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "host/internal.h"

uint64_t tea_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static tea_deadline *active; /* sorted by at_ns, earliest first */
static bool started, start_failed;
/* When the watchdog next wakes by itself (UINT64_MAX: only when signalled).
 * A new deadline wakes it only if it is earlier than that: with a stream of
 * short calls each one would otherwise cost the watchdog a context switch. */
static uint64_t wake_at = UINT64_MAX;

static void *watch(void *unused) {
  (void)unused;
  pthread_mutex_lock(&mu);
  for (;;) {
    uint64_t now = tea_mono_ns();
    while (active && active->at_ns <= now) {
      tea_deadline *d = active;
      active = d->next;
      d->next = NULL;
      d->fired = true;
      tea_wasm_store_interrupt(d->store);
    }
    if (!active) {
      wake_at = UINT64_MAX;
      pthread_cond_wait(&cv, &mu);
      continue;
    }
    wake_at = active->at_ns;
    struct timespec at = {(time_t)(wake_at / 1000000000ull), (long)(wake_at % 1000000000ull)};
    pthread_cond_timedwait(&cv, &mu, &at);
  }
  return NULL;
}

static void start_watchdog(void) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&cv, &ca);
  pthread_condattr_destroy(&ca);
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  start_failed = pthread_create(&t, &attr, watch, NULL) != 0;
  pthread_attr_destroy(&attr);
  started = !start_failed;
}

tea_code tea_deadline_start(tea_deadline *d, tea_wasm_store *store, uint64_t at_ns, tea_error *err) {
  pthread_once(&once, start_watchdog);
  if (!started) return tea_fail(err, TEA_ERR_NOMEM, "cannot start the deadline timer");
  d->store = store;
  d->at_ns = at_ns;
  d->fired = false;
  pthread_mutex_lock(&mu);
  tea_deadline **p = &active;
  while (*p && (*p)->at_ns <= at_ns) p = &(*p)->next;
  d->next = *p;
  *p = d;
  d->running = true;
  if (at_ns < wake_at) { /* earlier than the watchdog will look */
    wake_at = at_ns;
    pthread_cond_signal(&cv);
  }
  pthread_mutex_unlock(&mu);
  return TEA_OK;
}

bool tea_deadline_stop(tea_deadline *d) {
  if (!d->running) return false;
  pthread_mutex_lock(&mu);
  for (tea_deadline **p = &active; *p; p = &(*p)->next)
    if (*p == d) {
      *p = d->next;
      break;
    }
  d->running = false;
  bool fired = d->fired;
  pthread_mutex_unlock(&mu);
  return fired;
}
