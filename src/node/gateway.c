/* GET and HEAD /ipfs/{cid}: the server side of the trustless gateway protocol
 * (https://specs.ipfs.tech/http-gateways/trustless-gateway/), from the node's blob store.
 *   ?format=raw or Accept: application/vnd.ipld.raw  the block itself (the default)
 *   ?format=car or Accept: application/vnd.ipld.car  a CARv1 whose root is the CID and
 *       whose blocks follow in depth-first order, each once; ?dag-scope=block gives the
 *       root block only, all and entity the whole DAG (for a file they are the same).
 * ?format wins over Accept, as the spec says. Every block is verified as it is read, so
 * a corrupt store answers 500 rather than sending bad bytes. The answer is built in
 * memory before it is sent: a DAG with a block missing gets a 404 naming it instead of
 * a CAR cut short after a 200. MHD answers HEAD with the headers of the same answer. */
#include <stdlib.h>
#include <string.h>

#include "node/internal.h"

#define MAX_CAR (64u << 20)
#define CAR_TYPE "application/vnd.ipld.car; version=1; order=dfs; dups=n"

/* Holds the lock per block, not for the whole walk, so a large CAR does not stall
 * the node's other requests. */
static tea_code get_locked(void *ctx, const tea_cid *cid, uint8_t **block, size_t *n, tea_error *err) {
  tea_node *node = ctx;
  pthread_mutex_lock(&node->lock);
  tea_code rc = tea_blobstore_get(node->blobs, cid, block, n, err);
  pthread_mutex_unlock(&node->lock);
  return rc;
}

static void immutable(tea_http_response *resp, const char *cid_text, const char *suffix) {
  char etag[TEA_CID_STR_MAX + 16];
  snprintf(etag, sizeof etag, "\"%s%s\"", cid_text, suffix);
  tea_http_add_header(resp, "Etag", etag);
  tea_http_add_header(resp, "Cache-Control", "public, max-age=29030400, immutable");
  tea_http_add_header(resp, "X-Content-Type-Options", "nosniff");
  tea_http_add_header(resp, "Vary", "Accept");
}

static void problem_for(tea_http_response *resp, tea_code rc, const tea_error *err) {
  if (rc == TEA_ERR_NOT_FOUND) tea_http_problem(resp, 404, "Not Found", "%s", err->msg);
  else tea_http_problem(resp, 500, "Internal Server Error", "%s", err->msg);
}

void node_gateway(tea_node *n, const tea_http_request *req, const char *cid_text, tea_http_response *resp) {
  tea_cid cid;
  tea_error err;
  if (tea_cid_parse_cstr(cid_text, &cid, &err) != TEA_OK) {
    tea_http_problem(resp, 400, "Bad Request", "/ipfs/%.100s: %s (paths under a CID are not served)", cid_text,
                     err.msg);
    return;
  }
  const char *format = tea_http_query(req, "format"), *accept = tea_http_header(req, "Accept");
  const char *scope = tea_http_query(req, "dag-scope");
  bool car;
  if (format) {
    car = strcmp(format, "car") == 0;
    if (!car && strcmp(format, "raw") != 0) {
      tea_http_problem(resp, 400, "Bad Request", "format=%.40s: this gateway serves format=raw and format=car",
                       format);
      return;
    }
  } else {
    car = accept && strstr(accept, "application/vnd.ipld.car") != NULL;
  }
  if (scope && strcmp(scope, "all") != 0 && strcmp(scope, "entity") != 0 && strcmp(scope, "block") != 0) {
    tea_http_problem(resp, 400, "Bad Request", "dag-scope=%.40s: expected all, entity or block", scope);
    return;
  }
  if (!car) {
    uint8_t *b;
    size_t len;
    tea_code rc = get_locked(n, &cid, &b, &len, &err);
    if (rc != TEA_OK) {
      problem_for(resp, rc, &err);
      return;
    }
    resp->status = 200;
    resp->content_type = "application/vnd.ipld.raw";
    resp->body = b;
    resp->body_len = len;
    immutable(resp, cid_text, ".raw");
    return;
  }
  tea_mem_sink b = {.max = MAX_CAR};
  bool whole = !scope || strcmp(scope, "block") != 0;
  tea_code rc = tea_car_write_dag(&cid, whole, get_locked, n, tea_mem_write, &b, &err);
  if (rc != TEA_OK) {
    free(b.buf);
    problem_for(resp, rc, &err); /* over MAX_CAR: 500, the blocks can still be had one by one */
    return;
  }
  resp->status = 200;
  resp->content_type = CAR_TYPE;
  resp->body = b.buf;
  resp->body_len = b.len;
  immutable(resp, cid_text, whole ? ".car" : ".block.car");
  char disp[TEA_CID_STR_MAX + 40];
  snprintf(disp, sizeof disp, "attachment; filename=\"%s.car\"", cid_text);
  tea_http_add_header(resp, "Content-Disposition", disp);
}
