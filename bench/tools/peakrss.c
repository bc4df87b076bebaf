/* peakrss: runs a command with its standard streams untouched and reports its peak
 * resident set size (from wait4's rusage), without depending on GNU time:
 *   peakrss CMD [ARGS...]     prints "maxrss_kib=N" on standard error
 * Exits with the command's exit status (128+signal if it was killed). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: peakrss CMD [ARGS...]\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("peakrss: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    fprintf(stderr, "peakrss: cannot run %s: %s\n", argv[1], strerror(errno));
    _exit(127);
  }
  int st;
  struct rusage ru;
  while (wait4(pid, &st, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("peakrss: wait4");
      return 2;
    }
  }
  fprintf(stderr, "maxrss_kib=%ld\n", ru.ru_maxrss);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return WEXITSTATUS(st);
}
