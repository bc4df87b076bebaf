/* The trustless gateway client against real HTTP servers on loopback (tea_http):
 * one serving a good CAR, and others that break the protocol in each way a source can
 * (HTTP 500, a corrupted block, a missing block, a wrong root, too slow, no CARs at
 * all, a lying raw block). The client must pass over each bad one and end with the
 * file's exact bytes. Files are multi-level UnixFS DAGs built with small chunks and
 * few links per node, so a few KiB make three or four levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tea/cas.h"
#include "tea/http.h"

#define MAX_BLOCKS 512

/* ---- a file's blocks, kept in memory ---- */

typedef struct blocks {
  tea_cid cid[MAX_BLOCKS];
  uint8_t *data[MAX_BLOCKS];
  size_t len[MAX_BLOCKS];
  size_t n;
} blocks;

static tea_code keep(void *ctx, const tea_cid *cid, const uint8_t *b, size_t n, tea_error *err) {
  (void)err;
  blocks *bl = ctx;
  assert_true(bl->n < MAX_BLOCKS);
  bl->cid[bl->n] = *cid;
  bl->data[bl->n] = malloc(n ? n : 1);
  memcpy(bl->data[bl->n], b, n);
  bl->len[bl->n++] = n;
  return TEA_OK;
}

static int find(const blocks *bl, const tea_cid *cid) {
  for (size_t i = 0; i < bl->n; i++)
    if (tea_cid_equal(&bl->cid[i], cid)) return (int)i;
  return -1;
}

static tea_code get_mem(void *ctx, const tea_cid *cid, uint8_t **block, size_t *n, tea_error *err) {
  const blocks *bl = ctx;
  int i = find(bl, cid);
  if (i < 0) return tea_fail(err, TEA_ERR_NOT_FOUND, "not in the test's blocks");
  *block = malloc(bl->len[i] ? bl->len[i] : 1);
  memcpy(*block, bl->data[i], bl->len[i]);
  *n = bl->len[i];
  return TEA_OK;
}

static void blocks_free(blocks *bl) {
  for (size_t i = 0; i < bl->n; i++) free(bl->data[i]);
  bl->n = 0;
}

/* The file: patterned bytes, chunk-byte leaves, `links` links per node. */
static void build(blocks *bl, uint8_t *file, size_t size, size_t chunk, unsigned links, bool legacy, tea_cid *root) {
  for (size_t i = 0; i < size; i++) file[i] = (uint8_t)(i * 7 + i / 251);
  tea_unixfs_opts o = {.chunk_size = chunk, .max_links = links, .legacy_v0 = legacy};
  tea_unixfs *u;
  tea_error err;
  memset(bl, 0, sizeof *bl);
  assert_int_equal(tea_unixfs_new(&u, &o, keep, bl, &err), TEA_OK);
  assert_int_equal(tea_unixfs_write(u, file, size, &err), TEA_OK);
  assert_int_equal(tea_unixfs_finish(u, root, &err), TEA_OK);
  tea_unixfs_free(u);
}

/* ---- the sources ---- */

static blocks fx;          /* the file every source serves */
static tea_cid fx_root;
static uint8_t fx_file[40000];
#define FX_SIZE 30001      /* 300-byte chunks, 4 links: 101 leaves, four levels */
static int raw_requests;   /* block requests the sources answered */
static int fx_victim;      /* the leaf bad CARs spoil: one in the middle of the file */

/* A CAR with one block changed by `how`: 'c' corrupt its bytes, 'm' leave it out,
 * 'r' name another root. The block chosen is a leaf deep in the file. */
static tea_mem_sink bad_car(char how) {
  tea_mem_sink m = {0};
  tea_error err;
  tea_cid root = how == 'r' ? fx.cid[0] : fx_root;
  assert_int_equal(tea_car_write_header(&root, 1, tea_mem_write, &m, &err), TEA_OK);
  for (size_t i = 0; i < fx.n; i++) {
    bool victim = (int)i == fx_victim;
    if (victim && how == 'm') continue;
    uint8_t *b = fx.data[i];
    uint8_t flipped[1024];
    if (victim && how == 'c') {
      memcpy(flipped, b, fx.len[i]);
      flipped[3] ^= 0x40;
      b = flipped;
    }
    assert_int_equal(tea_car_write_block(&fx.cid[i], b, fx.len[i], tea_mem_write, &m, &err), TEA_OK);
  }
  return m;
}

static void serve_raw(const char *cid_text, tea_http_response *resp, bool lie) {
  tea_cid cid;
  int i = tea_cid_parse_cstr(cid_text, &cid, NULL) == TEA_OK ? find(&fx, &cid) : -1;
  if (i < 0) {
    tea_http_problem(resp, 404, "Not Found", "no such block");
    return;
  }
  __atomic_fetch_add(&raw_requests, 1, __ATOMIC_SEQ_CST);
  resp->status = 200;
  tea_http_set_body(resp, "application/vnd.ipld.raw", fx.data[i], fx.len[i]);
  if (lie && fx.len[i] > 10) resp->body[5] ^= 1;
}

/* /{kind}/ipfs/{cid}: kind is how this source behaves. */
static void handler(void *user, const tea_http_request *req, tea_http_response *resp) {
  (void)user;
  const char *p = req->path + 1, *slash = strchr(p, '/');
  assert_non_null(slash);
  char kind[32];
  snprintf(kind, sizeof kind, "%.*s", (int)(slash - p), p);
  assert_int_equal(strncmp(slash, "/ipfs/", 6), 0);
  const char *cid = slash + 6, *format = tea_http_query(req, "format");
  bool car = format && strcmp(format, "car") == 0;
  if (car) {
    const char *accept = tea_http_header(req, "Accept");
    assert_non_null(accept);
    assert_non_null(strstr(accept, "application/vnd.ipld.car"));
    assert_string_equal(tea_http_query(req, "dag-scope"), "all");
  } else {
    assert_string_equal(tea_http_header(req, "Accept"), "application/vnd.ipld.raw");
  }
  if (strcmp(kind, "notcar") == 0) { /* a web server answering everything with a page */
    resp->status = 200;
    tea_http_set_body(resp, "text/html", "<html>hello</html>", 18);
  } else if (strcmp(kind, "e500") == 0) {
    tea_http_problem(resp, 500, "Internal Server Error", "broken on purpose");
  } else if (strcmp(kind, "rawonly") == 0 || strcmp(kind, "liar") == 0) {
    if (car) tea_http_problem(resp, 406, "Not Acceptable", "no CARs here");
    else serve_raw(cid, resp, strcmp(kind, "liar") == 0);
  } else if (!car) {
    serve_raw(cid, resp, false);
  } else {
    if (strcmp(kind, "slow") == 0) usleep(1200 * 1000);
    tea_mem_sink m = {0};
    tea_error err;
    if (strcmp(kind, "good") == 0 || strcmp(kind, "slow") == 0) {
      tea_cid want;
      assert_int_equal(tea_cid_parse_cstr(cid, &want, &err), TEA_OK);
      assert_int_equal(tea_car_write_dag(&want, true, get_mem, &fx, tea_mem_write, &m, &err), TEA_OK);
    } else if (strcmp(kind, "corrupt") == 0) m = bad_car('c');
    else if (strcmp(kind, "missing") == 0) m = bad_car('m');
    else if (strcmp(kind, "wrongroot") == 0) m = bad_car('r');
    else fail_msg("unknown source kind %s", kind);
    resp->status = 200;
    resp->content_type = "application/vnd.ipld.car; version=1";
    resp->body = m.buf;
    resp->body_len = m.len;
  }
}

static tea_http_server *server;
static char base[64];

static int setup(void **state) {
  (void)state;
  build(&fx, fx_file, FX_SIZE, 300, 4, false, &fx_root);
  fx_victim = (int)fx.n / 2;
  while (fx.cid[fx_victim].codec != TEA_CODEC_RAW) fx_victim++;
  tea_http_config cfg = {.threads = 4};
  tea_error err;
  if (tea_http_start(&cfg, handler, NULL, &server, &err) != TEA_OK) return -1;
  snprintf(base, sizeof base, "http://127.0.0.1:%u", tea_http_port(server));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  tea_http_stop(server);
  blocks_free(&fx);
  return 0;
}

static const char *src(const char *kind) {
  static char urls[16][96];
  static int next;
  char *u = urls[next++ % 16];
  snprintf(u, 96, "%s/%s/", base, kind); /* a trailing slash, as people write them */
  return u;
}

/* ---- tests ---- */

static void test_dag_is_multilevel(void **state) {
  (void)state;
  assert_int_equal(fx_root.codec, TEA_CODEC_DAG_PB);
  /* 101 leaves under 4-link nodes: 26 + 7 + 2 + 1 inner nodes */
  assert_int_equal(fx.n, 101 + 26 + 7 + 2 + 1);
  uint8_t *out;
  size_t len;
  tea_error err;
  assert_int_equal(tea_unixfs_cat(&fx_root, get_mem, &fx, 0, &out, &len, &err), TEA_OK);
  assert_int_equal(len, FX_SIZE);
  assert_memory_equal(out, fx_file, FX_SIZE);
  free(out);
  assert_int_equal(tea_unixfs_cat(&fx_root, get_mem, &fx, FX_SIZE - 1, &out, &len, &err), TEA_ERR_LIMIT);
}

static void test_good_car(void **state) {
  (void)state;
  const char *s[] = {src("good")};
  blocks got = {0};
  tea_gateway_opts o = {.sink = keep, .sink_ctx = &got};
  tea_gateway_report rep;
  uint8_t *out;
  size_t len;
  tea_error err;
  assert_int_equal(tea_gateway_fetch(&fx_root, s, 1, &o, &out, &len, &rep, &err), TEA_OK);
  assert_int_equal(len, FX_SIZE);
  assert_memory_equal(out, fx_file, FX_SIZE);
  assert_true(rep.car);
  assert_int_equal(rep.source, 0);
  assert_int_equal(rep.nfailed, 0);
  assert_int_equal(rep.blocks, fx.n);
  /* the sink saw every block, root first (depth-first order) */
  assert_int_equal(got.n, fx.n);
  assert_true(tea_cid_equal(&got.cid[0], &fx_root));
  for (size_t i = 0; i < fx.n; i++) assert_true(find(&got, &fx.cid[i]) >= 0);
  free(out);
  blocks_free(&got);
}

static void test_falls_over_every_bad_source(void **state) {
  (void)state;
  const char *s[] = {src("e500"), src("corrupt"), src("missing"), src("wrongroot"), src("slow"), src("notcar"),
                     src("good")};
  tea_gateway_opts o = {.timeout_ms = 400};
  tea_gateway_report rep;
  uint8_t *out;
  size_t len;
  tea_error err;
  raw_requests = 0;
  assert_int_equal(tea_gateway_fetch(&fx_root, s, 7, &o, &out, &len, &rep, &err), TEA_OK);
  assert_int_equal(len, FX_SIZE);
  assert_memory_equal(out, fx_file, FX_SIZE);
  free(out);
  assert_int_equal(rep.source, 6);
  assert_true(rep.car);
  /* one CAR attempt each; notcar's answer was no CAR, so its blocks were tried too */
  assert_int_equal(rep.nfailed, 7);
  assert_int_equal(rep.failed[0].source, 0);
  assert_non_null(strstr(rep.failed[0].err.msg, "HTTP 500"));
  assert_int_equal(rep.failed[1].source, 1);
  assert_int_equal(rep.failed[1].err.code, TEA_ERR_CRYPTO);
  assert_int_equal(rep.failed[2].source, 2);
  assert_non_null(strstr(rep.failed[2].err.msg, "lacks block"));
  assert_int_equal(rep.failed[3].source, 3);
  assert_non_null(strstr(rep.failed[3].err.msg, "root"));
  assert_int_equal(rep.failed[4].source, 4);
  assert_non_null(strstr(rep.failed[4].err.msg, "timed out"));
  assert_int_equal(rep.failed[5].source, 5);
  assert_non_null(strstr(rep.failed[5].err.msg, "not a CAR"));
  assert_int_equal(rep.failed[6].source, 5);
  assert_false(rep.failed[6].car);
  assert_int_equal(rep.failed[6].err.code, TEA_ERR_CRYPTO);
}

static void test_raw_blocks_when_no_car(void **state) {
  (void)state;
  const char *s[] = {src("rawonly")};
  tea_gateway_report rep;
  uint8_t *out;
  size_t len;
  tea_error err;
  raw_requests = 0;
  assert_int_equal(tea_gateway_fetch(&fx_root, s, 1, NULL, &out, &len, &rep, &err), TEA_OK);
  assert_int_equal(len, FX_SIZE);
  assert_memory_equal(out, fx_file, FX_SIZE);
  free(out);
  assert_false(rep.car);
  assert_int_equal(rep.nfailed, 1); /* the CAR request, refused with 406 */
  assert_non_null(strstr(rep.failed[0].err.msg, "HTTP 406"));
  assert_int_equal(raw_requests, (int)fx.n); /* each block once */
  assert_true(rep.received > FX_SIZE);
}

static void test_lying_raw_source_then_next(void **state) {
  (void)state;
  const char *s[] = {src("liar"), src("rawonly")};
  tea_gateway_report rep;
  uint8_t *out;
  size_t len;
  tea_error err;
  assert_int_equal(tea_gateway_fetch(&fx_root, s, 2, NULL, &out, &len, &rep, &err), TEA_OK);
  assert_memory_equal(out, fx_file, FX_SIZE);
  free(out);
  assert_int_equal(rep.source, 1);
  assert_int_equal(rep.nfailed, 3); /* liar: CAR refused, a bad block; rawonly: CAR refused */
  assert_false(rep.failed[1].car);
  assert_int_equal(rep.failed[1].err.code, TEA_ERR_CRYPTO);
}

static void test_all_sources_fail(void **state) {
  (void)state;
  const char *s[] = {src("e500"), src("missing"), "http://127.0.0.1:1"};
  tea_gateway_report rep;
  uint8_t *out = (uint8_t *)"x";
  size_t len = 7;
  tea_error err;
  assert_int_equal(tea_gateway_fetch(&fx_root, s, 3, NULL, &out, &len, &rep, &err), TEA_ERR_NOT_FOUND);
  assert_null(out);
  assert_int_equal(len, 0);
  assert_int_equal(rep.nfailed, 3);
  assert_non_null(strstr(err.msg, "no source could supply"));
  assert_non_null(strstr(err.msg, "HTTP 500"));
  assert_non_null(strstr(err.msg, "lacks block"));
  assert_int_equal(rep.failed[2].err.code, TEA_ERR_IO); /* nothing listens on port 1 */
  assert_int_equal(tea_gateway_fetch(&fx_root, s, 0, NULL, &out, &len, &rep, &err), TEA_ERR_NOT_FOUND);
}

static void test_size_limit(void **state) {
  (void)state;
  const char *s[] = {src("good"), src("rawonly")};
  tea_gateway_opts o = {.max_bytes = FX_SIZE / 2};
  tea_gateway_report rep;
  uint8_t *out;
  size_t len;
  tea_error err;
  assert_int_equal(tea_gateway_fetch(&fx_root, s, 2, &o, &out, &len, &rep, &err), TEA_ERR_NOT_FOUND);
  assert_int_equal(rep.nfailed, 3);
  assert_int_equal(rep.failed[0].err.code, TEA_ERR_LIMIT); /* the CAR is too long */
  assert_int_equal(rep.failed[2].err.code, TEA_ERR_LIMIT); /* the blocks add up past it */
  o.max_bytes = 200000;
  assert_int_equal(tea_gateway_fetch(&fx_root, s, 2, &o, &out, &len, &rep, &err), TEA_OK);
  free(out);
}

static void test_single_raw_block_and_empty_file(void **state) {
  (void)state;
  blocks saved = fx; /* serve a one-block file from the same server */
  tea_cid one, empty;
  tea_error err;
  memset(&fx, 0, sizeof fx);
  assert_int_equal(tea_cid_of(TEA_CODEC_RAW, "hello world", 11, &one, &err), TEA_OK);
  keep(&fx, &one, (const uint8_t *)"hello world", 11, &err);
  assert_int_equal(tea_cid_of(TEA_CODEC_RAW, "", 0, &empty, &err), TEA_OK);
  keep(&fx, &empty, (const uint8_t *)"", 0, &err);
  const char *s[] = {src("good")};
  uint8_t *out;
  size_t len;
  tea_gateway_report rep;
  assert_int_equal(tea_gateway_fetch(&one, s, 1, NULL, &out, &len, &rep, &err), TEA_OK);
  assert_int_equal(len, 11);
  assert_memory_equal(out, "hello world", 11);
  free(out);
  assert_int_equal(tea_gateway_fetch(&empty, s, 1, NULL, &out, &len, &rep, &err), TEA_OK);
  assert_non_null(out);
  assert_int_equal(len, 0);
  free(out);
  tea_gateway_opts raw = {.raw_only = true};
  assert_int_equal(tea_gateway_fetch(&one, s, 1, &raw, &out, &len, &rep, &err), TEA_OK);
  assert_false(rep.car);
  assert_int_equal(rep.nfailed, 0);
  free(out);
  blocks_free(&fx);
  fx = saved;
}

/* Plain `ipfs add` files keep their bytes in dag-pb leaves (UnixFS Data), CIDv0. */
static void test_legacy_leaves(void **state) {
  (void)state;
  blocks bl;
  static uint8_t file[5000];
  tea_cid root;
  build(&bl, file, sizeof file, 100, 3, true, &root);
  assert_int_equal(root.version, 0);
  uint8_t *out;
  size_t len;
  tea_error err;
  assert_int_equal(tea_unixfs_cat(&root, get_mem, &bl, 0, &out, &len, &err), TEA_OK);
  assert_int_equal(len, sizeof file);
  assert_memory_equal(out, file, sizeof file);
  free(out);
  blocks_free(&bl);
}

/* A walk refuses blocks that do not match, and DAGs that only pretend to be big. */
static void test_walk_limits(void **state) {
  (void)state;
  blocks bl = {0};
  tea_error err;
  uint8_t *out;
  size_t len;
  /* a leaf whose bytes are not what its CID says */
  tea_cid leaf;
  assert_int_equal(tea_cid_of(TEA_CODEC_RAW, "abc", 3, &leaf, &err), TEA_OK);
  keep(&bl, &leaf, (const uint8_t *)"abd", 3, &err);
  assert_int_equal(tea_unixfs_cat(&leaf, get_mem, &bl, 0, &out, &len, &err), TEA_ERR_CRYPTO);
  blocks_free(&bl);
  /* a directory is not a file */
  static const uint8_t dir[] = {0x0a, 0x02, 0x08, 0x01}; /* PBNode{Data: UnixFS{Type: Directory}} */
  tea_cid d;
  assert_int_equal(tea_cid_of(TEA_CODEC_DAG_PB, dir, sizeof dir, &d, &err), TEA_OK);
  keep(&bl, &d, dir, sizeof dir, &err);
  assert_int_equal(tea_unixfs_cat(&d, get_mem, &bl, 0, &out, &len, &err), TEA_ERR_UNSUPPORTED);
  blocks_free(&bl);
  /* a chain of nodes each linking the next twice: 2^40 visits of a few bytes each */
  tea_cid prev;
  assert_int_equal(tea_cid_of(TEA_CODEC_RAW, "", 0, &prev, &err), TEA_OK);
  keep(&bl, &prev, (const uint8_t *)"", 0, &err);
  for (int level = 0; level < 40; level++) {
    uint8_t node[256], h[TEA_CID_MAX_BYTES];
    size_t hl = tea_cid_encode(&prev, h), k = 0;
    for (int twice = 0; twice < 2; twice++) {
      node[k++] = 0x12;
      node[k++] = (uint8_t)(hl + 4);
      node[k++] = 0x0a;
      node[k++] = (uint8_t)hl;
      memcpy(node + k, h, hl);
      k += hl;
      node[k++] = 0x12;
      node[k++] = 0x00;
    }
    static const uint8_t data[] = {0x0a, 0x02, 0x08, 0x02};
    memcpy(node + k, data, sizeof data);
    k += sizeof data;
    assert_int_equal(tea_cid_of(TEA_CODEC_DAG_PB, node, k, &prev, &err), TEA_OK);
    keep(&bl, &prev, node, k, &err);
  }
  tea_code rc = tea_unixfs_cat(&prev, get_mem, &bl, 0, &out, &len, &err);
  assert_int_equal(rc, TEA_ERR_LIMIT); /* depth 41 > 32, or the visit cap */
  blocks_free(&bl);
}

/* The CAR writer's output reads back: root first, each block once. */
static void test_car_of_dag(void **state) {
  (void)state;
  tea_mem_sink m = {0};
  tea_error err;
  assert_int_equal(tea_car_write_dag(&fx_root, true, get_mem, &fx, tea_mem_write, &m, &err), TEA_OK);
  tea_mem_source src_ = {m.buf, m.len, 0};
  tea_car_reader r;
  assert_int_equal(tea_car_reader_open(&r, tea_mem_read, &src_, &err), TEA_OK);
  assert_int_equal(r.nroots, 1);
  assert_true(tea_cid_equal(&r.roots[0], &fx_root));
  size_t count = 0;
  for (bool done = false;;) {
    tea_cid c;
    const uint8_t *b;
    size_t n;
    assert_int_equal(tea_car_reader_next(&r, &c, &b, &n, &done, &err), TEA_OK);
    if (done) break;
    if (count == 0) assert_true(tea_cid_equal(&c, &fx_root));
    assert_true(find(&fx, &c) >= 0);
    count++;
  }
  assert_int_equal(count, fx.n);
  tea_car_reader_close(&r);
  free(m.buf);
  /* dag-scope=block: the root alone */
  m = (tea_mem_sink){0};
  assert_int_equal(tea_car_write_dag(&fx_root, false, get_mem, &fx, tea_mem_write, &m, &err), TEA_OK);
  src_ = (tea_mem_source){m.buf, m.len, 0};
  assert_int_equal(tea_car_reader_open(&r, tea_mem_read, &src_, &err), TEA_OK);
  tea_cid c;
  const uint8_t *b;
  size_t n;
  bool done;
  assert_int_equal(tea_car_reader_next(&r, &c, &b, &n, &done, &err), TEA_OK);
  assert_true(tea_cid_equal(&c, &fx_root));
  assert_int_equal(tea_car_reader_next(&r, &c, &b, &n, &done, &err), TEA_OK);
  assert_true(done);
  tea_car_reader_close(&r);
  free(m.buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dag_is_multilevel),
      cmocka_unit_test(test_good_car),
      cmocka_unit_test(test_falls_over_every_bad_source),
      cmocka_unit_test(test_raw_blocks_when_no_car),
      cmocka_unit_test(test_lying_raw_source_then_next),
      cmocka_unit_test(test_all_sources_fail),
      cmocka_unit_test(test_size_limit),
      cmocka_unit_test(test_single_raw_block_and_empty_file),
      cmocka_unit_test(test_legacy_leaves),
      cmocka_unit_test(test_walk_limits),
      cmocka_unit_test(test_car_of_dag),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
