/* A policy table from a JSON file, so `teanode verify` is usable before the ledger is
 * wired in. Format (docs/trust.md): head, allow_software_tpm, and lists of blocks,
 * nodes, runtimes, actors and providers with the heights they hold from/until. */
#include <string.h>

#include <jansson.h>

#include "trust/internal.h"

static tea_code get_hex(json_t *o, const char *key, uint8_t *out, size_t want, size_t *got, const char *where,
                        tea_error *err) {
  json_t *v = json_object_get(o, key);
  if (!json_is_string(v)) return tea_fail(err, TEA_ERR_INVALID, "policy: %s needs \"%s\" (hex)", where, key);
  size_t n;
  const char *s = json_string_value(v);
  if (tea_hex_decode(s, strlen(s), out, want, &n, NULL))
    return tea_fail(err, TEA_ERR_INVALID, "policy: %s.%s: not %zu bytes of hex", where, key, want);
  if (got) *got = n;
  else if (n != want) return tea_fail(err, TEA_ERR_INVALID, "policy: %s.%s: %zu bytes, want %zu", where, key, n, want);
  return TEA_OK;
}

/* A height: absent or null means `dflt`. */
static tea_code get_height(json_t *o, const char *key, uint64_t dflt, uint64_t *out, const char *where,
                           tea_error *err) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v)) {
    *out = dflt;
    return TEA_OK;
  }
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return tea_fail(err, TEA_ERR_INVALID, "policy: %s.%s must be a height", where, key);
  *out = (uint64_t)json_integer_value(v);
  return TEA_OK;
}

static tea_code get_text(json_t *o, const char *key, const char **out, const char *where, tea_error *err) {
  json_t *v = json_object_get(o, key);
  if (!json_is_string(v)) return tea_fail(err, TEA_ERR_INVALID, "policy: %s needs \"%s\"", where, key);
  *out = json_string_value(v);
  return TEA_OK;
}

static tea_code load_ak(json_t *o, tea_ak *ak, tea_error *err) {
  if (!json_is_object(o)) return tea_fail(err, TEA_ERR_INVALID, "policy: node needs an \"ak\" object");
  const char *alg = NULL;
  tea_code rc = get_text(o, "alg", &alg, "ak", err);
  if (rc) return rc;
  memset(ak, 0, sizeof *ak);
  if (strcmp(alg, "ed25519") == 0) ak->alg = TEA_AK_ED25519, ak->len = TEA_ED25519_PK_LEN;
  else if (strcmp(alg, "p256") == 0) ak->alg = TEA_AK_P256, ak->len = 65;
  else return tea_fail(err, TEA_ERR_INVALID, "policy: ak.alg \"%s\" (want ed25519 or p256)", alg);
  ak->software = json_is_true(json_object_get(o, "software"));
  return get_hex(o, "pub", ak->pub, ak->len, NULL, "ak", err);
}

static tea_code load(json_t *root, tea_policy_table *t, tea_error *err) {
  if (!json_is_object(root)) return tea_fail(err, TEA_ERR_INVALID, "policy: not a JSON object");
  /* A list that is not a list would otherwise read as empty: say so instead. */
  static const char *const all[] = {"blocks", "nodes", "runtimes", "actors", "providers"};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
    json_t *v = json_object_get(root, all[k]);
    if (v && !json_is_array(v)) return tea_fail(err, TEA_ERR_INVALID, "policy: \"%s\" must be a list", all[k]);
  }
  uint64_t u = 0;
  tea_code rc;
  tea_policy_table_allow_software(t, json_is_true(json_object_get(root, "allow_software_tpm")));
  size_t i;
  json_t *o;
  json_array_foreach(json_object_get(root, "blocks"), i, o) {
    uint8_t h[TEA_SHA256_LEN];
    if ((rc = get_height(o, "height", UINT64_MAX, &u, "block", err))) return rc;
    if (u == UINT64_MAX) return tea_fail(err, TEA_ERR_INVALID, "policy: block needs \"height\"");
    if ((rc = get_hex(o, "hash", h, sizeof h, NULL, "block", err)) ||
        (rc = tea_policy_table_add_block(t, u, h, err)))
      return rc;
  }
  json_array_foreach(json_object_get(root, "nodes"), i, o) {
    uint8_t id[TEA_ED25519_PK_LEN];
    tea_ak ak;
    uint64_t reg = 0, quar = 0;
    if ((rc = get_hex(o, "id", id, sizeof id, NULL, "node", err)) || (rc = load_ak(json_object_get(o, "ak"), &ak, err)) ||
        (rc = get_height(o, "registered", 0, &reg, "node", err)) ||
        (rc = get_height(o, "quarantined", UINT64_MAX, &quar, "node", err)) ||
        (rc = tea_policy_table_add_node(t, id, &ak, reg, quar, err)))
      return rc;
  }
  static const char *const lists[] = {"runtimes", "providers"};
  for (int l = 0; l < 2; l++)
    json_array_foreach(json_object_get(root, lists[l]), i, o) {
      uint8_t h[TEA_SHA256_LEN];
      uint64_t from = 0, until = 0;
      if ((rc = get_hex(o, "hash", h, sizeof h, NULL, lists[l], err)) ||
          (rc = get_height(o, "approved", 0, &from, lists[l], err)) ||
          (rc = get_height(o, "retired", UINT64_MAX, &until, lists[l], err)))
        return rc;
      rc = l == 0 ? tea_policy_table_add_runtime(t, h, from, until, err)
                  : tea_policy_table_add_provider(t, h, from, until, err);
      if (rc) return rc;
    }
  json_array_foreach(json_object_get(root, "actors"), i, o) {
    const char *name = NULL, *cid = NULL;
    uint64_t from = 0, until = 0;
    if ((rc = get_text(o, "name", &name, "actor", err)) || (rc = get_text(o, "cid", &cid, "actor", err)) ||
        (rc = get_height(o, "approved", 0, &from, "actor", err)) ||
        (rc = get_height(o, "retired", UINT64_MAX, &until, "actor", err)) ||
        (rc = tea_policy_table_add_actor(t, name, cid, from, until, err)))
      return rc;
  }
  /* An explicit head wins over the highest block listed. */
  json_t *head = json_object_get(root, "head");
  if (head) {
    if ((rc = get_height(root, "head", 0, &u, "policy", err))) return rc;
    tea_policy_table_set_head(t, u);
  }
  return TEA_OK;
}

tea_code tea_policy_table_load_json(const char *path, tea_policy_table **out, tea_error *err) {
  *out = NULL;
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!root) return tea_fail(err, TEA_ERR_MALFORMED, "%s:%d: %s", path, je.line, je.text);
  tea_policy_table *t;
  tea_code rc = tea_policy_table_new(&t, err);
  if (!rc) rc = load(root, t, err);
  json_decref(root);
  if (rc) {
    tea_policy_table_free(t);
    return rc;
  }
  *out = t;
  return TEA_OK;
}
