/* caller: calls another actor through tea:actor. "call" takes the target's
 * name as input and calls its "hello" operation with "caller"; only actors
 * its claims name (wascap "call") can be reached. */
#include <stdlib.h>

#include "tea/actor.h"

static int call(const uint8_t *in, size_t n) {
  (void)n;
  uint8_t *out;
  size_t len;
  int ok = tea_actor_call_actor((const char *)in, "hello", "caller", 6, &out, &len);
  int r = ok ? tea_actor_respond(out, len) : tea_actor_fail((const char *)out);
  free(out);
  return r;
}

void tea_actor_init(void) { tea_actor_register("call", call); }
