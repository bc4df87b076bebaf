/* A swtpm or etcd process on loopback for tests and benchmarks (not part of
 * the library): free ports chosen by the kernel, started and stopped here,
 * never outliving its parent. */
#ifndef TEA_TEST_SWTPM_PROC_H
#define TEA_TEST_SWTPM_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "tea/error.h"

typedef struct tea_swtpm_proc {
  pid_t pid;
  int port;        /* server; the control port is port + 1 */
  char state[96];  /* the --tpmstate directory (its parent receives swtpm.log) */
} tea_swtpm_proc;

bool tea_swtpm_installed(void);
/* Starts swtpm (keeping s->port if it and port+1 are still free), waits until
 * it listens. */
tea_code tea_swtpm_start(tea_swtpm_proc *s, tea_error *err);
void tea_swtpm_stop(tea_swtpm_proc *s);
void tea_swtpm_tcti(const tea_swtpm_proc *s, char *out, size_t cap);

/* A single-member etcd: its data in dir (whose parent receives etcd.log). */
typedef struct tea_etcd_proc {
  pid_t pid;
  char dir[200];
  char endpoint[64]; /* http://127.0.0.1:PORT, set by start */
} tea_etcd_proc;

bool tea_etcd_installed(void);
/* Starts etcd and waits until it has a leader (GET /health). */
tea_code tea_etcd_start(tea_etcd_proc *e, tea_error *err);
void tea_etcd_stop(tea_etcd_proc *e);

#endif
