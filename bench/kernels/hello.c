/* Start-up benchmark: the smallest useful program. */
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
