/* Helpers shared by the trust layer's files (not public API). */
#ifndef TEA_TRUST_INTERNAL_H
#define TEA_TRUST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tea/cbor.h"
#include "tea/trust.h"

/* Writes len bytes to path through a temporary file and rename(2), mode 0600, so a
 * crash leaves either the old file or the new one. */
tea_code tea_trust_write_private(const char *path, const uint8_t *buf, size_t len, tea_error *err);
/* Reads a whole file (at most max bytes) into a malloc'd buffer. TEA_ERR_NOT_FOUND
 * when it does not exist. */
tea_code tea_trust_read_file(const char *path, size_t max, uint8_t **out, size_t *len, tea_error *err);

/* SHA-256 over tag (including its terminating NUL, so tags cannot run into data)
 * followed by n (pointer, length) parts. */
tea_code tea_trust_tagged_hash(const char *tag, uint8_t out[TEA_SHA256_LEN], tea_error *err, size_t n,
                               ...);

/* Evidence as a CBOR item inside a larger record (receipts attach one). */
void tea_evidence_put(tea_cbor_enc *e, const tea_evidence *ev);
tea_code tea_evidence_read(tea_cbor_reader *r, tea_evidence *ev, tea_error *err);

/* True when the text key (k, n) equals s. */
bool tea_trust_key_is(const char *k, size_t n, const char *s);

/* An event log as a CBOR item inside a larger record. */
void tea_eventlog_put(tea_cbor_enc *e, const tea_eventlog *log);
tea_code tea_eventlog_read(tea_cbor_reader *r, tea_eventlog *log, tea_error *err);
/* Deep copy (dst is initialised here). */
tea_code tea_eventlog_copy(tea_eventlog *dst, const tea_eventlog *src, tea_error *err);

/* Fills ev (node, AK, quote over the PCRs log touches with qualifying data qual, their
 * values, a copy of log). */
tea_code tea_evidence_collect(tea_tpm *t, const tea_eventlog *log, const uint8_t *qual, size_t qual_len,
                              tea_evidence *ev, tea_error *err);

/* The checks shared by attestation, registration and receipt quotes, after the AK is
 * settled: quote signature and structure, qualifying data, clock, PCR values, log
 * replay, node status and every event against the policy at height. Returns true on
 * pass; otherwise res says which check failed. */
bool tea_attest_judge(const tea_policy *p, const tea_evidence *ev, const tea_ak *ak, const uint8_t *qual,
                      size_t qual_len, uint64_t height, tea_attest_result *res);

/* Splits an actor event's "NAME CID" description; false if it is not of that form. */
bool tea_event_actor_split(const char *desc, char *name, size_t name_cap, char *cid, size_t cid_cap);

/* Ed25519 signatures over a 32-byte record hash. */
tea_code tea_trust_sign(const uint8_t sk[TEA_ED25519_SK_LEN], const uint8_t hash[TEA_SHA256_LEN],
                        uint8_t sig[TEA_ED25519_SIG_LEN], tea_error *err);
bool tea_trust_sig_ok(const uint8_t pk[TEA_ED25519_PK_LEN], const uint8_t hash[TEA_SHA256_LEN],
                      const uint8_t sig[TEA_ED25519_SIG_LEN]);

/* Reads a byte string of exactly n bytes into out. */
tea_code tea_trust_read_fixed(tea_cbor_reader *r, uint8_t *out, size_t n, const char *what,
                              tea_error *err);
/* Reads a text string of at most cap-1 bytes without NULs into out (NUL-terminated). */
tea_code tea_trust_read_cstr(tea_cbor_reader *r, char *out, size_t cap, const char *what, tea_error *err);

#endif
