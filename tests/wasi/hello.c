/* The smallest WASI program: the start-up cost benchmark and a smoke test. */
#include <stdio.h>

int main(void) {
  puts("Hello, world!");
  return 0;
}
