/* The wall-clock deadline of an invocation: the process's one watchdog
 * thread interrupts the store when its time is up. Fuel bounds the work a
 * guest does; this bounds the time, including time spent in host calls.
 * A thread per invocation cost more than the rest of a small call. */
#include <errno.h>
#include <pthread.h>
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

static void *watch(void *unused) {
  (void)unused;
  pthread_mutex_lock(&mu);
  for (;;) {
    if (!active) {
      pthread_cond_wait(&cv, &mu);
      continue;
    }
    uint64_t now = tea_mono_ns();
    if (active->at_ns <= now) {
      tea_deadline *d = active;
      active = d->next;
      d->next = NULL;
      d->fired = true;
      tea_wasm_store_interrupt(d->store);
      continue;
    }
    struct timespec at = {(time_t)(active->at_ns / 1000000000ull), (long)(active->at_ns % 1000000000ull)};
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
  if (active == d) pthread_cond_signal(&cv); /* a new earliest deadline */
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
