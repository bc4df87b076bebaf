/* The trust layer asks its questions (is this runtime approved at height H,
 * which attestation key did this node register...) through tea_policy; a
 * node answers them from its verified copy of the ledger. */
#include <string.h>

#include "node/internal.h"

static tea_code head(void *ctx, uint64_t *height, tea_error *err) {
  uint64_t count = tea_ledger_count(ctx);
  if (count == 0) return tea_fail(err, TEA_ERR_STATE, "the ledger has no genesis block");
  *height = count - 1;
  return TEA_OK;
}

static tea_code block_hash(void *ctx, uint64_t height, uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  tea_cid cid;
  tea_code rc = tea_ledger_block_cid_at(ctx, height, &cid, err);
  if (rc == TEA_OK) memcpy(out, cid.digest, TEA_SHA256_LEN);
  return rc;
}

/* The ledger keeps the attestation key as bytes and an algorithm name. */
tea_code node_ak_from_record(const char *alg, const uint8_t *key, size_t len, tea_ak *ak,
                             tea_error *err) {
  memset(ak, 0, sizeof *ak);
  if (strcmp(alg, "ed25519-soft") == 0 || strcmp(alg, "ed25519") == 0) {
    ak->alg = TEA_AK_ED25519;
    ak->software = true;
    if (len != 32) return tea_fail(err, TEA_ERR_CRYPTO, "an Ed25519 attestation key has 32 bytes");
  } else if (strcmp(alg, "p256") == 0) {
    ak->alg = TEA_AK_P256;
    if (len != 65) return tea_fail(err, TEA_ERR_CRYPTO, "a P-256 attestation key has 65 bytes");
  } else {
    return tea_fail(err, TEA_ERR_CRYPTO, "unknown attestation key algorithm \"%s\"", alg);
  }
  ak->len = len;
  memcpy(ak->pub, key, len);
  return TEA_OK;
}

const char *node_ak_alg_name(const tea_ak *ak) {
  return ak->alg == TEA_AK_P256 ? "p256" : "ed25519-soft";
}

static tea_code registered_ak(void *ctx, const uint8_t node[TEA_ED25519_PK_LEN], tea_ak *ak,
                              tea_error *err) {
  uint64_t h = 0;
  tea_code rc = head(ctx, &h, err);
  tea_ledger_node rec;
  if (rc == TEA_OK) rc = tea_ledger_node_at(ctx, node, h, &rec, err);
  if (rc != TEA_OK) return rc;
  return node_ak_from_record(rec.ak_alg, rec.ak, rec.ak_len, ak, err);
}

static tea_code node_status(void *ctx, const uint8_t node[TEA_ED25519_PK_LEN], uint64_t height,
                            tea_peer_status *st, tea_error *err) {
  tea_ledger_node rec;
  tea_error e2;
  if (tea_ledger_node_at(ctx, node, height, &rec, &e2) != TEA_OK) {
    *st = TEA_PEER_UNREGISTERED;
    return TEA_OK;
  }
  (void)err;
  switch (rec.status) {
  case TEA_NODE_ACTIVE: *st = TEA_PEER_ACTIVE; break;
  case TEA_NODE_SUSPICIOUS: *st = TEA_PEER_SUSPICIOUS; break;
  case TEA_NODE_QUARANTINED: *st = TEA_PEER_QUARANTINED; break;
  case TEA_NODE_PENDING: *st = TEA_PEER_PENDING; break;
  }
  return TEA_OK;
}

static tea_code runtime(void *ctx, const uint8_t hash[TEA_SHA256_LEN], uint64_t height,
                        tea_approval *a, tea_error *err) {
  (void)err;
  tea_ledger_runtime r;
  tea_error e2;
  if (tea_ledger_runtime_at(ctx, hash, height, &r, &e2) != TEA_OK) *a = TEA_UNKNOWN;
  else *a = tea_ledger_runtime_valid(ctx, hash, height) ? TEA_APPROVED : TEA_RETIRED;
  return TEA_OK;
}

static tea_code actor(void *ctx, const char *name, const char *cid, uint64_t height,
                      tea_approval *a, tea_error *err) {
  (void)err;
  tea_ledger_actor rec;
  tea_error e2;
  *a = TEA_UNKNOWN;
  if (tea_ledger_actor_at(ctx, name, height, &rec, &e2) != TEA_OK) return TEA_OK;
  tea_cid want;
  if (tea_cid_parse_cstr(cid, &want, &e2) != TEA_OK) return TEA_OK;
  bool known = tea_cid_equal(&rec.cid, &want);
  /* during and after an upgrade, the old and the new code are both the
     actor's: nodes switch tier by tier, and their logs keep what they ran */
  tea_ledger_upgrade u;
  if (!known && tea_ledger_upgrade_at(ctx, name, height, &u, &e2) == TEA_OK)
    known = tea_cid_equal(&u.cid, &want) || tea_cid_equal(&u.old_cid, &want);
  if (known) *a = rec.retired ? TEA_RETIRED : TEA_APPROVED;
  return TEA_OK;
}

typedef struct find_provider {
  const uint8_t *hash;
  bool found;
} find_provider;

static bool match_provider(void *ctx, const tea_ledger_provider *p) {
  find_provider *f = ctx;
  for (uint32_t i = 0; i < p->n; i++)
    if (!p->a[i].is_cid && memcmp(p->a[i].hash, f->hash, TEA_SHA256_LEN) == 0) f->found = true;
  return !f->found;
}

static tea_code provider(void *ctx, const uint8_t hash[TEA_SHA256_LEN], uint64_t height,
                         tea_approval *a, tea_error *err) {
  (void)err;
  find_provider f = {hash, false};
  tea_ledger_each_provider(ctx, height, match_provider, &f);
  *a = f.found ? TEA_APPROVED : TEA_UNKNOWN;
  return TEA_OK;
}

/* The genesis has no "hardware TPMs only" parameter yet: software TPMs are
 * accepted, and their evidence still says what they are. */
static tea_code software_ok(void *ctx, uint64_t height, bool *ok, tea_error *err) {
  (void)ctx;
  (void)height;
  (void)err;
  *ok = true;
  return TEA_OK;
}

void node_policy_init(tea_policy *p, tea_ledger *ledger) {
  *p = (tea_policy){
      .ctx = ledger,
      .head = head,
      .block_hash = block_hash,
      .registered_ak = registered_ak,
      .node_status = node_status,
      .runtime = runtime,
      .actor = actor,
      .provider = provider,
      .software_tpm_allowed = software_ok,
  };
}

void tea_node_policy(tea_policy *p, tea_ledger *ledger) { node_policy_init(p, ledger); }
