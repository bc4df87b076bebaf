/* wasi_io: an actor that uses WASI: the clock ("time": realtime in ns),
 * randomness ("random": 16 bytes as hex) and stdout ("print": the input,
 * which lands in the node's log). Clock and random need the tea:clock and
 * tea:random grants: without them it does not even link. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tea/actor.h"

static int now(const uint8_t *in, size_t n) {
  (void)in, (void)n;
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return tea_actor_fail("no clock");
  char out[32];
  snprintf(out, sizeof out, "%lld", (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec);
  return tea_actor_respond_str(out);
}

static int random16(const uint8_t *in, size_t n) {
  (void)in, (void)n;
  unsigned char b[16];
  if (getentropy(b, sizeof b) != 0) return tea_actor_fail("no randomness");
  char out[33];
  for (int i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
  return tea_actor_respond_str(out);
}

static int print(const uint8_t *in, size_t n) {
  fwrite(in, 1, n, stdout);
  fflush(stdout);
  return tea_actor_respond_str("printed");
}

void tea_actor_init(void) {
  tea_actor_register("time", now);
  tea_actor_register("random", random16);
  tea_actor_register("print", print);
}
