/* timeit: precise wall-clock timing for bench/run.sh.
 *
 *   timeit [-n RUNS] [-w WARMUP] [-t TIMEOUT_S] [-o PREFIX] -- CMD [ARGS...] [::: CMD [ARGS...]]...
 *
 * Runs each command RUNS times, interleaved (round 1: cmd 0, cmd 1, ...; round 2: ...),
 * after WARMUP untimed rounds. Wall time is measured with CLOCK_MONOTONIC around
 * fork/exec/wait4; peak RSS comes from wait4's rusage (ru_maxrss, KiB). A command's
 * standard output goes to PREFIX.K.out (K = its position from 0) and must be the same
 * on every run; its standard error goes to PREFIX.K.err. Without -o, output is
 * discarded. A command that exits non-zero, dies from a signal, exceeds the timeout or
 * prints different output is marked failed and not run again.
 *
 * Prints one line per command:
 *   cmd=K status=ok|exit:N|signal:N|timeout|unstable|exec runs=R median_ms=M min_ms=M max_ms=M maxrss_kib=N
 * Exits 0 when it could run the commands (even if some failed), 2 on usage errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXCMDS 16

typedef struct {
  char **argv;
  double *ms;
  int nms;
  long maxrss;
  char status[32];
  int failed;
} cmd_t;

static volatile sig_atomic_t timed_out;
static void on_alarm(int sig) {
  (void)sig;
  timed_out = 1;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int same_file(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  int same = fa && fb;
  while (same) {
    int ca = getc(fa), cb = getc(fb);
    if (ca != cb) same = 0;
    if (ca == EOF || cb == EOF) break;
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  return same;
}

/* Runs one command once. Returns 0 on success, otherwise fills status. */
static int run_once(cmd_t *c, const char *out_path, const char *err_path, int timeout_s,
                    double *ms, long *rss) {
  double t0 = now_ms();
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(c->status, sizeof c->status, "exec");
    return -1;
  }
  if (pid == 0) {
    setpgid(0, 0);
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execvp(c->argv[0], c->argv);
    dprintf(2, "timeit: cannot run %s: %s\n", c->argv[0], strerror(errno));
    _exit(127);
  }
  timed_out = 0;
  struct itimerval it = {{0, 0}, {timeout_s, 0}};
  setitimer(ITIMER_REAL, &it, NULL);
  int st = 0;
  struct rusage ru;
  for (;;) {
    pid_t r = wait4(pid, &st, 0, &ru);
    if (r == pid) break;
    if (r < 0 && errno == EINTR) {
      if (timed_out) kill(-pid, SIGKILL), kill(pid, SIGKILL);
      continue;
    }
    snprintf(c->status, sizeof c->status, "exec");
    return -1;
  }
  double t1 = now_ms();
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  *ms = t1 - t0;
  *rss = ru.ru_maxrss;
  if (timed_out) {
    snprintf(c->status, sizeof c->status, "timeout");
    return -1;
  }
  if (WIFSIGNALED(st)) {
    snprintf(c->status, sizeof c->status, "signal:%d", WTERMSIG(st));
    return -1;
  }
  if (WEXITSTATUS(st) != 0) {
    snprintf(c->status, sizeof c->status, "exit:%d", WEXITSTATUS(st));
    return -1;
  }
  return 0;
}

static void usage(void) {
  fprintf(stderr, "usage: timeit [-n RUNS] [-w WARMUP] [-t TIMEOUT_S] [-o PREFIX] -- CMD [ARGS...] "
                  "[::: CMD [ARGS...]]...\n");
  exit(2);
}

int main(int argc, char **argv) {
  int runs = 5, warmup = 0, timeout_s = 600;
  const char *prefix = NULL;
  int i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (i + 1 >= argc) usage();
    if (strcmp(argv[i], "-n") == 0) runs = atoi(argv[++i]);
    else if (strcmp(argv[i], "-w") == 0) warmup = atoi(argv[++i]);
    else if (strcmp(argv[i], "-t") == 0) timeout_s = atoi(argv[++i]);
    else if (strcmp(argv[i], "-o") == 0) prefix = argv[++i];
    else usage();
  }
  if (runs < 1 || warmup < 0 || timeout_s < 1 || i >= argc) usage();

  cmd_t cmds[MAXCMDS];
  int ncmds = 0;
  while (i < argc) {
    if (ncmds == MAXCMDS) usage();
    cmd_t *c = &cmds[ncmds++];
    memset(c, 0, sizeof *c);
    c->argv = &argv[i];
    while (i < argc && strcmp(argv[i], ":::") != 0) i++;
    if (&argv[i] == c->argv) usage(); /* empty command */
    if (i < argc) argv[i++] = NULL;   /* terminate this command's argv */
    c->ms = calloc((size_t)runs, sizeof(double));
    if (!c->ms) return 2;
    strcpy(c->status, "ok");
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm; /* no SA_RESTART: wait4 returns EINTR on timeout */
  sigaction(SIGALRM, &sa, NULL);

  for (int round = 0; round < warmup + runs; round++) {
    for (int k = 0; k < ncmds; k++) {
      cmd_t *c = &cmds[k];
      if (c->failed) continue;
      char out[4096], err[4096], first[4096];
      if (prefix) {
        snprintf(first, sizeof first, "%s.%d.out", prefix, k);
        snprintf(out, sizeof out, round == 0 ? "%s.%d.out" : "%s.%d.tmp", prefix, k);
        snprintf(err, sizeof err, "%s.%d.err", prefix, k);
      } else {
        strcpy(out, "/dev/null");
        strcpy(err, "/dev/null");
      }
      double ms;
      long rss;
      if (run_once(c, out, err, timeout_s, &ms, &rss) != 0) {
        c->failed = 1;
        continue;
      }
      if (prefix && round > 0) {
        if (!same_file(first, out)) {
          strcpy(c->status, "unstable");
          c->failed = 1;
          continue;
        }
        unlink(out);
      }
      if (rss > c->maxrss) c->maxrss = rss;
      if (round >= warmup) c->ms[c->nms++] = ms;
    }
  }

  for (int k = 0; k < ncmds; k++) {
    cmd_t *c = &cmds[k];
    double med = 0, mn = 0, mx = 0;
    if (c->nms > 0) {
      qsort(c->ms, (size_t)c->nms, sizeof(double), cmp_double);
      med = c->nms % 2 ? c->ms[c->nms / 2] : (c->ms[c->nms / 2 - 1] + c->ms[c->nms / 2]) / 2;
      mn = c->ms[0];
      mx = c->ms[c->nms - 1];
    }
    printf("cmd=%d status=%s runs=%d median_ms=%.3f min_ms=%.3f max_ms=%.3f maxrss_kib=%ld\n", k,
           c->status, c->nms, med, mn, mx, c->maxrss);
  }
  return 0;
}
