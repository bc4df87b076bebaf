/* Measured start: the node measures what it is (its executable), how it is set up
 * (its configuration) and which ledger it follows (the genesis hash) before it
 * loads any actor, so that the first events of every log say so. */
#include <stdlib.h>
#include <string.h>

#include "trust/internal.h"

/* The kernel's link to the file this process runs from; reading it rather than
 * argv[0] means a renamed or relative invocation measures the right bytes. */
#define SELF_EXE "/proc/self/exe"

tea_code tea_runtime_hash(uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  uint8_t *buf;
  size_t len;
  tea_code rc = tea_trust_read_file(SELF_EXE, (size_t)1 << 30, &buf, &len, err);
  if (rc) return rc;
  rc = tea_sha256(buf, len, out, err);
  free(buf);
  return rc;
}

tea_code tea_measure_boot(tea_tpm *t, tea_eventlog *log, const char *version, const char *config_path,
                          const uint8_t genesis[TEA_SHA256_LEN], tea_error *err) {
  uint8_t d[TEA_SHA256_LEN];
  tea_code rc = tea_runtime_hash(d, err);
  if (!rc) rc = tea_measure(t, log, TEA_PCR_NODE, TEA_EV_RUNTIME, d, version ? version : "", err);
  if (!rc && config_path) {
    const char *slash = strrchr(config_path, '/');
    rc = tea_measure_file(t, log, TEA_EV_CONFIG, config_path, slash ? slash + 1 : config_path, err);
  }
  if (!rc && genesis) rc = tea_measure(t, log, TEA_PCR_NODE, TEA_EV_GENESIS, genesis, "genesis", err);
  return rc;
}
