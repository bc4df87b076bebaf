/* The host-call transcript: every call's capability, operation, request and
 * answer, in order. Its deterministic CBOR encoding is what receipts hash
 * and what replay reads back:
 *   {"type": "tea/transcript", "version": 1,
 *    "calls": [{"cap": text, "op": text, "req": bytes, "ok": bool, "resp": bytes}, ...]}
 * (resp holds the error text when ok is false). */
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"
#include "tea/cbor.h"

static uint8_t *dup_bytes(const uint8_t *p, size_t n) {
  uint8_t *d = malloc(n ? n : 1);
  if (d && n) memcpy(d, p, n);
  return d;
}

tea_code tea_transcript_add(tea_transcript *t, const char *cap, const char *op, const uint8_t *req,
                            size_t req_len, bool ok, const uint8_t *resp, size_t resp_len,
                            tea_error *err) {
  if (t->n == t->cap) {
    size_t ncap = t->cap ? t->cap * 2 : 16;
    tea_hostcall *c = realloc(t->calls, ncap * sizeof *c);
    if (!c) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    t->calls = c;
    t->cap = ncap;
  }
  tea_hostcall *c = &t->calls[t->n];
  c->cap = strdup(cap);
  c->op = strdup(op);
  c->req = dup_bytes(req, req_len);
  c->resp = dup_bytes(resp, resp_len);
  c->req_len = req_len;
  c->resp_len = resp_len;
  c->ok = ok;
  if (!c->cap || !c->op || !c->req || !c->resp) {
    free(c->cap), free(c->op), free(c->req), free(c->resp);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  t->n++;
  return TEA_OK;
}

void tea_transcript_free(tea_transcript *t) {
  for (size_t i = 0; i < t->n; i++) {
    tea_hostcall *c = &t->calls[i];
    free(c->cap), free(c->op), free(c->req), free(c->resp);
  }
  free(t->calls);
  memset(t, 0, sizeof *t);
}

tea_code tea_transcript_encode(const tea_transcript *t, uint8_t **out, size_t *out_len, tea_error *err) {
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  size_t size = 48; /* the output's size, give or take, to allocate it once */
  for (size_t i = 0; i < t->n; i++)
    size += 48 + strlen(t->calls[i].op) + strlen(t->calls[i].cap) + t->calls[i].req_len + t->calls[i].resp_len;
  tea_cbor_enc_reserve(&e, size);
  /* keys in canonical order (shorter first, then bytewise), so the encoder
     has nothing to sort: this runs on every actor call */
  tea_cbor_begin_map(&e, 3);
  tea_cbor_put_cstr(&e, "type");
  tea_cbor_put_cstr(&e, "tea/transcript");
  tea_cbor_put_cstr(&e, "calls");
  tea_cbor_begin_array(&e, t->n);
  for (size_t i = 0; i < t->n; i++) {
    const tea_hostcall *c = &t->calls[i];
    tea_cbor_begin_map(&e, 5);
    tea_cbor_put_cstr(&e, "ok");
    tea_cbor_put_bool(&e, c->ok);
    tea_cbor_put_cstr(&e, "op");
    tea_cbor_put_cstr(&e, c->op);
    tea_cbor_put_cstr(&e, "cap");
    tea_cbor_put_cstr(&e, c->cap);
    tea_cbor_put_cstr(&e, "req");
    tea_cbor_put_bytes(&e, c->req, c->req_len);
    tea_cbor_put_cstr(&e, "resp");
    tea_cbor_put_bytes(&e, c->resp, c->resp_len);
    tea_cbor_end(&e);
  }
  tea_cbor_end(&e);
  tea_cbor_put_cstr(&e, "version");
  tea_cbor_put_uint(&e, 1);
  tea_cbor_end(&e);
  tea_code rc = tea_cbor_enc_finish(&e, out, out_len, err);
  tea_cbor_enc_free(&e);
  return rc;
}

static tea_code read_cstr(tea_cbor_reader *r, char **out, tea_error *err) {
  const char *s;
  size_t n;
  tea_code rc = tea_cbor_read_text(r, &s, &n, err);
  if (rc != TEA_OK) return rc;
  if (memchr(s, 0, n)) return tea_fail(err, TEA_ERR_INVALID, "transcript: NUL in a name");
  if (!(*out = strndup(s, n))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  return TEA_OK;
}

static tea_code read_call(tea_cbor_reader *r, tea_transcript *t, tea_error *err) {
  uint64_t np;
  tea_code rc = tea_cbor_read_map(r, &np, err);
  if (rc != TEA_OK) return rc;
  if (np != 5) return tea_fail(err, TEA_ERR_INVALID, "transcript: a call must have 5 fields");
  /* canonical key order: shorter first, then bytewise */
  char *op = NULL, *cap = NULL;
  const uint8_t *req = NULL, *resp = NULL;
  size_t req_len = 0, resp_len = 0;
  bool ok = false;
  if ((rc = tea_cbor_expect_text(r, "ok", err)) || (rc = tea_cbor_read_bool(r, &ok, err)) ||
      (rc = tea_cbor_expect_text(r, "op", err)) || (rc = read_cstr(r, &op, err)) ||
      (rc = tea_cbor_expect_text(r, "cap", err)) || (rc = read_cstr(r, &cap, err)) ||
      (rc = tea_cbor_expect_text(r, "req", err)) || (rc = tea_cbor_read_bytes(r, &req, &req_len, err)) ||
      (rc = tea_cbor_expect_text(r, "resp", err)) || (rc = tea_cbor_read_bytes(r, &resp, &resp_len, err)))
    goto out;
  rc = tea_transcript_add(t, cap, op, req, req_len, ok, resp, resp_len, err);
out:
  free(op), free(cap);
  return rc;
}

tea_code tea_transcript_decode(const uint8_t *buf, size_t len, tea_transcript *t, tea_error *err) {
  memset(t, 0, sizeof *t);
  tea_cbor_reader r;
  uint64_t np, n, version;
  tea_code rc;
  if ((rc = tea_cbor_reader_init(&r, buf, len, err)) || (rc = tea_cbor_read_map(&r, &np, err)))
    return rc;
  if (np != 3) return tea_fail(err, TEA_ERR_INVALID, "transcript: want 3 fields");
  if ((rc = tea_cbor_expect_text(&r, "type", err)) || (rc = tea_cbor_expect_text(&r, "tea/transcript", err)) ||
      (rc = tea_cbor_expect_text(&r, "calls", err)) || (rc = tea_cbor_read_array(&r, &n, err)))
    return rc;
  for (uint64_t i = 0; i < n; i++)
    if ((rc = read_call(&r, t, err)) != TEA_OK) goto fail;
  if ((rc = tea_cbor_expect_text(&r, "version", err)) || (rc = tea_cbor_read_uint(&r, &version, err)))
    goto fail;
  if (version != 1) {
    rc = tea_fail(err, TEA_ERR_UNSUPPORTED, "transcript version %llu", (unsigned long long)version);
    goto fail;
  }
  return TEA_OK;
fail:
  tea_transcript_free(t);
  return rc;
}
