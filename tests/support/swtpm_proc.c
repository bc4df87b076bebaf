#include "swtpm_proc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool port_free(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return false;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(s, (struct sockaddr *)&a, sizeof a) == 0;
  close(s);
  return ok;
}

/* Two consecutive free ports (server, control): ask the kernel for one, check the next. */
static int free_port_pair(void) {
  for (int tries = 0; tries < 100; tries++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(s, (struct sockaddr *)&a, &len) != 0) {
      close(s);
      continue;
    }
    close(s);
    int p = ntohs(a.sin_port);
    if (p < 65535 && port_free(p) && port_free(p + 1)) return p;
  }
  return -1;
}

static bool can_connect(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
  close(s);
  return ok;
}

static void sleep_ms(int ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

bool tea_swtpm_installed(void) {
  const char *path = getenv("PATH");
  if (!path) path = "/usr/bin:/bin";
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    char exe[4200];
    snprintf(exe, sizeof exe, "%s/swtpm", d);
    if (access(exe, X_OK) == 0) return true;
  }
  return false;
}

tea_code tea_swtpm_start(tea_swtpm_proc *s, tea_error *err) {
  if (!tea_swtpm_installed())
    return tea_fail(err, TEA_ERR_NOT_FOUND, "swtpm is not installed (scripts/deps.sh installs swtpm and swtpm-tools)");
  if (s->port <= 0 || !port_free(s->port) || !port_free(s->port + 1)) s->port = free_port_pair();
  if (s->port <= 0) return tea_fail(err, TEA_ERR_IO, "no two free loopback ports");
  char server[64], ctrl[64], state[128];
  snprintf(server, sizeof server, "type=tcp,port=%d,bindaddr=127.0.0.1", s->port);
  snprintf(ctrl, sizeof ctrl, "type=tcp,port=%d,bindaddr=127.0.0.1", s->port + 1);
  snprintf(state, sizeof state, "dir=%s", s->state);
  pid_t pid = fork();
  if (pid < 0) return tea_fail(err, TEA_ERR_IO, "fork failed");
  if (pid == 0) {
    /* swtpm must not outlive its parent, whatever happens to it */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char logf[160];
    snprintf(logf, sizeof logf, "%s/../swtpm.log", s->state);
    FILE *lf = freopen(logf, "a", stderr);
    (void)lf;
    execlp("swtpm", "swtpm", "socket", "--tpm2", "--server", server, "--ctrl", ctrl, "--tpmstate", state, "--flags",
           "not-need-init,startup-clear", (char *)NULL);
    _exit(127);
  }
  s->pid = pid;
  for (int i = 0; i < 400; i++) { /* up to 4 s; it is usually ready in tens of ms */
    if (can_connect(s->port)) return TEA_OK;
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      s->pid = 0;
      return tea_fail(err, TEA_ERR_IO, "swtpm exited (status %d) before listening on port %d", st, s->port);
    }
    sleep_ms(10);
  }
  tea_swtpm_stop(s);
  return tea_fail(err, TEA_ERR_IO, "swtpm did not listen on port %d", s->port);
}

void tea_swtpm_stop(tea_swtpm_proc *s) {
  if (s->pid <= 0) return;
  kill(s->pid, SIGTERM);
  for (int i = 0; i < 200; i++) {
    if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
      s->pid = 0;
      return;
    }
    sleep_ms(10);
  }
  kill(s->pid, SIGKILL);
  waitpid(s->pid, NULL, 0);
  s->pid = 0;
}

void tea_swtpm_tcti(const tea_swtpm_proc *s, char *out, size_t cap) {
  snprintf(out, cap, "swtpm:host=127.0.0.1,port=%d", s->port);
}
