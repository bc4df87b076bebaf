/* Proof-of-trust receipts: deterministic CBOR, signed by the node key over a
 * domain-separated hash of every field except the attached quote and the signature.
 * That hash chains receipts (prev) and is the qualifying data of an attached quote,
 * so the quote cannot be moved to another receipt. */
#include <stdlib.h>
#include <string.h>

#include "trust/internal.h"

#define RECEIPT_TYPE "tea/receipt"
#define RECEIPT_VERSION 1
#define RECEIPT_TAG "tea/receipt/v1"
#define BODY_FIELDS 23

void tea_receipt_init(tea_receipt *r) {
  memset(r, 0, sizeof *r);
  tea_eventlog_init(&r->quote.log);
}

void tea_receipt_free(tea_receipt *r) {
  tea_evidence_free(&r->quote);
  r->has_quote = false;
}

static void put_sig(tea_cbor_enc *e, const tea_receipt *r) {
  tea_cbor_put_cstr(e, "sig");
  tea_cbor_put_bytes(e, r->sig, TEA_ED25519_SIG_LEN);
}

static void put_path(tea_cbor_enc *e, const tea_receipt *r, size_t npath) {
  tea_cbor_put_cstr(e, "path");
  tea_cbor_begin_array(e, npath);
  for (size_t i = 0; i < npath; i++) tea_cbor_put_bytes(e, r->path[i], sizeof r->path[i]);
  tea_cbor_end(e);
}

/* Where the pairs start in a body encoding, and where the whole encoding puts
 * "sig" and "path" among them (tea_receipt_kept). */
typedef struct body_marks {
  size_t pairs, sig, path;
} body_marks;

/* The body (what the receipt hash covers) or, whole, the body with the signature, its
 * path and an attached quote (the encoding). */
static void put_receipt(tea_cbor_enc *e, const tea_receipt *r, bool whole, body_marks *marks) {
  tea_cbor_enc_reserve(e, 1024); /* a receipt without a quote fits */
  size_t np = r->nproviders <= TEA_RECEIPT_MAX_PROVIDERS ? r->nproviders : 0;
  size_t nl = r->nonce_len <= sizeof r->nonce ? r->nonce_len : 0;
  size_t npath = whole && r->path_len <= TEA_RECEIPT_MAX_PATH ? r->path_len : 0;
  bool quote = whole && r->has_quote;
  tea_cbor_begin_map(e, BODY_FIELDS + (whole ? 1 : 0) + (npath ? 1 : 0) + (quote ? 1 : 0));
  if (marks) marks->pairs = e->len;
  /* in canonical key order (shorter first, then bytewise), so the encoder has nothing
     to sort on the request path; it would sort them otherwise */
  tea_cbor_put_cstr(e, "v");
  tea_cbor_put_uint(e, RECEIPT_VERSION);
  tea_cbor_put_cstr(e, "op");
  tea_cbor_put_cstr(e, r->op);
  tea_cbor_put_cstr(e, "cid");
  tea_cbor_put_cstr(e, r->cid);
  tea_cbor_put_cstr(e, "seq");
  tea_cbor_put_uint(e, r->seq);
  if (marks) marks->sig = e->len;
  if (whole) put_sig(e, r);
  tea_cbor_put_cstr(e, "fuel");
  tea_cbor_put_uint(e, r->fuel);
  tea_cbor_put_cstr(e, "node");
  tea_cbor_put_bytes(e, r->node, TEA_ED25519_PK_LEN);
  if (marks) marks->path = e->len;
  if (npath) put_path(e, r, npath);
  tea_cbor_put_cstr(e, "prev");
  tea_cbor_put_bytes(e, r->prev, TEA_SHA256_LEN);
  tea_cbor_put_cstr(e, "time");
  tea_cbor_put_uint(e, r->time);
  tea_cbor_put_cstr(e, "type");
  tea_cbor_put_cstr(e, RECEIPT_TYPE);
  tea_cbor_put_cstr(e, "actor");
  tea_cbor_put_cstr(e, r->actor);
  tea_cbor_put_cstr(e, "block");
  tea_cbor_put_bytes(e, r->block, TEA_SHA256_LEN);
  tea_cbor_put_cstr(e, "input");
  tea_cbor_put_bytes(e, r->input, TEA_SHA256_LEN);
  tea_cbor_put_cstr(e, "nonce");
  tea_cbor_put_bytes(e, r->nonce, nl);
  if (quote) {
    tea_cbor_put_cstr(e, "quote");
    tea_evidence_put(e, &r->quote);
  }
  tea_cbor_put_cstr(e, "height");
  tea_cbor_put_uint(e, r->height);
  tea_cbor_put_cstr(e, "issuer");
  tea_cbor_put_cstr(e, r->issuer);
  tea_cbor_put_cstr(e, "output");
  tea_cbor_put_bytes(e, r->output, TEA_SHA256_LEN);
  tea_cbor_put_cstr(e, "status");
  tea_cbor_put_int(e, r->status);
  tea_cbor_put_cstr(e, "request");
  tea_cbor_put_cstr(e, r->request);
  tea_cbor_put_cstr(e, "runtime");
  tea_cbor_put_bytes(e, r->runtime, TEA_SHA256_LEN);
  tea_cbor_put_cstr(e, "revision");
  tea_cbor_put_uint(e, r->revision);
  tea_cbor_put_cstr(e, "providers");
  tea_cbor_begin_array(e, np);
  for (size_t i = 0; i < np; i++) tea_cbor_put_bytes(e, r->providers[i], TEA_SHA256_LEN);
  tea_cbor_end(e);
  tea_cbor_put_cstr(e, "transcript");
  tea_cbor_put_bytes(e, r->transcript, TEA_SHA256_LEN);
  tea_cbor_put_cstr(e, "runtime_version");
  tea_cbor_put_cstr(e, r->runtime_version);
}

/* The body's encoding and its marks. */
static tea_code encode_body(const tea_receipt *r, uint8_t **buf, size_t *len, body_marks *marks,
                            tea_error *err) {
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  put_receipt(&e, r, false, marks);
  tea_cbor_end(&e);
  tea_code rc = tea_cbor_enc_finish(&e, buf, len, err);
  tea_cbor_enc_free(&e);
  return rc;
}

tea_code tea_receipt_hash(const tea_receipt *r, uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  tea_receipt_kept k = {0};
  tea_code rc = tea_receipt_hash_keep(r, out, &k, err);
  tea_receipt_kept_free(&k);
  return rc;
}

tea_code tea_receipt_hash_keep(const tea_receipt *r, uint8_t out[TEA_SHA256_LEN], tea_receipt_kept *kept,
                               tea_error *err) {
  memset(kept, 0, sizeof *kept);
  uint8_t *buf;
  size_t len;
  body_marks m;
  tea_code rc = encode_body(r, &buf, &len, &m, err);
  if (rc) return rc;
  rc = tea_trust_tagged_hash(RECEIPT_TAG, out, err, 1, buf, len);
  if (rc) {
    free(buf);
    return rc;
  }
  kept->body = buf;
  kept->len = len;
  kept->pairs = m.pairs;
  kept->at_sig = m.sig;
  kept->at_path = m.path;
  return TEA_OK;
}

void tea_receipt_kept_free(tea_receipt_kept *k) {
  free(k->body);
  memset(k, 0, sizeof *k);
}

tea_code tea_receipt_encode_kept(const tea_receipt *r, const tea_receipt_kept *k, uint8_t **out,
                                 size_t *out_len, tea_error *err) {
  size_t npath = r->path_len;
  if (!k->body || r->has_quote || npath > TEA_RECEIPT_MAX_PATH || k->pairs > k->at_sig ||
      k->at_sig > k->at_path || k->at_path > k->len)
    return tea_receipt_encode(r, out, out_len, err); /* nothing usable kept */
  /* the pairs to put in: "sig" after "seq", "path" after "node" (canonical order) */
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  tea_cbor_enc_reserve(&e, 80 + npath * (8 + sizeof r->path[0])); /* one allocation, not a growing buffer */
  put_sig(&e, r);
  size_t sig_end = e.len;
  if (npath) put_path(&e, r, npath);
  uint8_t *extra;
  size_t extra_len;
  tea_code rc = tea_cbor_enc_finish(&e, &extra, &extra_len, err);
  tea_cbor_enc_free(&e);
  if (rc) return rc;
  uint8_t head[9];
  size_t hl = tea_cbor_head(head, 5, BODY_FIELDS + 1 + (npath ? 1 : 0));
  size_t total = hl + (k->len - k->pairs) + extra_len;
  uint8_t *o = malloc(total);
  if (!o) {
    free(extra);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  size_t w = 0;
#define PUT(p, n) (memcpy(o + w, (p), (n)), w += (n))
  PUT(head, hl);
  PUT(k->body + k->pairs, k->at_sig - k->pairs);
  PUT(extra, sig_end);
  PUT(k->body + k->at_sig, k->at_path - k->at_sig);
  PUT(extra + sig_end, extra_len - sig_end);
  PUT(k->body + k->at_path, k->len - k->at_path);
#undef PUT
  free(extra);
  *out = o;
  *out_len = total;
  return TEA_OK;
}

tea_code tea_receipt_sign(tea_receipt *r, const tea_node_keys *keys, tea_error *err) {
  return tea_receipt_sign_batch(&r, 1, keys, err);
}

tea_code tea_receipt_attach_quote(tea_receipt *r, tea_tpm *t, const tea_eventlog *log, tea_error *err) {
  uint8_t h[TEA_SHA256_LEN];
  tea_code rc = tea_receipt_hash(r, h, err);
  if (rc) return rc;
  tea_evidence_free(&r->quote);
  memset(&r->quote, 0, sizeof r->quote);
  memcpy(r->quote.node, r->node, TEA_ED25519_PK_LEN);
  r->quote.height = r->height;
  memcpy(r->quote.block, r->block, TEA_SHA256_LEN);
  rc = tea_evidence_collect(t, log, h, sizeof h, &r->quote, err);
  if (rc) {
    tea_evidence_free(&r->quote);
    return rc;
  }
  r->has_quote = true;
  return TEA_OK;
}

tea_code tea_receipt_encode(const tea_receipt *r, uint8_t **out, size_t *out_len, tea_error *err) {
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  put_receipt(&e, r, true, NULL);
  tea_cbor_end(&e);
  tea_code rc = tea_cbor_enc_finish(&e, out, out_len, err);
  tea_cbor_enc_free(&e);
  return rc;
}

static const char *const field_names[] = {
    "type", "v",      "node",    "runtime", "runtime_version", "actor", "cid",        "issuer",
    "revision", "providers", "height", "block", "request", "nonce", "input", "output", "transcript",
    "fuel", "status", "time",    "seq",     "prev",            "quote", "sig",   "op",    "path",
};
#define NFIELDS (sizeof field_names / sizeof field_names[0])

static tea_code read_field(tea_cbor_reader *r, unsigned f, tea_receipt *x, tea_error *err) {
  uint64_t u, n;
  const uint8_t *p;
  size_t len;
  tea_code rc;
  switch (f) {
  case 0: return tea_cbor_expect_text(r, RECEIPT_TYPE, err);
  case 1:
    if ((rc = tea_cbor_read_uint(r, &u, err))) return rc;
    return u == RECEIPT_VERSION ? TEA_OK : tea_fail(err, TEA_ERR_UNSUPPORTED, "receipt: version %llu", (unsigned long long)u);
  case 2: return tea_trust_read_fixed(r, x->node, TEA_ED25519_PK_LEN, "node", err);
  case 3: return tea_trust_read_fixed(r, x->runtime, TEA_SHA256_LEN, "runtime", err);
  case 4: return tea_trust_read_cstr(r, x->runtime_version, sizeof x->runtime_version, "runtime_version", err);
  case 5: return tea_trust_read_cstr(r, x->actor, sizeof x->actor, "actor", err);
  case 6: return tea_trust_read_cstr(r, x->cid, sizeof x->cid, "cid", err);
  case 7: return tea_trust_read_cstr(r, x->issuer, sizeof x->issuer, "issuer", err);
  case 8: return tea_cbor_read_uint(r, &x->revision, err);
  case 9:
    if ((rc = tea_cbor_read_array(r, &n, err))) return rc;
    if (n > TEA_RECEIPT_MAX_PROVIDERS) return tea_fail(err, TEA_ERR_LIMIT, "receipt: too many providers");
    x->nproviders = (size_t)n;
    for (size_t i = 0; i < x->nproviders; i++)
      if ((rc = tea_trust_read_fixed(r, x->providers[i], TEA_SHA256_LEN, "provider", err))) return rc;
    return TEA_OK;
  case 10: return tea_cbor_read_uint(r, &x->height, err);
  case 11: return tea_trust_read_fixed(r, x->block, TEA_SHA256_LEN, "block", err);
  case 12: return tea_trust_read_cstr(r, x->request, sizeof x->request, "request", err);
  case 13:
    if ((rc = tea_cbor_read_bytes(r, &p, &len, err))) return rc;
    if (len > sizeof x->nonce) return tea_fail(err, TEA_ERR_LIMIT, "receipt: client nonce over 64 bytes");
    memcpy(x->nonce, p, len);
    x->nonce_len = len;
    return TEA_OK;
  case 14: return tea_trust_read_fixed(r, x->input, TEA_SHA256_LEN, "input", err);
  case 15: return tea_trust_read_fixed(r, x->output, TEA_SHA256_LEN, "output", err);
  case 16: return tea_trust_read_fixed(r, x->transcript, TEA_SHA256_LEN, "transcript", err);
  case 17: return tea_cbor_read_uint(r, &x->fuel, err);
  case 18: return tea_cbor_read_int(r, &x->status, err);
  case 19: return tea_cbor_read_uint(r, &x->time, err);
  case 20: return tea_cbor_read_uint(r, &x->seq, err);
  case 21: return tea_trust_read_fixed(r, x->prev, TEA_SHA256_LEN, "prev", err);
  case 22:
    if ((rc = tea_evidence_read(r, &x->quote, err))) return rc;
    x->has_quote = true;
    return TEA_OK;
  case 23: return tea_trust_read_fixed(r, x->sig, TEA_ED25519_SIG_LEN, "sig", err);
  case 24: return tea_trust_read_cstr(r, x->op, sizeof x->op, "op", err);
  case 25:
    if ((rc = tea_cbor_read_array(r, &n, err))) return rc;
    if (n == 0 || n > TEA_RECEIPT_MAX_PATH)
      return tea_fail(err, TEA_ERR_INVALID, "receipt: a path of %llu levels", (unsigned long long)n);
    for (size_t i = 0; i < n; i++) {
      if ((rc = tea_trust_read_fixed(r, x->path[i], sizeof x->path[i], "path", err))) return rc;
      if (x->path[i][0] > 1) return tea_fail(err, TEA_ERR_INVALID, "receipt: path side must be 0 or 1");
    }
    x->path_len = (size_t)n;
    return TEA_OK;
  }
  return tea_fail(err, TEA_ERR_INVALID, "receipt: unknown field");
}

tea_code tea_receipt_decode(const uint8_t *buf, size_t len, tea_receipt *x, tea_error *err) {
  tea_receipt_init(x);
  tea_cbor_reader r;
  uint64_t n;
  tea_code rc = tea_cbor_reader_init(&r, buf, len, err);
  if (!rc) rc = tea_cbor_read_map(&r, &n, err);
  if (rc) return rc;
  if (n < BODY_FIELDS + 1 || n > BODY_FIELDS + 3)
    return tea_fail(err, TEA_ERR_INVALID, "receipt: %llu fields", (unsigned long long)n);
  uint32_t seen = 0;
  for (uint64_t i = 0; i < n; i++) {
    const char *k;
    size_t kl;
    if ((rc = tea_cbor_read_text(&r, &k, &kl, err))) goto fail;
    unsigned f = 0;
    while (f < NFIELDS && !tea_trust_key_is(k, kl, field_names[f])) f++;
    if (f == NFIELDS || (seen & (1u << f))) {
      rc = tea_fail(err, TEA_ERR_INVALID, "receipt: unknown or repeated field %.*s", (int)(kl > 32 ? 32 : kl), k);
      goto fail;
    }
    seen |= 1u << f;
    if (f == 22 && x->has_quote) {
      rc = tea_fail(err, TEA_ERR_INVALID, "receipt: repeated quote");
      goto fail;
    }
    if ((rc = read_field(&r, f, x, err))) goto fail;
  }
  /* Every field but the quote and the path is required. */
  if ((seen | (1u << 22) | (1u << 25)) != (1u << NFIELDS) - 1) {
    rc = tea_fail(err, TEA_ERR_INVALID, "receipt: missing fields");
    goto fail;
  }
  if (x->has_quote && (x->quote.registration || memcmp(x->quote.node, x->node, TEA_ED25519_PK_LEN) != 0)) {
    rc = tea_fail(err, TEA_ERR_INVALID, "receipt: attached quote is from another node");
    goto fail;
  }
  return TEA_OK;
fail:
  tea_receipt_free(x);
  return rc;
}
