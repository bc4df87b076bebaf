/* The measured-boot event log: what the node extended into its PCRs, in order.
 * Replaying it from zeroed PCRs must give the values the TPM quotes; each event is
 * then judged against the ledger's policy. */
#include <stdlib.h>
#include <string.h>

#include "trust/internal.h"

void tea_eventlog_init(tea_eventlog *log) { memset(log, 0, sizeof *log); }

void tea_eventlog_free(tea_eventlog *log) {
  free(log->ev);
  memset(log, 0, sizeof *log);
}

const char *tea_event_type_name(unsigned type) {
  switch (type) {
  case TEA_EV_RUNTIME: return "runtime";
  case TEA_EV_CONFIG: return "config";
  case TEA_EV_GENESIS: return "genesis";
  case TEA_EV_ACTOR: return "actor";
  case TEA_EV_PROVIDER: return "provider";
  }
  return "unknown";
}

bool tea_event_actor_split(const char *desc, char *name, size_t name_cap, char *cid, size_t cid_cap) {
  const char *sp = strchr(desc, ' ');
  if (!sp || sp == desc || !sp[1] || strchr(sp + 1, ' ')) return false;
  size_t nl = (size_t)(sp - desc), cl = strlen(sp + 1);
  if (nl >= name_cap || cl >= cid_cap) return false;
  memcpy(name, desc, nl);
  name[nl] = '\0';
  memcpy(cid, sp + 1, cl + 1);
  return true;
}

static tea_code check_event(unsigned pcr, unsigned type, const char *desc, size_t len, tea_error *err) {
  if (pcr >= TEA_PCR_COUNT) return tea_fail(err, TEA_ERR_INVALID, "event: no PCR %u", pcr);
  if (type < TEA_EV_RUNTIME || type > TEA_EV_PROVIDER)
    return tea_fail(err, TEA_ERR_INVALID, "event: unknown type %u", type);
  if (len > TEA_EVENT_DESC_MAX) return tea_fail(err, TEA_ERR_LIMIT, "event: description too long");
  if (memchr(desc, 0, len)) return tea_fail(err, TEA_ERR_INVALID, "event: NUL in description");
  if (type == TEA_EV_ACTOR) {
    char name[TEA_EVENT_DESC_MAX + 1], cid[TEA_EVENT_DESC_MAX + 1], d[TEA_EVENT_DESC_MAX + 1];
    memcpy(d, desc, len);
    d[len] = '\0';
    if (!tea_event_actor_split(d, name, sizeof name, cid, sizeof cid))
      return tea_fail(err, TEA_ERR_INVALID, "event: actor description is not \"NAME CID\"");
  }
  return TEA_OK;
}

static tea_code push(tea_eventlog *log, unsigned pcr, unsigned type, const uint8_t digest[TEA_SHA256_LEN],
                     const char *desc, size_t len, tea_error *err) {
  tea_code rc = check_event(pcr, type, desc, len, err);
  if (rc) return rc;
  if (log->n >= TEA_EVENTLOG_MAX) return tea_fail(err, TEA_ERR_LIMIT, "event log: over %d events", TEA_EVENTLOG_MAX);
  if (log->n == log->cap) {
    size_t cap = log->cap ? log->cap * 2 : 16;
    tea_event *ev = realloc(log->ev, cap * sizeof *ev);
    if (!ev) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    log->ev = ev;
    log->cap = cap;
  }
  tea_event *e = &log->ev[log->n++];
  memset(e, 0, sizeof *e);
  e->pcr = (uint8_t)pcr;
  e->type = (uint8_t)type;
  memcpy(e->digest, digest, TEA_SHA256_LEN);
  memcpy(e->desc, desc, len);
  e->desc[len] = '\0';
  return TEA_OK;
}

tea_code tea_eventlog_append(tea_eventlog *log, unsigned pcr, tea_event_type type,
                             const uint8_t digest[TEA_SHA256_LEN], const char *desc, tea_error *err) {
  if (!log || !digest) return tea_fail(err, TEA_ERR_ARG, "event log: NULL argument");
  if (!desc) desc = "";
  return push(log, pcr, type, digest, desc, strlen(desc), err);
}

tea_code tea_event_extend_value(const tea_event *ev, uint8_t out[TEA_SHA256_LEN], tea_error *err) {
  uint8_t head[2] = {ev->pcr, ev->type};
  size_t dl = strlen(ev->desc);
  uint8_t len[2] = {(uint8_t)(dl >> 8), (uint8_t)dl};
  return tea_trust_tagged_hash("tea/event/v1", out, err, 4, head, sizeof head, ev->digest,
                               (size_t)TEA_SHA256_LEN, len, sizeof len, ev->desc, dl);
}

tea_code tea_eventlog_replay(const tea_eventlog *log, uint8_t pcrs[TEA_PCR_COUNT][TEA_SHA256_LEN],
                             uint32_t *mask, tea_error *err) {
  memset(pcrs, 0, TEA_PCR_COUNT * TEA_SHA256_LEN);
  uint32_t m = 0;
  for (size_t i = 0; i < log->n; i++) {
    const tea_event *e = &log->ev[i];
    if (e->pcr >= TEA_PCR_COUNT) return tea_fail(err, TEA_ERR_INVALID, "event %zu: no PCR %u", i, e->pcr);
    uint8_t buf[2 * TEA_SHA256_LEN];
    memcpy(buf, pcrs[e->pcr], TEA_SHA256_LEN);
    tea_code rc = tea_event_extend_value(e, buf + TEA_SHA256_LEN, err);
    if (rc) return rc;
    rc = tea_sha256(buf, sizeof buf, pcrs[e->pcr], err);
    if (rc) return rc;
    m |= 1u << e->pcr;
  }
  if (mask) *mask = m;
  return TEA_OK;
}

tea_code tea_measure(tea_tpm *t, tea_eventlog *log, unsigned pcr, tea_event_type type,
                     const uint8_t digest[TEA_SHA256_LEN], const char *desc, tea_error *err) {
  /* Log first, then extend: if the extend fails the entry is taken back, so the log
   * never claims a measurement the TPM did not get. */
  tea_code rc = tea_eventlog_append(log, pcr, type, digest, desc, err);
  if (rc) return rc;
  uint8_t v[TEA_SHA256_LEN];
  rc = tea_event_extend_value(&log->ev[log->n - 1], v, err);
  if (!rc) rc = tea_tpm_extend(t, pcr, v, err);
  if (rc) log->n--;
  return rc;
}

tea_code tea_measure_file(tea_tpm *t, tea_eventlog *log, tea_event_type type, const char *path,
                          const char *desc, tea_error *err) {
  uint8_t *buf;
  size_t len;
  tea_code rc = tea_trust_read_file(path, (size_t)1 << 30, &buf, &len, err);
  if (rc) return rc;
  uint8_t d[TEA_SHA256_LEN];
  rc = tea_sha256(buf, len, d, err);
  free(buf);
  if (rc) return rc;
  return tea_measure(t, log, TEA_PCR_NODE, type, d, desc, err);
}

void tea_eventlog_put(tea_cbor_enc *e, const tea_eventlog *log) {
  tea_cbor_begin_array(e, log->n);
  for (size_t i = 0; i < log->n; i++) {
    const tea_event *ev = &log->ev[i];
    tea_cbor_begin_array(e, 4);
    tea_cbor_put_uint(e, ev->pcr);
    tea_cbor_put_uint(e, ev->type);
    tea_cbor_put_bytes(e, ev->digest, TEA_SHA256_LEN);
    tea_cbor_put_cstr(e, ev->desc);
    tea_cbor_end(e);
  }
  tea_cbor_end(e);
}

tea_code tea_eventlog_read(tea_cbor_reader *r, tea_eventlog *log, tea_error *err) {
  uint64_t n;
  tea_code rc = tea_cbor_read_array(r, &n, err);
  if (rc) return rc;
  if (n > TEA_EVENTLOG_MAX) return tea_fail(err, TEA_ERR_LIMIT, "event log: %llu events", (unsigned long long)n);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t k, pcr, type;
    uint8_t digest[TEA_SHA256_LEN];
    const char *s;
    size_t sl;
    if ((rc = tea_cbor_read_array(r, &k, err))) return rc;
    if (k != 4) return tea_fail(err, TEA_ERR_INVALID, "event: %llu fields, want 4", (unsigned long long)k);
    if ((rc = tea_cbor_read_uint(r, &pcr, err)) || (rc = tea_cbor_read_uint(r, &type, err)) ||
        (rc = tea_trust_read_fixed(r, digest, TEA_SHA256_LEN, "event digest", err)) ||
        (rc = tea_cbor_read_text(r, &s, &sl, err)))
      return rc;
    if (pcr >= TEA_PCR_COUNT || type > 255) return tea_fail(err, TEA_ERR_INVALID, "event: bad PCR or type");
    if ((rc = push(log, (unsigned)pcr, (unsigned)type, digest, s, sl, err))) return rc;
  }
  return TEA_OK;
}

tea_code tea_eventlog_encode(const tea_eventlog *log, uint8_t **out, size_t *out_len, tea_error *err) {
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  tea_eventlog_put(&e, log);
  tea_code rc = tea_cbor_enc_finish(&e, out, out_len, err);
  tea_cbor_enc_free(&e);
  return rc;
}

tea_code tea_eventlog_decode(const uint8_t *buf, size_t len, tea_eventlog *log, tea_error *err) {
  tea_eventlog_init(log);
  tea_cbor_reader r;
  tea_code rc = tea_cbor_reader_init(&r, buf, len, err);
  if (!rc) rc = tea_eventlog_read(&r, log, err);
  if (!rc && !tea_cbor_at_end(&r)) rc = tea_fail(err, TEA_ERR_MALFORMED, "event log: trailing data");
  if (rc) tea_eventlog_free(log);
  return rc;
}

tea_code tea_eventlog_copy(tea_eventlog *dst, const tea_eventlog *src, tea_error *err) {
  tea_eventlog_init(dst);
  if (!src->n) return TEA_OK;
  dst->ev = malloc(src->n * sizeof *dst->ev);
  if (!dst->ev) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  memcpy(dst->ev, src->ev, src->n * sizeof *dst->ev);
  dst->n = dst->cap = src->n;
  return TEA_OK;
}
