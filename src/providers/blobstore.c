/* tea:blobstore: actors read and write content-addressed blocks through the
 * node's blob store. Every block read is checked against its CID by the
 * store. Writes take effect at once: a block is named by its hash, so
 * storing one cannot change anything another request sees. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "providers/common.h"

typedef struct blob_provider {
  tea_blobstore *bs;
  size_t max_blob;
  pthread_mutex_t lock; /* the store's quota accounting is not thread-safe */
} blob_provider;

static tea_code parse(const uint8_t *req, size_t n, tea_cid *cid, tea_error *err) {
  if (n == 0 || n >= TEA_CID_STR_MAX) return tea_fail(err, TEA_ERR_ARG, "tea:blobstore wants a CID");
  return tea_cid_parse((const char *)req, n, cid, err);
}

static tea_code blob_call(void *self, void *session, const tea_provider_ctx *ctx, const char *op,
                          const uint8_t *req, size_t req_len, uint8_t **resp, size_t *resp_len, tea_error *err) {
  (void)session, (void)ctx;
  blob_provider *b = self;
  *resp = NULL;
  *resp_len = 0;
  tea_cid cid;
  tea_code rc;
  if (strcmp(op, "get") == 0 || strcmp(op, "has") == 0) {
    if ((rc = parse(req, req_len, &cid, err)) != TEA_OK) return rc;
    pthread_mutex_lock(&b->lock);
    if (op[0] == 'h') {
      bool has = tea_blobstore_has(b->bs, &cid);
      pthread_mutex_unlock(&b->lock);
      return tea_provider_answer(has ? "1" : "0", 1, resp, resp_len, err);
    }
    uint8_t *block;
    size_t n;
    rc = tea_blobstore_get(b->bs, &cid, &block, &n, err);
    pthread_mutex_unlock(&b->lock);
    if (rc != TEA_OK) return rc;
    if (n > b->max_blob) {
      free(block);
      return tea_fail(err, TEA_ERR_LIMIT, "tea:blobstore: block of %zu bytes is over the limit of %zu", n, b->max_blob);
    }
    *resp = block;
    *resp_len = n;
    return TEA_OK;
  }
  if (strcmp(op, "put") == 0) {
    if (req_len > b->max_blob)
      return tea_fail(err, TEA_ERR_LIMIT, "tea:blobstore: block of %zu bytes is over the limit of %zu", req_len,
                      b->max_blob);
    pthread_mutex_lock(&b->lock);
    rc = tea_blobstore_put_raw(b->bs, req, req_len, &cid, err);
    pthread_mutex_unlock(&b->lock);
    if (rc != TEA_OK) return rc;
    char text[TEA_CID_STR_MAX];
    if ((rc = tea_cid_format(&cid, text, err)) != TEA_OK) return rc;
    return tea_provider_answer(text, strlen(text), resp, resp_len, err);
  }
  return tea_fail(err, TEA_ERR_ARG, "tea:blobstore has no operation %s (get, put, has)", op);
}

static void blob_destroy(void *self) {
  blob_provider *b = self;
  pthread_mutex_destroy(&b->lock);
  free(b);
}

static const tea_provider_ops blob_ops = {.capability = TEA_CAP_BLOBSTORE, .call = blob_call, .destroy = blob_destroy};

tea_code tea_provider_blobstore_new(tea_blobstore *bs, size_t max_blob, tea_provider **out, tea_error *err) {
  if (!bs) return tea_fail(err, TEA_ERR_ARG, "tea:blobstore needs a blob store");
  blob_provider *b = calloc(1, sizeof *b);
  if (!b) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  b->bs = bs;
  b->max_blob = max_blob ? max_blob : (1u << 20);
  pthread_mutex_init(&b->lock, NULL);
  return tea_provider_make(&blob_ops, b, out, err);
}
