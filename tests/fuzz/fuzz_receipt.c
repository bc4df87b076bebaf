/* libFuzzer target: receipts (with attached quotes) and attestation evidence.
 * Properties: never crashes; a receipt that decodes re-encodes to exactly the input,
 * also when spliced from its kept hashed body (tea_receipt_encode_kept, whose hash is
 * the receipt hash), and goes through every verification check against a small policy without error;
 * the same bytes as attestation evidence are judged (pass or fail) without error,
 * and never pass against a policy that registers no node. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tea/trust.h"

static tea_policy_table *table;

static tea_code replay(void *ctx, const tea_receipt *r, const uint8_t *input, size_t input_len, uint8_t output[32],
                       uint8_t transcript[32], uint64_t *fuel, int64_t *status, tea_error *err) {
  (void)ctx, (void)input, (void)input_len, (void)err;
  memcpy(output, r->output, 32);
  memset(transcript, 0, 32);
  *fuel = r->fuel;
  *status = r->status;
  return TEA_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tea_error err;
  if (!table) {
    uint8_t h[32] = {0};
    if (tea_policy_table_new(&table, NULL)) abort();
    tea_policy_table_add_block(table, 0, h, NULL);
    tea_policy_table_add_runtime(table, h, 0, UINT64_MAX, NULL);
    tea_policy_table_allow_software(table, true);
  }
  tea_policy p = tea_policy_table_policy(table);
  tea_receipt r;
  if (tea_receipt_decode(data, size, &r, &err) == TEA_OK) {
    uint8_t *out;
    size_t n;
    if (tea_receipt_encode(&r, &out, &n, &err) != TEA_OK) abort();
    if (n != size || memcmp(out, data, size) != 0) abort();
    free(out);
    tea_receipt_kept k;
    uint8_t h1[32], h2[32];
    if (tea_receipt_hash_keep(&r, h1, &k, &err) != TEA_OK || tea_receipt_hash(&r, h2, &err) != TEA_OK) abort();
    if (memcmp(h1, h2, 32) != 0) abort();
    if (tea_receipt_encode_kept(&r, &k, &out, &n, &err) != TEA_OK) abort();
    if (n != size || memcmp(out, data, size) != 0) abort();
    free(out);
    tea_receipt_kept_free(&k);
    tea_receipt_report rep;
    tea_receipt_verify_opts o = {.input = data, .input_len = size, .replay = replay, .prev = &r};
    if (tea_receipt_verify(&p, &r, &o, &rep, &err) != TEA_OK) abort();
    if (rep.pass) abort(); /* no node is registered */
    tea_receipt_free(&r);
  }
  tea_challenge c;
  memset(&c, 0, sizeof c);
  tea_attest_options opt = {.now = 0, .max_age = 60, .max_lag = 10};
  tea_attest_result res;
  if (tea_attest_verify(&p, &c, data, size, &opt, &res, &err) != TEA_OK) abort();
  if (res.failed == TEA_AC_NONE) abort();
  if (tea_attest_verify_registration(&p, data, size, &res, &err) != TEA_OK) abort();
  return 0;
}
