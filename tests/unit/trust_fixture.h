/* A node for the trust tests: keys, a TPM (whichever backend the test opened), a
 * measured boot, and a policy table built from flags that each break one rule. */
#ifndef TEA_TEST_TRUST_FIXTURE_H
#define TEA_TEST_TRUST_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tea/trust.h"

#define FX_HEIGHT 10
#define FX_ACTOR "echo"
#define FX_CID "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"

typedef struct fx {
  char dir[64];
  tea_node_keys keys, attestor;
  tea_tpm *tpm;
  tea_eventlog log;
  uint8_t runtime[TEA_SHA256_LEN], provider[TEA_SHA256_LEN], config[TEA_SHA256_LEN];
  uint8_t blocks[FX_HEIGHT + 1][TEA_SHA256_LEN]; /* blocks[0] is the genesis */
} fx;

enum {
  P_NO_NODE = 1 << 0,
  P_OTHER_AK = 1 << 1,
  P_NO_SOFT = 1 << 2,
  P_NO_RUNTIME = 1 << 3,
  P_RETIRED_RUNTIME = 1 << 4,
  P_NO_ACTOR = 1 << 5,
  P_NO_PROVIDER = 1 << 6,
  P_QUARANTINED = 1 << 7,
  P_OTHER_GENESIS = 1 << 8,
  P_RETIRED_ACTOR = 1 << 9,
};

static inline void fx_hash(const char *s, uint8_t out[TEA_SHA256_LEN]) {
  if (tea_sha256(s, strlen(s), out, NULL) != TEA_OK) abort();
}

/* Keys and blocks; the caller opens f->tpm. */
static inline void fx_init(fx *f) {
  memset(f, 0, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/tea-trust-test-XXXXXX");
  if (!mkdtemp(f->dir)) abort();
  if (tea_node_keys_generate(&f->keys, NULL) || tea_node_keys_generate(&f->attestor, NULL)) abort();
  tea_eventlog_init(&f->log);
  fx_hash("teanode executable", f->runtime);
  fx_hash("provider: keyvalue", f->provider);
  fx_hash("teanode.ini", f->config);
  for (int i = 0; i <= FX_HEIGHT; i++) {
    char b[32];
    snprintf(b, sizeof b, "block %d", i);
    fx_hash(b, f->blocks[i]);
  }
}

/* What `teanode run` measures at start and as it loads code. */
static inline tea_code fx_boot(fx *f) {
  tea_code rc;
  if ((rc = tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_RUNTIME, f->runtime, "0.1.0", NULL)) ||
      (rc = tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_CONFIG, f->config, "teanode.ini", NULL)) ||
      (rc = tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_GENESIS, f->blocks[0], "genesis", NULL)) ||
      (rc = tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_PROVIDER, f->provider, "keyvalue", NULL)) ||
      (rc = tea_measure(f->tpm, &f->log, TEA_PCR_NODE, TEA_EV_ACTOR, f->blocks[1], FX_ACTOR " " FX_CID, NULL)))
    return rc;
  return TEA_OK;
}

static inline int fx_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static inline void fx_free(fx *f) {
  tea_tpm_close(f->tpm);
  f->tpm = NULL;
  tea_eventlog_free(&f->log);
  nftw(f->dir, fx_rm, 8, FTW_DEPTH | FTW_PHYS);
}

static inline tea_policy_table *fx_policy(fx *f, unsigned flags) {
  tea_policy_table *t;
  if (tea_policy_table_new(&t, NULL)) abort();
  for (uint64_t h = 0; h <= FX_HEIGHT; h++) {
    uint8_t b[TEA_SHA256_LEN];
    memcpy(b, f->blocks[h], sizeof b);
    if (h == 0 && (flags & P_OTHER_GENESIS)) b[0] ^= 1;
    if (tea_policy_table_add_block(t, h, b, NULL)) abort();
  }
  tea_ak ak;
  if (tea_tpm_ak_public(f->tpm, &ak, NULL)) abort();
  if (flags & P_OTHER_AK) ak.pub[ak.len - 1] ^= 1;
  if (!(flags & P_NO_NODE) &&
      tea_policy_table_add_node(t, f->keys.ed_pk, &ak, 0, (flags & P_QUARANTINED) ? 8 : UINT64_MAX, NULL))
    abort();
  tea_policy_table_allow_software(t, !(flags & P_NO_SOFT));
  if (!(flags & P_NO_RUNTIME) &&
      tea_policy_table_add_runtime(t, f->runtime, 0, (flags & P_RETIRED_RUNTIME) ? 5 : UINT64_MAX, NULL))
    abort();
  if (!(flags & P_NO_ACTOR) &&
      tea_policy_table_add_actor(t, FX_ACTOR, FX_CID, 2, (flags & P_RETIRED_ACTOR) ? 6 : UINT64_MAX, NULL))
    abort();
  if (!(flags & P_NO_PROVIDER) && tea_policy_table_add_provider(t, f->provider, 0, UINT64_MAX, NULL)) abort();
  return t;
}

#endif
