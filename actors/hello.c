/* hello: the smallest useful actor. "hello" answers "Hello, NAME!" for the
 * input NAME (or "world") and logs it through tea:log, which it must be
 * granted (calling a capability not granted stops the actor). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tea/actor.h"

static int hello(const uint8_t *in, size_t n) {
  char out[300];
  snprintf(out, sizeof out, "Hello, %.*s!", n ? (int)(n > 256 ? 256 : n) : 5, n ? (const char *)in : "world");
  tea_actor_call("tea:log", "info", out, strlen(out), NULL, NULL);
  return tea_actor_respond_str(out);
}

/* echo: the input back, unchanged (for size and binary tests). */
static int echo(const uint8_t *in, size_t n) { return tea_actor_respond(in, n); }

void tea_actor_init(void) {
  tea_actor_register("hello", hello);
  tea_actor_register("echo", echo);
}
