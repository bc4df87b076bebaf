/* Prints its arguments (not argv[0], which names the binary differently in
 * each runner) and its whole environment, sorted, then exits with status 3
 * so the runners' exit-status handling is compared too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv) {
  printf("argc %d\n", argc - 1);
  for (int i = 1; i < argc; i++) printf("arg %d [%s]\n", i, argv[i]);
  size_t n = 0;
  while (environ && environ[n]) n++;
  char **env = malloc((n + 1) * sizeof *env);
  if (!env) return 1;
  for (size_t i = 0; i < n; i++) env[i] = environ[i];
  qsort(env, n, sizeof *env, cmp);
  for (size_t i = 0; i < n; i++) printf("env [%s]\n", env[i]);
  const char *v = getenv("TEA_GREETING");
  printf("getenv %s\n", v ? v : "(unset)");
  free(env);
  return 3;
}
