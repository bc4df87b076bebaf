/* The actor host: loading checks (CID, claims, grants, imports, measurement),
 * every hostile actor contained with the right error and the host still
 * serving afterwards, the waPC ABI with C actors and a bare waPC guest,
 * keyvalue commits, actor calls, and replay. Modules come from the build's
 * actors/ folder (ACTORS_DIR); claims are signed here with fresh keys. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "tea/hash.h"
#include "tea/host.h"

#define NOW 1800000000 /* the host's clock in these tests */

static tea_keypair issuer, subject, stranger;
static char issuer_pub[TEA_NKEY_LEN + 1], stranger_pub[TEA_NKEY_LEN + 1];

static uint8_t *read_actor(const char *name, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.wasm", ACTORS_DIR, name);
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc((size_t)n);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static bool have(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.wasm", ACTORS_DIR, name);
  return access(path, R_OK) == 0;
}

#define NEED(name)                                                     \
  do {                                                                 \
    if (!have(name)) {                                                 \
      print_message("# skipped: %s.wasm not built (no wasm32 clang)\n", name); \
      skip();                                                          \
    }                                                                  \
  } while (0)

/* ---- a host with counters ------------------------------------------------ */

typedef struct world {
  tea_host *host;
  int measured;
  uint8_t last_hash[32];
  char last_name[64];
  bool refuse_measure;
  char log[4096];
  size_t log_len;
  char state_dir[64];
  tea_blobstore *bs;
} world;

static tea_code measure(void *user, const uint8_t hash[32], const char *kind, const char *name, tea_error *err) {
  world *w = user;
  if (w->refuse_measure) return tea_fail(err, TEA_ERR_STATE, "PCR extend failed");
  assert_string_equal(kind, "actor");
  w->measured++;
  memcpy(w->last_hash, hash, 32);
  snprintf(w->last_name, sizeof w->last_name, "%s", name);
  return TEA_OK;
}

static void log_fn(void *user, const char *actor, const char *stream, const char *msg, size_t len) {
  world *w = user;
  int n = snprintf(w->log + w->log_len, sizeof w->log - w->log_len, "%s/%s:%.*s\n", actor, stream, (int)len, msg);
  if (n > 0 && (size_t)n < sizeof w->log - w->log_len) w->log_len += (size_t)n;
}

static void kv_log(void *user, const char *actor, const char *level, const char *msg, size_t len) {
  log_fn(user, actor, level, msg, len);
}

static int64_t fixed_now(void *user) {
  (void)user;
  return NOW;
}

static tea_code fixed_clock(void *user, uint32_t id, uint64_t *ns) {
  (void)user, (void)id;
  *ns = (uint64_t)NOW * 1000000000ull + 42;
  return TEA_OK;
}

/* Providers that only take up places (more than an invocation keeps inline:
 * the real ones after them get session slots past those). */
static tea_code pad_call(void *self, void *session, const tea_provider_ctx *ctx, const char *op,
                         const uint8_t *req, size_t req_len, uint8_t **resp, size_t *resp_len, tea_error *err) {
  (void)self, (void)session, (void)ctx, (void)op, (void)req, (void)req_len, (void)resp, (void)resp_len;
  return tea_fail(err, TEA_ERR_STATE, "padding");
}
static const tea_provider_ops pad_ops[] = {
    {.capability = "test:pad1", .call = pad_call}, {.capability = "test:pad2", .call = pad_call},
    {.capability = "test:pad3", .call = pad_call}, {.capability = "test:pad4", .call = pad_call},
    {.capability = "test:pad5", .call = pad_call}, {.capability = "test:pad6", .call = pad_call},
    {.capability = "test:pad7", .call = pad_call}, {.capability = "test:pad8", .call = pad_call}};

static int setup_world_with(void **state, uint32_t pool_size, bool padded);
static int setup_world_with_pool(void **state, uint32_t pool_size) { return setup_world_with(state, pool_size, false); }

static int setup_world_with(void **state, uint32_t pool_size, bool padded) {
  world *w = calloc(1, sizeof *w);
  tea_host_config cfg = {.measure = measure, .measure_user = w, .log = log_fn, .log_user = w, .now = fixed_now,
                         .pool_size = pool_size};
  tea_error err;
  assert_int_equal(tea_host_new(&cfg, &w->host, &err), TEA_OK);
  snprintf(w->state_dir, sizeof w->state_dir, "/tmp/tea-test-host-XXXXXX");
  assert_non_null(mkdtemp(w->state_dir));
  char blobs[128];
  snprintf(blobs, sizeof blobs, "%s/blobs", w->state_dir);
  assert_int_equal(tea_blobstore_open(&w->bs, blobs, 0, &err), TEA_OK);
  tea_provider *p;
  for (size_t i = 0; padded && i < sizeof pad_ops / sizeof *pad_ops; i++) {
    assert_non_null(p = malloc(sizeof *p)); /* freed by the host, as tea_provider_free does */
    *p = (tea_provider){&pad_ops[i], NULL};
    assert_int_equal(tea_host_add_provider(w->host, p, &err), TEA_OK);
  }
  assert_int_equal(tea_provider_log_new(kv_log, w, 0, &p, &err), TEA_OK);
  assert_int_equal(tea_host_add_provider(w->host, p, &err), TEA_OK);
  assert_int_equal(tea_provider_keyvalue_new(w->state_dir, NULL, &p, &err), TEA_OK);
  assert_int_equal(tea_host_add_provider(w->host, p, &err), TEA_OK);
  assert_int_equal(tea_provider_clock_new(fixed_clock, NULL, &p, &err), TEA_OK);
  assert_int_equal(tea_host_add_provider(w->host, p, &err), TEA_OK);
  assert_int_equal(tea_provider_random_new(0, &p, &err), TEA_OK);
  assert_int_equal(tea_host_add_provider(w->host, p, &err), TEA_OK);
  assert_int_equal(tea_provider_blobstore_new(w->bs, 0, &p, &err), TEA_OK);
  assert_int_equal(tea_host_add_provider(w->host, p, &err), TEA_OK);
  assert_int_equal(tea_provider_actor_new(&p, &err), TEA_OK);
  assert_int_equal(tea_host_add_provider(w->host, p, &err), TEA_OK);
  *state = w;
  return 0;
}

static int setup_world(void **state) { return setup_world_with_pool(state, 0); }
/* The same tests again with an instance pool: every containment and every
 * answer must be the same as with fresh instances. */
static int setup_world_pooled(void **state) { return setup_world_with_pool(state, 4); }
/* Fourteen providers: sessions past the invocation's inline slots. */
static int setup_world_padded(void **state) { return setup_world_with(state, 0, true); }

static int teardown_world(void **state) {
  world *w = *state;
  tea_host_free(w->host);
  tea_blobstore_close(w->bs);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", w->state_dir);
  if (system(cmd) != 0) return -1;
  free(w);
  return 0;
}

/* ---- signing and loading ------------------------------------------------- */

typedef struct actor_opts {
  const char *const *claimed;
  size_t nclaimed;
  const char *const *approved;
  size_t napproved;
  const char *const *call;
  size_t ncall;
  uint64_t rev, min_rev;
  int64_t exp, nbf;
  const tea_keypair *signer;
  const char *allowed_issuer;
  tea_actor_limits limits;
} actor_opts;

static uint8_t *sign(const uint8_t *bytes, size_t len, const char *name, const actor_opts *o, size_t *out_len) {
  tea_claims_spec spec = {.name = name, .ver = "1.0.0", .caps = o->claimed, .ncaps = o->nclaimed,
                          .call = o->call, .ncall = o->ncall, .rev = o->rev, .iat = NOW - 100,
                          .exp = o->exp, .nbf = o->nbf};
  uint8_t *out;
  tea_error err;
  assert_int_equal(tea_claims_sign(bytes, len, &spec, o->signer ? o->signer : &issuer, &subject, &out, out_len, &err),
                   TEA_OK);
  return out;
}

static tea_actor_record record_for(const char *name, const uint8_t *bytes, size_t len, const actor_opts *o,
                                   const char **issuers) {
  tea_actor_record r;
  memset(&r, 0, sizeof r);
  r.name = name;
  tea_error err;
  assert_int_equal(tea_cid_of(TEA_CODEC_RAW, bytes, len, &r.cid, &err), TEA_OK);
  issuers[0] = o->allowed_issuer ? o->allowed_issuer : issuer_pub;
  r.issuers = issuers;
  r.nissuers = 1;
  r.caps = o->approved;
  r.ncaps = o->napproved;
  r.min_rev = o->min_rev;
  r.limits = o->limits;
  return r;
}

/* Signs module `file` as actor `name` and loads it; returns the load's code. */
static tea_code load_as(world *w, const char *file, const char *name, const actor_opts *o, tea_actor **out,
                        tea_error *err) {
  size_t len, slen;
  uint8_t *bytes = read_actor(file, &len);
  uint8_t *signed_ = sign(bytes, len, name, o, &slen);
  const char *issuers[1];
  tea_actor_record r = record_for(name, signed_, slen, o, issuers);
  tea_code rc = tea_host_load(w->host, signed_, slen, &r, out, err);
  free(bytes);
  free(signed_);
  return rc;
}

static tea_actor *must_load(world *w, const char *file, const char *name, const actor_opts *o) {
  tea_actor *a = NULL;
  tea_error err;
  tea_code rc = load_as(w, file, name, o, &a, &err);
  if (rc != TEA_OK) fail_msg("load %s: %s", file, err.msg);
  return a;
}

static tea_code invoke(world *w, tea_actor *a, const char *op, const char *input, tea_invoke_result *r,
                       tea_error *err) {
  return tea_host_invoke(w->host, a, op, (const uint8_t *)input, input ? strlen(input) : 0, r, err);
}

static void assert_output(const tea_invoke_result *r, const char *want) {
  assert_false(r->guest_error);
  assert_int_equal(r->output_len, strlen(want));
  assert_memory_equal(r->output, want, r->output_len);
}

/* The host still serves after whatever an actor did. */
static void assert_host_unharmed(world *w) {
  if (!have("hello")) return;
  tea_actor *a = tea_host_find(w->host, "hello-check");
  if (!a) {
    static const char *const log[] = {"tea:log"};
    actor_opts o = {.claimed = log, .nclaimed = 1, .approved = log, .napproved = 1};
    a = must_load(w, "hello", "hello-check", &o);
  }
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "hello", "again", &r, &err), TEA_OK);
  assert_output(&r, "Hello, again!");
  tea_invoke_result_free(&r);
}

static const char *const CAP_LOG[] = {"tea:log"};
static const char *const CAP_KV[] = {"tea:keyvalue"};

/* ---- keys ---------------------------------------------------------------- */

static void test_nkeys(void **state) {
  (void)state;
  tea_error err;
  char seed[TEA_NKEY_SEED_LEN + 1], pub[TEA_NKEY_LEN + 1], pub2[TEA_NKEY_LEN + 1];
  tea_keypair_seed(&issuer, seed);
  tea_keypair_public(&issuer, pub);
  assert_int_equal(seed[0], 'S');
  assert_int_equal(seed[1], 'A');
  assert_int_equal(pub[0], 'A');
  assert_int_equal(strlen(pub), TEA_NKEY_LEN);
  tea_keypair back;
  assert_int_equal(tea_keypair_from_seed(seed, &back, &err), TEA_OK);
  tea_keypair_public(&back, pub2);
  assert_string_equal(pub, pub2);
  assert_int_equal(back.kind, TEA_NKEY_ACCOUNT);
  uint8_t pk[32];
  assert_int_equal(tea_nkey_decode_public(pub, TEA_NKEY_ACCOUNT, pk, &err), TEA_OK);
  assert_memory_equal(pk, issuer.pk, 32);
  char again[TEA_NKEY_LEN + 1];
  tea_nkey_encode_public(TEA_NKEY_ACCOUNT, pk, again);
  assert_string_equal(again, pub);
  /* wrong kind, bad checksum, bad length, lower case */
  assert_int_equal(tea_nkey_decode_public(pub, TEA_NKEY_MODULE, pk, &err), TEA_ERR_MALFORMED);
  pub2[10] = pub2[10] == 'B' ? 'C' : 'B';
  assert_int_equal(tea_nkey_decode_public(pub2, TEA_NKEY_ACCOUNT, pk, &err), TEA_ERR_MALFORMED);
  assert_int_equal(tea_nkey_decode_public("AAAA", TEA_NKEY_ACCOUNT, pk, &err), TEA_ERR_MALFORMED);
  char lower[TEA_NKEY_LEN + 1];
  snprintf(lower, sizeof lower, "%s", pub);
  lower[5] = 'a';
  assert_int_not_equal(tea_nkey_decode_public(lower, TEA_NKEY_ACCOUNT, pk, &err), TEA_OK);
  tea_keypair mod;
  tea_keypair_seed(&subject, seed);
  assert_int_equal(seed[1], 'M');
  assert_int_equal(tea_keypair_from_seed(seed, &mod, &err), TEA_OK);
  assert_int_equal(mod.kind, TEA_NKEY_MODULE);
}

/* A key made by the NATS nkeys library (nkeys.js 1.1.0), and its signature of
 * "tea": the same text forms and signatures as wasmCloud's tools. */
static void test_nkeys_interop_vector(void **state) {
  (void)state;
  tea_keypair kp;
  tea_error err;
  assert_int_equal(tea_keypair_from_seed("SAAG6765HQNQ3YIBLIZY5KSIVNZNMTRW7OTRI5FKEDPIMTJYUQKIA7H5GU", &kp, &err), TEA_OK);
  char pub[TEA_NKEY_LEN + 1], hex[65];
  tea_keypair_public(&kp, pub);
  assert_string_equal(pub, "ACM7K6JNKYQQMAZSK2EHL6EBOC35WI6JWNGM7AV4TDCJOUXZ637FJF2T");
  tea_hex_encode(kp.seed, 32, hex);
  assert_string_equal(hex, "6f7fdd3c1b0de1015a338eaa48ab72d64e36fba71474aa20de864d38a414807c");
  uint8_t sig[64];
  assert_int_equal(crypto_sign_detached(sig, NULL, (const uint8_t *)"tea", 3, kp.sk), 0);
  char sig_hex[129];
  tea_hex_encode(sig, 64, sig_hex);
  assert_string_equal(sig_hex, "8f47008d35bed1f371e9c437d1e7416fee15e302d87ac664a3e35de923f0cf65"
                               "6ba056bd84e4ecdf55c5dcbc39157a2f798ed60cee8c2f76e4cf40ec5e85a807");
}

/* ---- loading ------------------------------------------------------------- */

static void test_load_and_run_hello(void **state) {
  NEED("hello");
  world *w = *state;
  actor_opts o = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1};
  size_t len, slen;
  uint8_t *bytes = read_actor("hello", &len);
  uint8_t *signed_ = sign(bytes, len, "hello", &o, &slen);
  const char *issuers[1];
  tea_actor_record rec = record_for("hello", signed_, slen, &o, issuers);
  tea_actor *a;
  tea_error err;
  int before = w->measured;
  assert_int_equal(tea_host_load(w->host, signed_, slen, &rec, &a, &err), TEA_OK);
  /* measured before it ran, with the hash of the exact bytes */
  assert_int_equal(w->measured, before + 1);
  uint8_t h[32];
  assert_int_equal(tea_sha256(signed_, slen, h, &err), TEA_OK);
  assert_memory_equal(h, w->last_hash, 32);
  assert_string_equal(w->last_name, "hello");
  assert_ptr_equal(tea_host_find(w->host, "hello"), a);
  assert_int_equal(tea_actor_grant_count(a), 1);
  assert_string_equal(tea_actor_grant(a, 0), "tea:log");
  const tea_claims *c = tea_actor_claims(a);
  assert_string_equal(c->name, "hello");
  assert_string_equal(c->issuer, issuer_pub);

  tea_invoke_result r;
  assert_int_equal(invoke(w, a, "hello", "tea", &r, &err), TEA_OK);
  assert_output(&r, "Hello, tea!");
  assert_int_equal(r.host_calls, 1);
  assert_true(r.fuel_used > 0);
  assert_non_null(strstr(w->log, "hello/info:Hello, tea!"));
  uint8_t want[32];
  tea_sha256("Hello, tea!", 11, want, &err);
  assert_memory_equal(r.output_hash, want, 32);
  tea_sha256(r.transcript, r.transcript_len, want, &err);
  assert_memory_equal(r.transcript_hash, want, 32);
  tea_invoke_result_free(&r);
  /* unknown operation: the actor's own error, reported, not a host failure */
  assert_int_equal(invoke(w, a, "nope", "", &r, &err), TEA_OK);
  assert_true(r.guest_error);
  assert_non_null(strstr((const char *)r.output, "unknown operation"));
  tea_invoke_result_free(&r);
  free(bytes);
  free(signed_);
}

/* The C SDK reads small requests onto the guest's stack and larger ones into
 * the heap (actors/sdk/actor.c): inputs and operation names on both sides of
 * each boundary come back whole. */
static void test_sdk_requests_of_every_size(void **state) {
  NEED("hello");
  world *w = *state;
  actor_opts o = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1};
  tea_actor *a = must_load(w, "hello", "sizes", &o);
  static const size_t sizes[] = {0, 1, 63, 64, 65, 256, 511, 512, 513, 5000};
  char *input = malloc(5001);
  assert_non_null(input);
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    size_t n = sizes[k];
    for (size_t i = 0; i < n; i++) input[i] = (char)('a' + (i * 7 + n) % 26);
    input[n] = 0;
    tea_invoke_result r;
    tea_error err;
    assert_int_equal(invoke(w, a, "echo", input, &r, &err), TEA_OK);
    assert_output(&r, input);
    tea_invoke_result_free(&r);
    /* as an operation name (the host takes 1..256 bytes): unknown, and named */
    if (n == 0 || n > 256) continue;
    assert_int_equal(invoke(w, a, input, "", &r, &err), TEA_OK);
    assert_true(r.guest_error);
    char want[300];
    snprintf(want, sizeof want, "unknown operation %.*s", n < 200 ? (int)n : 200, input);
    assert_true(r.output_len >= strlen(want));
    assert_memory_equal(r.output, want, strlen(want));
    tea_invoke_result_free(&r);
  }
  free(input);
}

static void test_tampered_bytes(void **state) {
  NEED("hello");
  world *w = *state;
  actor_opts o = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1};
  size_t len, slen;
  uint8_t *bytes = read_actor("hello", &len);
  uint8_t *signed_ = sign(bytes, len, "tampered", &o, &slen);
  const char *issuers[1];
  tea_actor_record rec = record_for("tampered", signed_, slen, &o, issuers);
  tea_error err;
  tea_actor *a;
  int before = w->measured;
  /* a byte changed after the ledger recorded the CID */
  signed_[slen / 3] ^= 0x01;
  assert_int_equal(tea_host_load(w->host, signed_, slen, &rec, &a, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "not the registered"));
  /* the same bytes registered under their new CID: the claims' hash catches it */
  rec = record_for("tampered", signed_, slen, &o, issuers);
  assert_int_equal(tea_host_load(w->host, signed_, slen, &rec, &a, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "module hash mismatch"));
  /* no claims at all */
  rec = record_for("tampered", bytes, len, &o, issuers);
  assert_int_equal(tea_host_load(w->host, bytes, len, &rec, &a, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "no signed claims"));
  assert_int_equal(w->measured, before); /* nothing refused was measured */
  assert_null(tea_host_find(w->host, "tampered"));
  free(bytes);
  free(signed_);
  assert_host_unharmed(w);
}

/* Finds the JWT at the end of a signed module (the section is appended). */
static char *jwt_of(uint8_t *m, size_t len) {
  for (size_t i = len; i > 3; i--)
    if (memcmp(m + i - 3, "jwt", 3) == 0) return (char *)m + i;
  fail_msg("no jwt section");
  return NULL;
}

static void test_bad_signature_and_alg(void **state) {
  NEED("hello");
  world *w = *state;
  actor_opts o = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1};
  size_t len, slen;
  uint8_t *bytes = read_actor("hello", &len);
  uint8_t *signed_ = sign(bytes, len, "forged", &o, &slen);
  signed_ = realloc(signed_, slen + 1); /* the JWT is last: terminate it for str* */
  signed_[slen] = 0;
  char *jwt = jwt_of(signed_, slen);
  char *sig = strrchr(jwt, '.') + 1;
  const char *issuers[1];
  tea_error err;
  tea_actor *a;
  sig[10] = sig[10] == 'A' ? 'B' : 'A';
  tea_actor_record rec = record_for("forged", signed_, slen, &o, issuers);
  assert_int_equal(tea_host_load(w->host, signed_, slen, &rec, &a, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "bad signature"));
  sig[10] = sig[10] == 'A' ? 'B' : 'A';
  /* alg "none" (same length as the original header is not needed: we
   * rebuild the section) */
  char *dot = strchr(jwt, '.');
  size_t jl = slen - (size_t)(jwt - (char *)signed_);
  char forged[4096];
  /* base64url of {"typ":"jwt","alg":"none"} */
  snprintf(forged, sizeof forged, "eyJ0eXAiOiJqd3QiLCJhbGciOiJub25lIn0%.*s", (int)(jl - (size_t)(dot - jwt)), dot);
  uint8_t *stripped;
  size_t stripped_len;
  /* rebuild: original unsigned module + custom section with the forged JWT */
  size_t fl = strlen(forged);
  stripped_len = len + 1 + 5 + 1 + 3 + fl;
  stripped = malloc(stripped_len);
  memcpy(stripped, bytes, len);
  size_t p = len;
  stripped[p++] = 0;
  uint32_t size = (uint32_t)(1 + 3 + fl);
  for (int i = 0; i < 5; i++) stripped[p++] = (uint8_t)((size >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0);
  stripped[p++] = 3;
  memcpy(stripped + p, "jwt", 3), p += 3;
  memcpy(stripped + p, forged, fl);
  rec = record_for("forged", stripped, stripped_len, &o, issuers);
  assert_int_equal(tea_host_load(w->host, stripped, stripped_len, &rec, &a, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "algorithm must be Ed25519"));
  free(stripped);
  free(bytes);
  free(signed_);
  assert_host_unharmed(w);
}

static void test_claim_time_issuer_revision(void **state) {
  NEED("hello");
  world *w = *state;
  tea_error err;
  tea_actor *a;
  actor_opts o = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1, .exp = NOW - 1};
  assert_int_equal(load_as(w, "hello", "old", &o, &a, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "expired"));
  o.exp = NOW + 3600;
  o.nbf = NOW + 60;
  assert_int_equal(load_as(w, "hello", "early", &o, &a, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "not valid before"));
  o.nbf = NOW - 60;
  assert_int_equal(load_as(w, "hello", "timely", &o, &a, &err), TEA_OK);
  /* signed by a key the record does not allow */
  actor_opts s = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1, .signer = &stranger};
  assert_int_equal(load_as(w, "hello", "strange", &s, &a, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "is not allowed"));
  s.allowed_issuer = stranger_pub; /* ...unless the ledger allows that signer */
  assert_int_equal(load_as(w, "hello", "strange", &s, &a, &err), TEA_OK);
  /* rollback: revision 3 when the registry has seen 5 */
  actor_opts r = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1, .rev = 3, .min_rev = 5};
  assert_int_equal(load_as(w, "hello", "rolled", &r, &a, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "rollback"));
  r.rev = 5;
  assert_int_equal(load_as(w, "hello", "rolled", &r, &a, &err), TEA_OK);
  assert_int_equal(tea_actor_claims(a)->rev, 5);
  /* the trust layer refuses to measure: no load */
  w->refuse_measure = true;
  assert_int_equal(load_as(w, "hello", "unmeasured", &o, &a, &err), TEA_ERR_STATE);
  assert_non_null(strstr(err.msg, "measurement refused"));
  w->refuse_measure = false;
  assert_null(tea_host_find(w->host, "unmeasured"));
  assert_host_unharmed(w);
}

/* ---- grants ---------------------------------------------------------------- */

static void test_claimed_but_not_approved(void **state) {
  NEED("counter");
  world *w = *state;
  static const char *const both[] = {"tea:log", "tea:keyvalue"};
  actor_opts o = {.claimed = both, .nclaimed = 2, .approved = CAP_LOG, .napproved = 1};
  tea_actor *a = must_load(w, "counter", "greedy", &o);
  assert_int_equal(tea_actor_grant_count(a), 1);
  assert_false(tea_actor_granted(a, "tea:keyvalue"));
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "increment", "", &r, &err), TEA_ERR_STATE);
  assert_non_null(strstr(err.msg, "tea:keyvalue"));
  assert_non_null(strstr(err.msg, "not granted"));
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

static void test_undeclared_capability(void **state) {
  world *w = *state;
  /* approved by the ledger but never claimed: still not granted */
  actor_opts o = {.approved = CAP_KV, .napproved = 1};
  tea_actor *a = must_load(w, "undeclared", "undeclared", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "x", "", &r, &err), TEA_ERR_STATE);
  assert_non_null(strstr(err.msg, "tea:keyvalue"));
  assert_int_equal(r.transcript_len > 0, 1);
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

static void test_link_time_grants(void **state) {
  world *w = *state;
  static const char *const rnd[] = {"tea:random"};
  tea_actor *a;
  tea_error err;
  actor_opts o = {.claimed = rnd, .nclaimed = 1};
  assert_int_equal(load_as(w, "random_import", "rnd", &o, &a, &err), TEA_ERR_LINK);
  assert_non_null(strstr(err.msg, "tea:random"));
  assert_non_null(strstr(err.msg, "random_get"));
  assert_null(tea_host_find(w->host, "rnd"));
  o.approved = rnd;
  o.napproved = 1;
  assert_int_equal(load_as(w, "random_import", "rnd", &o, &a, &err), TEA_OK);
  tea_invoke_result r;
  assert_int_equal(invoke(w, a, "x", "", &r, &err), TEA_OK);
  assert_int_equal(r.output_len, 8);
  assert_int_equal(r.host_calls, 1);
  tea_invoke_result_free(&r);
  /* sleeping would outlast the deadline: never linked, whatever the grants */
  static const char *const clk[] = {"tea:clock"};
  actor_opts sleepy = {.claimed = clk, .nclaimed = 1, .approved = clk, .napproved = 1};
  assert_int_equal(load_as(w, "sleeper", "sleeper", &sleepy, &a, &err), TEA_ERR_LINK);
  assert_non_null(strstr(err.msg, "poll_oneoff"));
  actor_opts none = {0};
  assert_int_equal(load_as(w, "env_import", "env", &none, &a, &err), TEA_ERR_LINK);
  assert_non_null(strstr(err.msg, "env::system"));
  /* a WASI name preview 1 does not have: refused at load, named */
  assert_int_equal(load_as(w, "unknown_wasi", "unknown", &none, &a, &err), TEA_ERR_LINK);
  assert_non_null(strstr(err.msg, "wasi_snapshot_preview1::fd_teleport"));
  assert_host_unharmed(w);
}

/* ---- hostile actors --------------------------------------------------------- */

static void test_infinite_loop(void **state) {
  world *w = *state;
  actor_opts o = {.limits = {.fuel = 100000}};
  tea_actor *a = must_load(w, "loop", "loop", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "spin", "", &r, &err), TEA_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "out of fuel"));
  assert_true(r.fuel_used >= 100000);
  tea_invoke_result_free(&r);
  /* plenty of fuel: the wall-clock deadline stops it */
  actor_opts d = {.limits = {.fuel = UINT64_MAX / 2, .deadline_ms = 100}};
  a = must_load(w, "loop", "loop-deadline", &d);
  assert_int_equal(invoke(w, a, "spin", "", &r, &err), TEA_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "deadline of 100 ms exceeded"));
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

static void test_memory_bomb(void **state) {
  world *w = *state;
  actor_opts o = {.limits = {.memory_pages = 64}};
  tea_actor *a = must_load(w, "membomb", "membomb", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "boom", "", &r, &err), TEA_ERR_NOMEM);
  assert_non_null(strstr(err.msg, "memory limit of 64 pages"));
  tea_invoke_result_free(&r);
  a = must_load(w, "bigmem", "bigmem", &o);
  assert_int_equal(invoke(w, a, "boom", "", &r, &err), TEA_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "over the limit of 64 pages"));
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

static void test_deep_recursion(void **state) {
  world *w = *state;
  actor_opts o = {.limits = {.call_depth = 500}};
  tea_actor *a = must_load(w, "recursion", "recursion", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "down", "", &r, &err), TEA_ERR_TRAP);
  assert_non_null(strstr(err.msg, "call stack exhausted"));
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

static void test_out_of_bounds(void **state) {
  world *w = *state;
  actor_opts o = {0};
  tea_actor *a = must_load(w, "oob", "oob", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "load", "", &r, &err), TEA_ERR_TRAP);
  assert_non_null(strstr(err.msg, "out of bounds memory access"));
  tea_invoke_result_free(&r);
  assert_int_equal(invoke(w, a, "respond", "", &r, &err), TEA_ERR_TRAP);
  assert_non_null(strstr(err.msg, "__guest_response: out of bounds"));
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

static void test_oversized_output_and_input(void **state) {
  world *w = *state;
  actor_opts o = {0};
  tea_actor *a = must_load(w, "bigoutput", "bigoutput", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "x", "", &r, &err), TEA_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "over the limit"));
  assert_null(r.output);
  tea_invoke_result_free(&r);
  actor_opts small = {.limits = {.max_input = 4}};
  a = must_load(w, "bigoutput", "small-input", &small);
  assert_int_equal(invoke(w, a, "x", "12345", &r, &err), TEA_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "input of 5 bytes"));
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

static void test_too_many_host_calls(void **state) {
  world *w = *state;
  actor_opts o = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1,
                  .limits = {.max_host_calls = 50}};
  tea_actor *a = must_load(w, "hostcalls", "chatty", &o);
  tea_invoke_result r;
  tea_error err;
  size_t before = w->log_len;
  assert_int_equal(invoke(w, a, "x", "", &r, &err), TEA_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "more than 50 host calls"));
  assert_int_equal(r.host_calls, 51);
  assert_true(r.transcript_len > 50 * 10); /* the 50 made are recorded */
  assert_true(w->log_len > before);
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

static void test_transcript_budget(void **state) {
  NEED("hello");
  world *w = *state;
  /* the log line alone is over the budget */
  actor_opts o = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1,
                  .limits = {.max_transcript = 16}};
  tea_actor *a = must_load(w, "hello", "budget", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "hello", "a rather long name", &r, &err), TEA_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "transcript limit of 16 bytes"));
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

static void test_fresh_instance_per_request(void **state) {
  world *w = *state;
  actor_opts o = {0};
  tea_actor *a = must_load(w, "leak", "leak", &o);
  for (int i = 0; i < 3; i++) {
    tea_invoke_result r;
    tea_error err;
    assert_int_equal(invoke(w, a, "x", "", &r, &err), TEA_OK);
    assert_output(&r, "11");
    tea_invoke_result_free(&r);
  }
}

/* ---- C actors, the bare waPC guest, keyvalue, actor calls ----------------- */

static void test_wapc_raw_guest(void **state) {
  NEED("wapc_raw");
  world *w = *state;
  actor_opts o = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1};
  tea_actor *a = must_load(w, "wapc_raw", "raw", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "ping", "", &r, &err), TEA_OK);
  assert_output(&r, "pong");
  assert_int_equal(r.host_calls, 1);
  assert_non_null(strstr(w->log, "raw/console:pong"));
  tea_invoke_result_free(&r);
  assert_int_equal(invoke(w, a, "reverse", "abc", &r, &err), TEA_OK);
  assert_output(&r, "cba");
  tea_invoke_result_free(&r);
  assert_int_equal(invoke(w, a, "other", "", &r, &err), TEA_OK);
  assert_true(r.guest_error);
  tea_invoke_result_free(&r);
}

static void test_counter_commits_only_on_success(void **state) {
  NEED("counter");
  world *w = *state;
  actor_opts o = {.claimed = CAP_KV, .nclaimed = 1, .approved = CAP_KV, .napproved = 1};
  tea_actor *a = must_load(w, "counter", "counter", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "increment", "", &r, &err), TEA_OK);
  assert_output(&r, "1");
  tea_invoke_result_free(&r);
  assert_int_equal(invoke(w, a, "increment", "41", &r, &err), TEA_OK);
  assert_output(&r, "42");
  tea_invoke_result_free(&r);
  /* the actor increments, then reports an error: nothing is committed */
  assert_int_equal(invoke(w, a, "fail_after_increment", "", &r, &err), TEA_OK);
  assert_true(r.guest_error);
  tea_invoke_result_free(&r);
  assert_int_equal(invoke(w, a, "get", "", &r, &err), TEA_OK);
  assert_output(&r, "42");
  tea_invoke_result_free(&r);
  /* another actor has its own namespace */
  tea_actor *b = must_load(w, "counter", "counter2", &o);
  assert_int_equal(invoke(w, b, "get", "", &r, &err), TEA_OK);
  assert_output(&r, "0");
  tea_invoke_result_free(&r);
}

static void test_wordcount(void **state) {
  NEED("wordcount");
  world *w = *state;
  actor_opts o = {0};
  tea_actor *a = must_load(w, "wordcount", "wordcount", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "count", "the cat and The dog\nthe end\n", &r, &err), TEA_OK);
  assert_output(&r, "{\"bytes\":28,\"lines\":2,\"words\":7,\"top\":[[\"the\",3],[\"and\",1],[\"cat\",1],[\"dog\",1],"
                    "[\"end\",1]]}");
  assert_int_equal(r.host_calls, 0);
  tea_invoke_result_free(&r);
}

static void test_aggregate_reads_blob(void **state) {
  NEED("aggregate");
  world *w = *state;
  static const char *const blob[] = {"tea:blobstore"};
  actor_opts o = {.claimed = blob, .nclaimed = 1, .approved = blob, .napproved = 1};
  tea_actor *a = must_load(w, "aggregate", "aggregate", &o);
  static const char csv[] = "city,temp,rain\nOslo,3.5,10\nLima,19,0\nCairo,25.5,2\n";
  tea_cid cid;
  tea_error err;
  assert_int_equal(tea_blobstore_put_raw(w->bs, csv, sizeof csv - 1, &cid, &err), TEA_OK);
  char text[TEA_CID_STR_MAX];
  tea_cid_format(&cid, text, &err);
  tea_invoke_result r;
  assert_int_equal(invoke(w, a, "summarize", text, &r, &err), TEA_OK);
  assert_output(&r, "{\"rows\":3,\"columns\":{\"temp\":{\"sum\":48,\"min\":3.5,\"max\":25.5,\"mean\":16},"
                    "\"rain\":{\"sum\":12,\"min\":0,\"max\":10,\"mean\":4}}}");
  tea_invoke_result_free(&r);
  /* a CID that is not there: the actor reports the provider's error */
  assert_int_equal(invoke(w, a, "summarize", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", &r, &err),
                   TEA_OK);
  assert_true(r.guest_error);
  tea_invoke_result_free(&r);
}

static void test_actor_calls(void **state) {
  NEED("caller");
  NEED("hello");
  world *w = *state;
  actor_opts h = {.claimed = CAP_LOG, .nclaimed = 1, .approved = CAP_LOG, .napproved = 1};
  must_load(w, "hello", "greeter", &h);
  must_load(w, "counter", "vault", &h);
  static const char *const act[] = {"tea:actor"};
  static const char *const targets[] = {"greeter"};
  actor_opts o = {.claimed = act, .nclaimed = 1, .approved = act, .napproved = 1, .call = targets, .ncall = 1};
  tea_actor *a = must_load(w, "caller", "caller", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "call", "greeter", &r, &err), TEA_OK);
  assert_output(&r, "Hello, caller!");
  tea_invoke_result_free(&r);
  /* a callee that reads past its memory: on guard-page builds the fault happens inside a
     host call of the caller's guest; it must end the callee only, as a trap, and the
     caller's guest continues (here: reports the failure) */
  actor_opts none = {0};
  must_load(w, "oob", "reader", &none);
  static const char *const both[] = {"greeter", "reader"};
  actor_opts o2 = {.claimed = act, .nclaimed = 1, .approved = act, .napproved = 1, .call = both, .ncall = 2};
  tea_actor *a2 = must_load(w, "caller", "caller2", &o2);
  for (int k = 0; k < 3; k++) {
    assert_int_equal(invoke(w, a2, "call", "reader", &r, &err), TEA_OK);
    assert_true(r.guest_error);
    assert_non_null(memmem(r.output, r.output_len, "out of bounds memory access", 27));
    tea_invoke_result_free(&r);
    assert_int_equal(invoke(w, a2, "call", "greeter", &r, &err), TEA_OK); /* and then a good call */
    assert_output(&r, "Hello, caller!");
    tea_invoke_result_free(&r);
  }
  /* an actor its claims do not name */
  assert_int_equal(invoke(w, a, "call", "vault", &r, &err), TEA_ERR_STATE);
  assert_non_null(strstr(err.msg, "not in its claims"));
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

static void test_wasi_gated(void **state) {
  NEED("wasi_io");
  world *w = *state;
  static const char *const io[] = {"tea:clock", "tea:random"};
  tea_actor *a;
  tea_error err;
  actor_opts none = {.claimed = io, .nclaimed = 2};
  assert_int_equal(load_as(w, "wasi_io", "io", &none, &a, &err), TEA_ERR_LINK);
  assert_non_null(strstr(err.msg, "tea:clock"));
  actor_opts o = {.claimed = io, .nclaimed = 2, .approved = io, .napproved = 2};
  a = must_load(w, "wasi_io", "io", &o);
  tea_invoke_result r;
  assert_int_equal(invoke(w, a, "time", "", &r, &err), TEA_OK);
  assert_output(&r, "1800000000000000042");
  tea_invoke_result_free(&r);
  assert_int_equal(invoke(w, a, "print", "to the log", &r, &err), TEA_OK);
  assert_non_null(strstr(w->log, "io/stdout:to the log"));
  tea_invoke_result_free(&r);
}

/* ---- replay ---------------------------------------------------------------- */

static void test_replay(void **state) {
  NEED("wasi_io");
  world *w = *state;
  static const char *const io[] = {"tea:clock", "tea:random"};
  actor_opts o = {.claimed = io, .nclaimed = 2, .approved = io, .napproved = 2};
  tea_actor *a = must_load(w, "wasi_io", "dice", &o);
  tea_invoke_result r, r2, r3;
  tea_error err;
  assert_int_equal(invoke(w, a, "random", "", &r, &err), TEA_OK);
  assert_int_equal(r.output_len, 32);
  assert_true(r.host_calls >= 1);
  /* a second live run draws other numbers */
  assert_int_equal(invoke(w, a, "random", "", &r2, &err), TEA_OK);
  assert_memory_not_equal(r.output, r2.output, 32);
  tea_invoke_result_free(&r2);
  /* replay reproduces the output bit for bit */
  tea_replay_expect ex = {.transcript_hash = r.transcript_hash, .output_hash = r.output_hash};
  assert_int_equal(tea_host_replay(w->host, a, "random", NULL, 0, r.transcript, r.transcript_len, &ex, &r2, &err),
                   TEA_OK);
  assert_int_equal(r2.output_len, r.output_len);
  assert_memory_equal(r2.output, r.output, r.output_len);
  assert_memory_equal(r2.transcript_hash, r.transcript_hash, 32);
  tea_invoke_result_free(&r2);
  /* a changed answer: the transcript no longer matches its hash */
  uint8_t *t = malloc(r.transcript_len);
  memcpy(t, r.transcript, r.transcript_len);
  /* the last call's answer ends just before "version": 1 (9 bytes) */
  t[r.transcript_len - 10] ^= 0xff;
  assert_int_equal(tea_host_replay(w->host, a, "random", NULL, 0, t, r.transcript_len, &ex, &r2, &err),
                   TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "transcript"));
  tea_invoke_result_free(&r2);
  /* ...and without the transcript's hash, the output gives it away */
  tea_replay_expect only_out = {.output_hash = r.output_hash};
  assert_int_equal(tea_host_replay(w->host, a, "random", NULL, 0, t, r.transcript_len, &only_out, &r3, &err),
                   TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, "different output"));
  tea_invoke_result_free(&r3);
  /* a different operation makes different calls: divergence */
  assert_int_equal(tea_host_replay(w->host, a, "time", NULL, 0, r.transcript, r.transcript_len, NULL, &r3, &err),
                   TEA_ERR_STATE);
  assert_non_null(strstr(err.msg, "replay diverged"));
  tea_invoke_result_free(&r3);
  free(t);
  tea_invoke_result_free(&r);
}

static void test_replay_keyvalue_writes_nothing(void **state) {
  NEED("counter");
  world *w = *state;
  actor_opts o = {.claimed = CAP_KV, .nclaimed = 1, .approved = CAP_KV, .napproved = 1};
  tea_actor *a = must_load(w, "counter", "replayed", &o);
  tea_invoke_result r, r2;
  tea_error err;
  assert_int_equal(invoke(w, a, "increment", "5", &r, &err), TEA_OK);
  assert_output(&r, "5");
  tea_replay_expect ex = {.transcript_hash = r.transcript_hash, .output_hash = r.output_hash};
  assert_int_equal(tea_host_replay(w->host, a, "increment", (const uint8_t *)"5", 1, r.transcript, r.transcript_len,
                                   &ex, &r2, &err),
                   TEA_OK);
  assert_output(&r2, "5");
  tea_invoke_result_free(&r2);
  /* other input, other request: detected */
  assert_int_equal(tea_host_replay(w->host, a, "increment", (const uint8_t *)"6", 1, r.transcript, r.transcript_len,
                                   NULL, &r2, &err),
                   TEA_ERR_STATE);
  tea_invoke_result_free(&r2);
  tea_invoke_result_free(&r);
  /* the replays did not write: still 5 */
  assert_int_equal(invoke(w, a, "get", "", &r, &err), TEA_OK);
  assert_output(&r, "5");
  tea_invoke_result_free(&r);
}

/* ---- concurrency ------------------------------------------------------------ */

typedef struct par {
  world *w;
  tea_actor *a;
  int ok;
} par;

static void *par_main(void *p) {
  par *x = p;
  for (int i = 0; i < 20; i++) {
    tea_invoke_result r;
    tea_error err;
    if (invoke(x->w, x->a, "echo", "same", &r, &err) == TEA_OK && r.output_len == 4) x->ok++;
    tea_invoke_result_free(&r);
  }
  return NULL;
}

static void test_concurrent_invocations(void **state) {
  NEED("hello");
  world *w = *state;
  actor_opts o = {0};
  tea_actor *a = must_load(w, "hello", "parallel", &o);
  pthread_t th[4];
  par ps[4];
  for (int i = 0; i < 4; i++) {
    ps[i] = (par){w, a, 0};
    pthread_create(&th[i], NULL, par_main, &ps[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(ps[i].ok, 20);
  }
}

/* ---- the instance pool ----------------------------------------------------- */

typedef struct pool_case {
  const char *file, *op, *input;
  const char *const *caps;
  size_t ncaps;
} pool_case;

/* Fresh and pooled instances give the same output, fuel and transcript, call
 * after call, while the pool keeps and reuses one instance. */
static void test_pool_matches_fresh(void **state) {
  world *fresh = *state, *pooled;
  assert_int_equal(setup_world_pooled((void **)&pooled), 0);
  static const char *const io[] = {"tea:clock", "tea:random"};
  const pool_case cases[] = {
      {"grow", "x", "", NULL, 0},          {"leak", "x", "", NULL, 0},
      {"hello", "hello", "pool", CAP_LOG, 1}, {"wordcount", "count", "one two two", NULL, 0},
      {"wasi_io", "time", "", io, 2},      {"wapc_raw", "echo", "abc", CAP_LOG, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const pool_case *c = &cases[i];
    if (!have(c->file)) continue;
    actor_opts o = {.claimed = c->caps, .nclaimed = c->ncaps, .approved = c->caps, .napproved = c->ncaps};
    tea_actor *fa = must_load(fresh, c->file, c->file, &o), *pa = must_load(pooled, c->file, c->file, &o);
    tea_invoke_result want;
    tea_error err;
    if (invoke(fresh, fa, c->op, c->input, &want, &err) != TEA_OK) fail_msg("%s: %s", c->file, err.msg);
    for (int k = 0; k < 4; k++) {
      tea_invoke_result got;
      assert_int_equal(invoke(pooled, pa, c->op, c->input, &got, &err), TEA_OK);
      assert_int_equal(got.guest_error, want.guest_error);
      assert_int_equal(got.output_len, want.output_len);
      assert_memory_equal(got.output, want.output, want.output_len);
      assert_int_equal(got.fuel_used, want.fuel_used);
      assert_int_equal(got.transcript_len, want.transcript_len);
      assert_memory_equal(got.transcript_hash, want.transcript_hash, 32);
      tea_invoke_result_free(&got);
      assert_int_equal(tea_actor_pooled(pa), 1);
    }
    assert_int_equal(tea_actor_pooled(fa), 0);
    tea_invoke_result_free(&want);
  }
  if (have("grow")) { /* what a reset must undo, spelled out */
    tea_actor *a = tea_host_find(pooled->host, "grow");
    tea_invoke_result r;
    tea_error err;
    assert_int_equal(invoke(pooled, a, "x", "", &r, &err), TEA_OK);
    assert_output(&r, "2112ok");
    tea_invoke_result_free(&r);
  }
  teardown_world((void **)&pooled);
}

/* A run that fails (trap, fuel, deadline) leaves nothing in the pool; the
 * next run still works. An actor whose initializer writes to the log is
 * never pooled: each run logs the line as a fresh instance would. */
static void test_pool_drops_failures(void **state) {
  world *w = *state;
  actor_opts o = {.limits = {.fuel = 2000000, .deadline_ms = 2000}};
  tea_actor *loop = must_load(w, "loop", "loop", &o), *oob = must_load(w, "oob", "oob", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, loop, "x", "", &r, &err), TEA_ERR_LIMIT);
  tea_invoke_result_free(&r);
  assert_int_equal(tea_actor_pooled(loop), 0);
  assert_int_equal(invoke(w, oob, "x", "", &r, &err), TEA_ERR_TRAP);
  tea_invoke_result_free(&r);
  assert_int_equal(tea_actor_pooled(oob), 0);
  tea_actor *il = must_load(w, "initlog", "initlog", &o);
  for (int k = 0; k < 3; k++) {
    assert_int_equal(invoke(w, il, "x", "", &r, &err), TEA_OK);
    assert_output(&r, "init");
    tea_invoke_result_free(&r);
  }
  assert_int_equal(tea_actor_pooled(il), 0);
  size_t lines = 0;
  for (const char *p = w->log; (p = strstr(p, "initlog/console:init")); p++) lines++;
  assert_int_equal(lines, 3);
  assert_host_unharmed(w);
}

/* Entry points are found once, when the actor loads: the initializers run in
 * waPC's order on each fresh (or reset) instance, look-alike names do not
 * run, and a module whose "__guest_call" is not a function fails every call
 * with a link error that says so. */
static void test_entry_points(void **state) {
  world *w = *state;
  actor_opts o = {0};
  tea_actor *a = must_load(w, "entries", "entries", &o);
  tea_invoke_result r;
  tea_error err;
  for (int k = 0; k < 3; k++) {
    assert_int_equal(invoke(w, a, "x", "", &r, &err), TEA_OK);
    assert_output(&r, "isw");
    tea_invoke_result_free(&r);
  }
  tea_actor *b = must_load(w, "noentry", "noentry", &o);
  assert_int_equal(invoke(w, b, "x", "", &r, &err), TEA_ERR_LINK);
  assert_non_null(strstr(err.msg, "does not export __guest_call"));
  tea_invoke_result_free(&r);
  assert_host_unharmed(w);
}

/* A reloaded actor's idle instances (old code) are dropped. */
static void test_pool_reload_drops_old(void **state) {
  world *w = *state;
  actor_opts o = {0};
  tea_actor *a = must_load(w, "leak", "same", &o);
  tea_invoke_result r;
  tea_error err;
  assert_int_equal(invoke(w, a, "x", "", &r, &err), TEA_OK);
  tea_invoke_result_free(&r);
  assert_int_equal(tea_actor_pooled(a), 1);
  tea_actor *b = must_load(w, "grow", "same", &o);
  assert_int_equal(tea_actor_pooled(a), 0);
  assert_int_equal(invoke(w, a, "x", "", &r, &err), TEA_OK); /* in flight on the old record: still fine */
  assert_output(&r, "11");
  tea_invoke_result_free(&r);
  assert_int_equal(tea_actor_pooled(a), 0);
  assert_int_equal(invoke(w, b, "x", "", &r, &err), TEA_OK);
  assert_output(&r, "2112ok");
  tea_invoke_result_free(&r);
}

static void test_sign_inspect_roundtrip(void **state) {
  (void)state;
  size_t len, slen, slen2;
  uint8_t *bytes = read_actor("leak", &len);
  static const char *const caps[] = {"tea:log", "tea:clock"};
  actor_opts o = {.claimed = caps, .nclaimed = 2, .rev = 7};
  uint8_t *s1 = sign(bytes, len, "leaky", &o, &slen);
  /* re-signing replaces the section instead of adding a second one */
  uint8_t *s2 = sign(s1, slen, "leaky", &o, &slen2);
  tea_claims c;
  tea_error err;
  assert_int_equal(tea_claims_read(s2, slen2, &c, &err), TEA_OK);
  assert_string_equal(c.name, "leaky");
  assert_int_equal(c.ncaps, 2);
  assert_string_equal(c.caps[1], "tea:clock");
  assert_int_equal(c.rev, 7);
  assert_string_equal(c.ver, "1.0.0");
  char hash[65];
  assert_int_equal(tea_claims_module_hash(bytes, len, hash, &err), TEA_OK);
  assert_string_equal(c.hash, hash);
  tea_claims_free(&c);
  free(bytes), free(s1), free(s2);
}

int main(void) {
  tea_error err;
  if (tea_keypair_generate(TEA_NKEY_ACCOUNT, &issuer, &err) || tea_keypair_generate(TEA_NKEY_MODULE, &subject, &err) ||
      tea_keypair_generate(TEA_NKEY_ACCOUNT, &stranger, &err))
    return 1;
  tea_keypair_public(&issuer, issuer_pub);
  tea_keypair_public(&stranger, stranger_pub);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nkeys),
      cmocka_unit_test(test_nkeys_interop_vector),
      cmocka_unit_test(test_sign_inspect_roundtrip),
      cmocka_unit_test_setup_teardown(test_load_and_run_hello, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_sdk_requests_of_every_size, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_entry_points, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_counter_commits_only_on_success, setup_world_padded, teardown_world),
      cmocka_unit_test_setup_teardown(test_tampered_bytes, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_bad_signature_and_alg, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_claim_time_issuer_revision, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_claimed_but_not_approved, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_undeclared_capability, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_link_time_grants, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_infinite_loop, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_memory_bomb, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_deep_recursion, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_out_of_bounds, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_oversized_output_and_input, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_too_many_host_calls, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_transcript_budget, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_fresh_instance_per_request, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_wapc_raw_guest, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_counter_commits_only_on_success, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_wordcount, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_aggregate_reads_blob, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_actor_calls, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_wasi_gated, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_replay, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_replay_keyvalue_writes_nothing, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_concurrent_invocations, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_pool_matches_fresh, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_pool_drops_failures, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_pool_reload_drops_old, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_load_and_run_hello, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_sdk_requests_of_every_size, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_entry_points, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_tampered_bytes, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_bad_signature_and_alg, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_claim_time_issuer_revision, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_claimed_but_not_approved, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_undeclared_capability, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_link_time_grants, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_infinite_loop, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_memory_bomb, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_deep_recursion, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_out_of_bounds, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_oversized_output_and_input, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_too_many_host_calls, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_transcript_budget, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_fresh_instance_per_request, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_wapc_raw_guest, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_counter_commits_only_on_success, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_wordcount, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_aggregate_reads_blob, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_actor_calls, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_wasi_gated, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_replay, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_replay_keyvalue_writes_nothing, setup_world_pooled, teardown_world),
      cmocka_unit_test_setup_teardown(test_concurrent_invocations, setup_world_pooled, teardown_world),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
