/* counter: state in tea:keyvalue. "increment" adds the input (a decimal
 * number, default 1) to the counter and answers the new value; "get"
 * answers the current value; "fail_after_increment" increments and then
 * reports an error, so the write must not be committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tea/actor.h"

static int increment(const uint8_t *in, size_t n) {
  long long delta = n ? strtoll((const char *)in, NULL, 10) : 1, v;
  if (!tea_kv_increment("count", delta, &v)) return tea_actor_fail("keyvalue increment failed");
  char out[32];
  snprintf(out, sizeof out, "%lld", v);
  return tea_actor_respond_str(out);
}

static int get(const uint8_t *in, size_t n) {
  (void)in, (void)n;
  uint8_t *v;
  size_t len;
  if (!tea_kv_get("count", &v, &len)) {
    free(v);
    return tea_actor_respond_str("0");
  }
  int r = tea_actor_respond(v, len);
  free(v);
  return r;
}

static int fail_after_increment(const uint8_t *in, size_t n) {
  increment(in, n);
  return tea_actor_fail("failing on purpose after the increment");
}

void tea_actor_init(void) {
  tea_actor_register("increment", increment);
  tea_actor_register("get", get);
  tea_actor_register("fail_after_increment", fail_after_increment);
}
