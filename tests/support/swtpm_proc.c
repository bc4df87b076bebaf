#include "swtpm_proc.h"

#include "tea/http.h"

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

static bool installed(const char *prog) {
  const char *path = getenv("PATH");
  if (!path) path = "/usr/bin:/bin";
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    char exe[4200];
    snprintf(exe, sizeof exe, "%s/%s", d, prog);
    if (access(exe, X_OK) == 0) return true;
  }
  return false;
}

bool tea_swtpm_installed(void) { return installed("swtpm"); }

/* SIGTERM, then SIGKILL after 2 s. */
static void stop_child(pid_t *pid) {
  if (*pid <= 0) return;
  kill(*pid, SIGTERM);
  for (int i = 0; i < 200; i++) {
    if (waitpid(*pid, NULL, WNOHANG) == *pid) {
      *pid = 0;
      return;
    }
    sleep_ms(10);
  }
  kill(*pid, SIGKILL);
  waitpid(*pid, NULL, 0);
  *pid = 0;
}

/* In the child: never outlive the parent, whatever happens to it; stderr to a log. */
static void child_setup(const char *log) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  FILE *lf = freopen(log, "a", stderr);
  (void)lf;
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
    char logf[160];
    snprintf(logf, sizeof logf, "%s/../swtpm.log", s->state);
    child_setup(logf);
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

void tea_swtpm_stop(tea_swtpm_proc *s) { stop_child(&s->pid); }

void tea_swtpm_tcti(const tea_swtpm_proc *s, char *out, size_t cap) {
  snprintf(out, cap, "swtpm:host=127.0.0.1,port=%d", s->port);
}

bool tea_etcd_installed(void) { return installed("etcd"); }

/* One member, short raft timers (a single member elects itself in about one election
 * timeout); ready when /health says so, which needs a leader. */
tea_code tea_etcd_start(tea_etcd_proc *e, tea_error *err) {
  if (!tea_etcd_installed())
    return tea_fail(err, TEA_ERR_NOT_FOUND, "etcd is not installed (scripts/deps.sh installs etcd-server)");
  int port = free_port_pair();
  if (port <= 0) return tea_fail(err, TEA_ERR_IO, "no two free loopback ports");
  char client[64], peer[64], cluster[80], logf[sizeof e->dir + 16];
  snprintf(client, sizeof client, "http://127.0.0.1:%d", port);
  snprintf(peer, sizeof peer, "http://127.0.0.1:%d", port + 1);
  snprintf(cluster, sizeof cluster, "bench=%s", peer);
  snprintf(logf, sizeof logf, "%s/../etcd.log", e->dir);
  snprintf(e->endpoint, sizeof e->endpoint, "%s", client);
  pid_t pid = fork();
  if (pid < 0) return tea_fail(err, TEA_ERR_IO, "fork failed");
  if (pid == 0) {
    child_setup(logf);
    execlp("etcd", "etcd", "--name", "bench", "--data-dir", e->dir, "--listen-client-urls", client,
           "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
           "--initial-cluster", cluster, "--initial-cluster-state", "new", "--heartbeat-interval", "50",
           "--election-timeout", "500", (char *)NULL);
    _exit(127);
  }
  e->pid = pid;
  char health[96];
  snprintf(health, sizeof health, "%s/health", client);
  for (int i = 0; i < 300; i++) { /* up to about 15 s on a loaded machine */
    tea_http_get_opts o = {.timeout_ms = 500};
    tea_http_answer a;
    tea_error ignored;
    if (can_connect(port) && tea_http_get(health, &o, &a, &ignored) == TEA_OK) {
      bool up = a.len && memmem(a.body, a.len, "\"true\"", 6);
      free(a.body);
      if (up) return TEA_OK;
    }
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      e->pid = 0;
      return tea_fail(err, TEA_ERR_IO, "etcd exited (status %d) before it was healthy (log: %s)", st, logf);
    }
    sleep_ms(50);
  }
  tea_etcd_stop(e);
  return tea_fail(err, TEA_ERR_IO, "etcd on port %d was not healthy within 15 s (log: %s)", port, logf);
}

void tea_etcd_stop(tea_etcd_proc *e) { stop_child(&e->pid); }
