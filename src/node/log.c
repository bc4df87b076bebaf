/* The node's log: one JSON object per line (time, level, event, then the
 * event's fields), so operators can filter and ship it without parsing
 * prose. Actor output (tea:log lines, __console_log, WASI stdout/stderr)
 * comes through here too, tagged with the actor. One write(2) per line, under
 * a lock, so lines from different threads never interleave. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "node/internal.h"

static const char *const level_names[] = {"debug", "info", "warn", "error"};

bool node_log_level_parse(const char *s, node_log_level *out) {
  for (int i = 0; i < 4; i++)
    if (strcmp(s, level_names[i]) == 0) {
      *out = (node_log_level)i;
      return true;
    }
  return false;
}

/* Appends s as a JSON string; control bytes escaped, invalid UTF-8 passed as
   bytes is the caller's (actors' text is cut, not validated, here). */
static size_t put_json(char *out, size_t at, size_t cap, const char *s, size_t len) {
  if (at < cap) out[at] = '"';
  at++;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    char esc[8];
    const char *w = esc;
    size_t wl;
    if (ch == '"' || ch == '\\') {
      esc[0] = '\\', esc[1] = (char)ch, wl = 2;
    } else if (ch == '\n') {
      w = "\\n", wl = 2;
    } else if (ch < 0x20 || ch == 0x7f) {
      wl = (size_t)snprintf(esc, sizeof esc, "\\u%04x", ch);
    } else {
      esc[0] = (char)ch, wl = 1;
    }
    for (size_t k = 0; k < wl; k++, at++)
      if (at < cap) out[at] = w[k];
  }
  if (at < cap) out[at] = '"';
  return at + 1;
}

/* Writes the line into out (as much as fits in cap) and returns its whole length. */
static size_t build(char *out, size_t cap, const char *stamp, node_log_level level, const char *event,
                    const node_log_field *f, size_t nf) {
  size_t at = 0;
  static const char head[] = "{\"ts\":\"";
  for (const char *p = head; *p; p++, at++)
    if (at < cap) out[at] = *p;
  for (const char *p = stamp; *p; p++, at++)
    if (at < cap) out[at] = *p;
  char mid[48];
  int ml = snprintf(mid, sizeof mid, "\",\"level\":\"%s\",\"event\":", level_names[level]);
  for (int i = 0; i < ml; i++, at++)
    if (at < cap) out[at] = mid[i];
  at = put_json(out, at, cap, event, strlen(event));
  for (size_t i = 0; i < nf; i++) {
    if (at < cap) out[at] = ',';
    at++;
    at = put_json(out, at, cap, f[i].key, strlen(f[i].key));
    if (at < cap) out[at] = ':';
    at++;
    const char *v = f[i].value ? f[i].value : "";
    at = put_json(out, at, cap, v, f[i].len ? f[i].len : strlen(v));
  }
  if (at < cap) out[at] = '}';
  at++;
  if (at < cap) out[at] = '\n';
  return at + 1;
}

void node_log_kv(tea_node *n, node_log_level level, const char *event, const node_log_field *f, size_t nf) {
  if ((int)level < n->log_level) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char stamp[96];
  snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
  char small[2048];
  size_t len = build(small, sizeof small, stamp, level, event, f, nf);
  char *line = small;
  if (len > sizeof small) { /* a long actor line: measured, then written whole */
    if (!(line = malloc(len))) return;
    build(line, len, stamp, level, event, f, nf);
  }
  pthread_mutex_lock(&n->log_lock);
  ssize_t w = write(n->log_fd, line, len);
  pthread_mutex_unlock(&n->log_lock);
  (void)w; /* a full disk must not stop calls; nothing better to do here */
  if (line != small) free(line);
}

void node_log(tea_node *n, node_log_level level, const char *event, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  node_log_field f = {"msg", msg, 0};
  node_log_kv(n, level, event, &f, 1);
}

/* tea:log lines and actor console output */
void node_log_actor(void *user, const char *actor, const char *stream, const char *msg, size_t len) {
  tea_node *n = user;
  node_log_field f[3] = {{"actor", actor, 0}, {"stream", stream, 0}, {"msg", msg, len}};
  node_log_kv(n, NODE_LOG_INFO, "actor.log", f, len ? 3 : 2);
}
