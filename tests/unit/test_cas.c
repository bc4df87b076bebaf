/* Content addressing: varints, multibase, CIDs, UnixFS CIDs against go-ipfs vectors,
 * the blob store and CAR files.
 *
 * Where the UnixFS vectors come from (docs/cas.md says more):
 *  - empty and "hello world": the raw-block CIDs everyone publishes;
 *  - legacy (plain `ipfs add`, CIDv0, dag-pb leaves) with small chunk sizes: go-ipfs 0.5
 *    results recorded in the rust ipfs-unixfs 0.2 crate's tests;
 *  - 256 KiB chunks, legacy: Debian's ipfs_cid (rust ipfs-unixfs) on the same bytes;
 *  - 256 KiB chunks, raw leaves (our format): an independent Python implementation of
 *    go-unixfs's top-down balanced builder, which also reproduces every legacy vector. */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tea/cas.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
  size_t n = 0;
  assert_int_equal(tea_hex_decode(s, strlen(s), out, cap, &n, NULL), TEA_OK);
  return n;
}

static void assert_cid_str(const tea_cid *c, const char *want) {
  char s[TEA_CID_STR_MAX];
  assert_int_equal(tea_cid_format(c, s, NULL), TEA_OK);
  assert_string_equal(s, want);
}

/* ---- varints ---- */

static void test_varint(void **state) {
  (void)state;
  static const struct { uint64_t v; const char *hex; } ok[] = {
      {0, "00"}, {1, "01"}, {127, "7f"}, {128, "8001"}, {255, "ff01"}, {300, "ac02"},
      {16384, "808001"}, {(1ull << 63) - 1, "ffffffffffffffff7f"},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    uint8_t buf[TEA_UVARINT_MAX], want[16];
    size_t wn = unhex(ok[i].hex, want, sizeof want);
    size_t n = tea_uvarint_encode(ok[i].v, buf);
    assert_int_equal(n, wn);
    assert_memory_equal(buf, want, n);
    uint64_t v;
    size_t used;
    assert_int_equal(tea_uvarint_decode(want, wn, &v, &used, NULL), TEA_OK);
    assert_true(v == ok[i].v);
    assert_int_equal(used, wn);
  }
  uint8_t buf[TEA_UVARINT_MAX];
  assert_int_equal(tea_uvarint_encode(1ull << 63, buf), 0);
  static const char *bad[] = {"", "80", "8000", "ff00", "808000", "ffffffffffffffffff01", "ffffffffffffffff80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t b[16];
    size_t n = unhex(bad[i], b, sizeof b);
    uint64_t v;
    size_t used;
    assert_int_equal(tea_uvarint_decode(b, n, &v, &used, NULL), TEA_ERR_MALFORMED);
  }
}

/* ---- multibase ---- */

static void test_base32(void **state) {
  (void)state;
  /* RFC 4648 section 10, lower case and unpadded. */
  static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *out[] = {"", "my", "mzxq", "mzxw6", "mzxw6yq", "mzxw6ytb", "mzxw6ytboi"};
  for (size_t i = 0; i < 7; i++) {
    char s[32];
    uint8_t b[16];
    size_t n;
    assert_int_equal(tea_base32_encode((const uint8_t *)in[i], strlen(in[i]), s, sizeof s, NULL), TEA_OK);
    assert_string_equal(s, out[i]);
    assert_int_equal(tea_base32_decode(out[i], strlen(out[i]), b, sizeof b, &n, NULL), TEA_OK);
    assert_int_equal(n, strlen(in[i]));
    assert_memory_equal(b, in[i], n);
  }
  static const char *bad[] = {"mz", "MY", "my======", "m", "mzx", "mzxw6y", "m1", "my!"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t b[16];
    size_t n;
    assert_int_equal(tea_base32_decode(bad[i], strlen(bad[i]), b, sizeof b, &n, NULL), TEA_ERR_MALFORMED);
  }
  char small[4];
  assert_int_equal(tea_base32_encode((const uint8_t *)"foo", 3, small, sizeof small, NULL), TEA_ERR_LIMIT);
}

static void test_base58(void **state) {
  (void)state;
  char s[64];
  uint8_t b[64];
  size_t n;
  assert_int_equal(tea_base58_encode((const uint8_t *)"hello world", 11, s, sizeof s, NULL), TEA_OK);
  assert_string_equal(s, "StV1DL6CwTryKyV");
  assert_int_equal(tea_base58_decode("StV1DL6CwTryKyV", 15, b, sizeof b, &n, NULL), TEA_OK);
  assert_int_equal(n, 11);
  assert_memory_equal(b, "hello world", 11);
  assert_int_equal(tea_base58_encode((const uint8_t *)"\0\0\x01", 3, s, sizeof s, NULL), TEA_OK);
  assert_string_equal(s, "112");
  assert_int_equal(tea_base58_decode("112", 3, b, sizeof b, &n, NULL), TEA_OK);
  assert_int_equal(n, 3);
  assert_memory_equal(b, "\0\0\x01", 3);
  assert_int_equal(tea_base58_encode(NULL, 0, s, sizeof s, NULL), TEA_OK);
  assert_string_equal(s, "");
  static const char *bad[] = {"0", "O", "I", "l", "abc+", "a b"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(tea_base58_decode(bad[i], strlen(bad[i]), b, sizeof b, &n, NULL), TEA_ERR_MALFORMED);
  tea_multibase base;
  assert_int_equal(tea_multibase_decode("zStV1DL6CwTryKyV", 16, &base, b, sizeof b, &n, NULL), TEA_OK);
  assert_int_equal(base, TEA_BASE58BTC);
  assert_int_equal(tea_multibase_decode("mAQ", 3, &base, b, sizeof b, &n, NULL), TEA_ERR_UNSUPPORTED);
  assert_int_equal(tea_multibase_decode("", 0, &base, b, sizeof b, &n, NULL), TEA_ERR_MALFORMED);
}

/* ---- CIDs ---- */

#define HELLO_RAW "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
#define EMPTY_RAW "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"

static void test_cid(void **state) {
  (void)state;
  tea_cid c, d;
  assert_int_equal(tea_cid_of(TEA_CODEC_RAW, "hello world", 11, &c, NULL), TEA_OK);
  assert_cid_str(&c, HELLO_RAW);
  assert_int_equal(tea_cid_of(TEA_CODEC_RAW, NULL, 0, &c, NULL), TEA_OK);
  assert_cid_str(&c, EMPTY_RAW);

  assert_int_equal(tea_cid_parse_cstr(HELLO_RAW, &d, NULL), TEA_OK);
  assert_int_equal(d.version, 1);
  assert_int_equal(d.codec, TEA_CODEC_RAW);
  assert_int_equal(tea_cid_verify(&d, "hello world", 11, NULL), TEA_OK);
  tea_error err;
  assert_int_equal(tea_cid_verify(&d, "hello worle", 11, &err), TEA_ERR_CRYPTO);
  assert_non_null(strstr(err.msg, HELLO_RAW));

  /* v0 <-> v1 of the classic "hello world" (ipfs add without flags). */
  assert_int_equal(tea_cid_parse_cstr("Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD", &c, NULL), TEA_OK);
  assert_int_equal(c.version, 0);
  assert_int_equal(c.codec, TEA_CODEC_DAG_PB);
  assert_cid_str(&c, "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD");
  d = tea_cid_to_v1(&c);
  assert_cid_str(&d, "bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa");
  assert_false(tea_cid_equal(&c, &d));

  /* v1 in base58btc parses; it prints back in base32. */
  uint8_t bin[TEA_CID_MAX_BYTES];
  size_t bn = tea_cid_encode(&d, bin), used;
  assert_int_equal(bn, 36);
  char z[TEA_CID_STR_MAX];
  assert_int_equal(tea_multibase_encode(TEA_BASE58BTC, bin, bn, z, sizeof z, NULL), TEA_OK);
  assert_int_equal(tea_cid_parse_cstr(z, &c, NULL), TEA_OK);
  assert_true(tea_cid_equal(&c, &d));
  assert_int_equal(tea_cid_decode(bin, bn, &c, &used, NULL), TEA_OK);
  assert_int_equal(used, 36);

  /* dag-cbor codec round trip */
  assert_int_equal(tea_cid_of(TEA_CODEC_DAG_CBOR, "\xa0", 1, &c, NULL), TEA_OK);
  char s[TEA_CID_STR_MAX];
  assert_int_equal(tea_cid_format(&c, s, NULL), TEA_OK);
  assert_memory_equal(s, "bafyrei", 7);
  assert_int_equal(tea_cid_parse_cstr(s, &d, NULL), TEA_OK);
  assert_true(tea_cid_equal(&c, &d));
  assert_true(tea_cid_codec_known(TEA_CODEC_DAG_CBOR));
  assert_false(tea_cid_codec_known(0x0129));
}

static void test_cid_rejects(void **state) {
  (void)state;
  tea_cid c;
  static const struct { const char *s; tea_code code; } bad[] = {
      {"", TEA_ERR_MALFORMED},
      {"b", TEA_ERR_MALFORMED},
      {"BAFKREIFZJUT3TE2NHYEKKLSS27NH3K72YSCO7Y32KOAO5EEI66WOF36N5E", TEA_ERR_UNSUPPORTED}, /* base32upper */
      {"bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5", TEA_ERR_MALFORMED},  /* truncated */
      {"bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5f", TEA_ERR_MALFORMED}, /* bad trailing bits */
      {"bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5eaa", TEA_ERR_MALFORMED}, /* trailing byte */
      {"bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5E", TEA_ERR_MALFORMED}, /* mixed case */
      {"Qmzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", TEA_ERR_MALFORMED}, /* v0 not 0x12 0x20 */
      {"Qm11111111111111111111111111111111111111111111", TEA_ERR_MALFORMED},
      {"Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyf0", TEA_ERR_MALFORMED}, /* not base58 */
      {"Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyf", TEA_ERR_UNSUPPORTED},  /* 45 chars: not v0 */
      {"f01551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", TEA_ERR_UNSUPPORTED},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tea_error err;
    tea_code got = tea_cid_parse_cstr(bad[i].s, &c, &err);
    if (got != bad[i].code) fail_msg("%s: got %s (%s)", bad[i].s, tea_code_name(got), err.msg);
  }
  /* Binary forms, base32-wrapped. */
  static const struct { const char *hex; tea_code code; } bin[] = {
      {"1220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", TEA_ERR_MALFORMED}, /* v0 in multibase */
      {"02551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", TEA_ERR_UNSUPPORTED}, /* v2 */
      {"01551120b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", TEA_ERR_UNSUPPORTED}, /* sha1 */
      {"0155121fb94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcd", TEA_ERR_INVALID}, /* 31 bytes */
      {"01d5001220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", TEA_ERR_MALFORMED}, /* non-minimal codec */
      {"015512204d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", TEA_ERR_MALFORMED}, /* short digest */
      {"01", TEA_ERR_MALFORMED},
  };
  for (size_t i = 0; i < sizeof bin / sizeof bin[0]; i++) {
    uint8_t b[64];
    size_t n = unhex(bin[i].hex, b, sizeof b);
    char s[TEA_CID_STR_MAX];
    assert_int_equal(tea_multibase_encode(TEA_BASE32, b, n, s, sizeof s, NULL), TEA_OK);
    tea_error err;
    tea_code got = tea_cid_parse_cstr(s, &c, &err);
    if (got != bin[i].code) fail_msg("%s: got %s (%s)", bin[i].hex, tea_code_name(got), err.msg);
  }
  /* Printing refuses impossible CIDs. */
  c.version = 0;
  c.codec = TEA_CODEC_RAW;
  char s[TEA_CID_STR_MAX];
  assert_int_equal(tea_cid_format(&c, s, NULL), TEA_ERR_ARG);
}

/* ---- UnixFS ---- */

/* The bytes of the pattern files the vectors were computed on:
 * byte i = top byte of (i * 2654435761 mod 2^32). */
static void pattern(uint8_t *buf, size_t off, size_t n) {
  for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)((uint32_t)((off + i) * 2654435761u) >> 24);
}

typedef struct sink_stats {
  size_t blocks, bytes;
  tea_cid last;
} sink_stats;

static tea_code count_sink(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n, tea_error *err) {
  sink_stats *s = ctx;
  s->blocks++;
  s->bytes += n;
  s->last = *cid;
  return tea_cid_verify(cid, block, n, err); /* each block must carry its own CID */
}

/* CID of `size` pattern bytes, fed in pieces of varying length. */
static void pattern_cid(size_t size, bool legacy, size_t chunk, sink_stats *st, char out[TEA_CID_STR_MAX]) {
  tea_unixfs_opts o = {.legacy_v0 = legacy, .chunk_size = chunk};
  tea_unixfs *u;
  assert_int_equal(tea_unixfs_new(&u, &o, count_sink, st, NULL), TEA_OK);
  static uint8_t buf[1 << 20];
  size_t off = 0, step = 1;
  while (off < size) {
    size_t n = size - off < step ? size - off : step;
    pattern(buf, off, n);
    assert_int_equal(tea_unixfs_write(u, buf, n, NULL), TEA_OK);
    off += n;
    step = step * 7 % (sizeof buf) + 1; /* odd sizes that straddle chunk edges */
  }
  tea_cid root;
  assert_int_equal(tea_unixfs_finish(u, &root, NULL), TEA_OK);
  assert_int_equal(tea_unixfs_write(u, "x", 1, NULL), TEA_ERR_STATE);
  tea_unixfs_free(u);
  assert_true(tea_cid_equal(&root, &st->last)); /* root comes last */
  assert_int_equal(tea_cid_format(&root, out, NULL), TEA_OK);
}

static void test_unixfs_small(void **state) {
  (void)state;
  tea_cid c;
  assert_int_equal(tea_unixfs_cid_of(NULL, 0, &c, NULL), TEA_OK);
  assert_cid_str(&c, EMPTY_RAW);
  assert_int_equal(tea_unixfs_cid_of("hello world", 11, &c, NULL), TEA_OK);
  assert_cid_str(&c, HELLO_RAW);

  /* go-ipfs 0.5 vectors (plain ipfs add, CIDv0) with tiny chunks, to pin the layout. */
  static const char lorem[] =
      "Lorem ipsum dolor sit amet, sit enim montes aliquam. Cras non lorem, rhoncus condimentum, irure et ante. "
      "Pulvinar suscipit odio ante, et tellus a enim, wisi ipsum, vel rhoncus eget faucibus varius, luctus turpis "
      "nibh vel odio nulla pede.";
  static uint8_t zeros[349];
  static const struct { const char *data; size_t n, chunk; const char *cid; size_t blocks; } v[] = {
      {"", 0, 0, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", 1},
      {"foobar\n", 7, 0, "QmRgutAxd8t7oGkSm4wmeuByG6M51wcTso6cubDdQtuEfL", 1},
      {"foobar\n", 7, 2, "QmRJHYTNvC3hmd9gJQARxLR1QMEincccBV53bBw524yyq6", 5},
      {lorem, sizeof lorem - 1, 1, "QmRQ6NZNUs4JrCT2y7tmCC1wUhjqYuTssB8VXbbN3rMffg", 240},
      {lorem, sizeof lorem - 1, 32, "QmYSLcVQqxKygiq7x9w1XGYxU29EShB8ZemiaQ8GAAw17h", 9},
      {(const char *)zeros, 349, 2, "QmcHNWF1d56uCDSfJPA7t9fadZRV9we5HGSTGSmwuqmMP9", 178},
      {(const char *)zeros, 174, 1, "QmdgQac8c6Bo3MP5bHAg2yQ25KebFUsmkZFvyByYzf8UCB", 175},
      {"hello world", 11, 0, "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD", 1},
  };
  assert_int_equal(sizeof lorem - 1, 237);
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    tea_unixfs_opts o = {.legacy_v0 = true, .chunk_size = v[i].chunk};
    sink_stats st = {0};
    tea_unixfs *u;
    assert_int_equal(tea_unixfs_new(&u, &o, count_sink, &st, NULL), TEA_OK);
    for (size_t k = 0; k < v[i].n; k++) /* byte by byte: the builder must not care */
      assert_int_equal(tea_unixfs_write(u, v[i].data + k, 1, NULL), TEA_OK);
    assert_int_equal(tea_unixfs_finish(u, &c, NULL), TEA_OK);
    tea_unixfs_free(u);
    assert_cid_str(&c, v[i].cid);
    assert_int_equal(st.blocks, v[i].blocks);
  }
  tea_unixfs *u;
  tea_unixfs_opts bad = {.max_links = 1};
  assert_int_equal(tea_unixfs_new(&u, &bad, NULL, NULL, NULL), TEA_ERR_ARG);
}

static void test_unixfs_large(void **state) {
  (void)state;
  static const struct { size_t size; const char *raw, *legacy; size_t raw_blocks; } v[] = {
      {262144, "bafkreiecq6sthzzdvpdhqwwpdczxx26e4t3e5wmnzviqmqdphldgfqoe3m",
       "Qmav9n1KqB3BkrThrmqzBH3cao98vUcs5VzjzSJzBq78mF", 1},
      {262145, "bafybeigipb3upfgc7d3pg3llsnskvcftvdsi6mhqvmuxde2mq3do4gk47m",
       "Qma1PGhykYBExtRbho8kYQfQYXB2yXvcoh5HQAbkeDm4GD", 3},
      {1000000, "bafybeib3glmlvxa5dsbdu55cg4frgyxuoqbqtbuew7kgjidgmlmqcnthei",
       "QmT7zATdawUUyauKQE2EF9sFAJHU8mYn3WAw8sribPYRuU", 5},
      /* 174 chunks: exactly one full link node */
      {45613056, "bafybeidimne5wf5ewfzo7j3i6rqielsyhrfd3gchn3xe5vjxbzxs5d5rye",
       "Qmcq25A2VXSHkkffoAs9xoe7UQKo962uZukNKcguKngQCn", 175},
      /* one byte more: a second level appears */
      {45613057, "bafybeiajrrb2wso56upygo5ncasyf7ychzfsllqzv4yen5vlyacji47x5q",
       "QmQGzTr6PYdqKMWkrDAkwykcC2SnFvwuuyZZVNe9GUoCWi", 178},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char s[TEA_CID_STR_MAX];
    sink_stats st = {0};
    pattern_cid(v[i].size, false, 0, &st, s);
    assert_string_equal(s, v[i].raw);
    assert_int_equal(st.blocks, v[i].raw_blocks);
    sink_stats lt = {0};
    pattern_cid(v[i].size, true, 0, &lt, s);
    assert_string_equal(s, v[i].legacy);
  }
}

typedef struct links_seen { size_t n; uint64_t tsize; tea_cid first; } links_seen;

static tea_code see_link(void *ctx, const tea_cid *cid, uint64_t tsize, tea_error *err) {
  (void)err;
  links_seen *l = ctx;
  if (!l->n) l->first = *cid;
  l->n++;
  l->tsize += tsize;
  return TEA_OK;
}

typedef struct keep_last { uint8_t block[4096]; size_t n; } keep_last;

static tea_code keep_sink(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n, tea_error *err) {
  (void)cid;
  (void)err;
  keep_last *k = ctx;
  if (n <= sizeof k->block) {
    memcpy(k->block, block, n);
    k->n = n;
  }
  return TEA_OK;
}

static void test_dagpb(void **state) {
  (void)state;
  keep_last k = {0};
  tea_unixfs *u;
  static uint8_t buf[262145];
  pattern(buf, 0, sizeof buf);
  tea_cid root;
  assert_int_equal(tea_unixfs_new(&u, NULL, keep_sink, &k, NULL), TEA_OK);
  assert_int_equal(tea_unixfs_write(u, buf, sizeof buf, NULL), TEA_OK);
  assert_int_equal(tea_unixfs_finish(u, &root, NULL), TEA_OK);
  tea_unixfs_free(u);
  links_seen l = {0};
  assert_int_equal(tea_dagpb_links(k.block, k.n, see_link, &l, NULL), TEA_OK);
  assert_int_equal(l.n, 2);
  assert_int_equal(l.tsize, 262145); /* raw leaves: Tsize is the leaf length */
  assert_int_equal(l.first.codec, TEA_CODEC_RAW);
  /* Data before Links, unknown fields, truncation: all refused. */
  static const char *bad[] = {"0a00120a", "1a00", "12", "1205ffffffffff", "12021200", "0a000a00"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t b[32];
    size_t n = unhex(bad[i], b, sizeof b);
    assert_int_not_equal(tea_dagpb_links(b, n, NULL, NULL, NULL), TEA_OK);
  }
}

/* ---- blob store ---- */

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static int store_setup(void **state) {
  char *dir = strdup("/tmp/tea-cas-test-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  *state = dir;
  return 0;
}

static int store_teardown(void **state) {
  nftw(*state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(*state);
  return 0;
}

static char *path_of(const char *dir, const char *sub, const tea_cid *cid) {
  char s[TEA_CID_STR_MAX];
  tea_cid v1 = tea_cid_to_v1(cid);
  assert_int_equal(tea_cid_format(&v1, s, NULL), TEA_OK);
  char *p = malloc(strlen(dir) + strlen(sub) + strlen(s) + 3);
  sprintf(p, "%s/%s/%s", dir, sub, s);
  return p;
}

static size_t count_files(const char *dir, const char *sub, const char *prefix) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "ls -A %s/%s | grep -c '^%s' || true", dir, sub, prefix);
  FILE *f = popen(cmd, "r");
  size_t n = 0;
  if (fscanf(f, "%zu", &n) != 1) n = 0;
  pclose(f);
  return n;
}

static void test_blobstore_basic(void **state) {
  const char *dir = *state;
  tea_blobstore *bs;
  tea_error err;
  assert_int_equal(tea_blobstore_open(&bs, dir, 0, &err), TEA_OK);
  tea_cid c, e;
  assert_int_equal(tea_blobstore_put_raw(bs, "hello world", 11, &c, NULL), TEA_OK);
  assert_cid_str(&c, HELLO_RAW);
  assert_int_equal(tea_blobstore_put_raw(bs, "hello world", 11, &c, NULL), TEA_OK); /* idempotent */
  assert_int_equal(tea_blobstore_used(bs), 11);
  assert_true(tea_blobstore_has(bs, &c));
  uint8_t *b;
  size_t n;
  assert_int_equal(tea_blobstore_get(bs, &c, &b, &n, NULL), TEA_OK);
  assert_int_equal(n, 11);
  assert_memory_equal(b, "hello world", 11);
  free(b);
  /* empty block */
  assert_int_equal(tea_blobstore_put_raw(bs, NULL, 0, &e, NULL), TEA_OK);
  assert_int_equal(tea_blobstore_get(bs, &e, &b, &n, NULL), TEA_OK);
  assert_int_equal(n, 0);
  free(b);
  /* wrong CID for the bytes */
  assert_int_equal(tea_blobstore_put(bs, &c, "hello worle", 11, &err), TEA_ERR_CRYPTO);
  /* missing */
  tea_cid m;
  tea_cid_of(TEA_CODEC_RAW, "missing", 7, &m, NULL);
  assert_int_equal(tea_blobstore_get(bs, &m, &b, &n, &err), TEA_ERR_NOT_FOUND);
  assert_null(b);
  /* a v0 CID reaches the same file as its v1 */
  tea_cid v0;
  assert_int_equal(tea_cid_parse_cstr("Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD", &v0, NULL), TEA_OK);
  static const uint8_t hw_node[] = {0x0a, 0x11, 0x08, 0x02, 0x12, 0x0b, 'h', 'e', 'l', 'l', 'o', ' ',
                                    'w', 'o', 'r', 'l', 'd', 0x18, 0x0b};
  assert_int_equal(tea_blobstore_put(bs, &v0, hw_node, sizeof hw_node, &err), TEA_OK);
  tea_cid v1 = tea_cid_to_v1(&v0);
  assert_true(tea_blobstore_has(bs, &v1));
  /* no temp files are left behind */
  assert_int_equal(count_files(dir, "blocks", ".tmp-"), 0);
  /* remove */
  uint64_t before = tea_blobstore_used(bs);
  assert_int_equal(tea_blobstore_remove(bs, &v1, NULL), TEA_OK);
  assert_int_equal(tea_blobstore_used(bs), before - sizeof hw_node);
  assert_int_equal(tea_blobstore_remove(bs, &v1, NULL), TEA_ERR_NOT_FOUND);
  tea_blobstore_close(bs);
}

static void test_blobstore_corruption(void **state) {
  const char *dir = *state;
  tea_blobstore *bs;
  assert_int_equal(tea_blobstore_open(&bs, dir, 0, NULL), TEA_OK);
  tea_cid c;
  assert_int_equal(tea_blobstore_put_raw(bs, "hello world", 11, &c, NULL), TEA_OK);
  char *p = path_of(dir, "blocks", &c);
  /* flip a byte on disk: the read must refuse it */
  FILE *f = fopen(p, "r+b");
  assert_non_null(f);
  fputc('H', f);
  fclose(f);
  uint8_t *b = (uint8_t *)"x";
  size_t n = 1;
  tea_error err;
  assert_int_equal(tea_blobstore_get(bs, &c, &b, &n, &err), TEA_ERR_CRYPTO);
  assert_null(b);
  assert_int_equal(n, 0);
  /* truncated and oversized files too */
  assert_int_equal(truncate(p, 3), 0);
  assert_int_equal(tea_blobstore_get(bs, &c, &b, &n, &err), TEA_ERR_CRYPTO);
  assert_int_equal(truncate(p, TEA_BLOCK_MAX + 1), 0);
  assert_int_equal(tea_blobstore_get(bs, &c, &b, &n, &err), TEA_ERR_CRYPTO);
  free(p);
  tea_blobstore_close(bs);
}

static void test_blobstore_crash_leftovers(void **state) {
  const char *dir = *state;
  tea_blobstore *bs;
  assert_int_equal(tea_blobstore_open(&bs, dir, 0, NULL), TEA_OK);
  tea_cid c;
  assert_int_equal(tea_blobstore_put_raw(bs, "hello world", 11, &c, NULL), TEA_OK);
  tea_blobstore_close(bs);
  /* A crash between write and rename leaves a temp file; the block is not there. */
  char tmp[512];
  snprintf(tmp, sizeof tmp, "%s/blocks/.tmp-abcdef", dir);
  FILE *f = fopen(tmp, "wb");
  fputs("half a bl", f);
  fclose(f);
  /* an unrelated file is neither counted nor touched */
  snprintf(tmp, sizeof tmp, "%s/blocks/README", dir);
  f = fopen(tmp, "wb");
  fputs("not a block", f);
  fclose(f);
  assert_int_equal(tea_blobstore_open(&bs, dir, 0, NULL), TEA_OK);
  assert_int_equal(count_files(dir, "blocks", ".tmp-"), 0);
  assert_int_equal(tea_blobstore_used(bs), 11); /* recomputed from disk */
  assert_true(tea_blobstore_has(bs, &c));
  uint64_t freed;
  assert_int_equal(tea_blobstore_gc(bs, &freed, NULL), TEA_OK);
  assert_int_equal(freed, 11);
  assert_int_equal(access(tmp, F_OK), 0);
  tea_blobstore_close(bs);
}

static void test_blobstore_quota(void **state) {
  const char *dir = *state;
  tea_blobstore *bs;
  assert_int_equal(tea_blobstore_open(&bs, dir, 20, NULL), TEA_OK);
  assert_int_equal(tea_blobstore_quota(bs), 20);
  tea_cid a, b;
  tea_error err;
  assert_int_equal(tea_blobstore_put_raw(bs, "hello world", 11, &a, NULL), TEA_OK);
  assert_int_equal(tea_blobstore_put_raw(bs, "0123456789", 10, &b, &err), TEA_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "quota"));
  assert_false(tea_blobstore_has(bs, &b));
  assert_int_equal(tea_blobstore_put_raw(bs, "012345678", 9, &b, NULL), TEA_OK); /* exactly full */
  assert_int_equal(tea_blobstore_used(bs), 20);
  assert_int_equal(tea_blobstore_put_raw(bs, "x", 1, &b, NULL), TEA_ERR_LIMIT);
  /* gc frees room */
  uint64_t freed;
  assert_int_equal(tea_blobstore_gc(bs, &freed, NULL), TEA_OK);
  assert_int_equal(freed, 20);
  assert_int_equal(tea_blobstore_used(bs), 0);
  assert_int_equal(tea_blobstore_put_raw(bs, "x", 1, &b, NULL), TEA_OK);
  tea_blobstore_close(bs);
}

static void test_blobstore_pins_gc(void **state) {
  const char *dir = *state;
  char file[512];
  snprintf(file, sizeof file, "%s/input", dir);
  FILE *f = fopen(file, "wb");
  static uint8_t buf[1000000];
  pattern(buf, 0, sizeof buf);
  fwrite(buf, 1, sizeof buf, f);
  fclose(f);

  tea_blobstore *bs;
  assert_int_equal(tea_blobstore_open(&bs, dir, 0, NULL), TEA_OK);
  int fd = open(file, O_RDONLY);
  tea_cid root, extra, unpinned_later;
  assert_int_equal(tea_blobstore_add_fd(bs, fd, &root, NULL), TEA_OK);
  close(fd);
  assert_cid_str(&root, "bafybeib3glmlvxa5dsbdu55cg4frgyxuoqbqtbuew7kgjidgmlmqcnthei");
  uint64_t dag_bytes = tea_blobstore_used(bs);
  assert_true(dag_bytes > 1000000);
  assert_int_equal(tea_blobstore_put_raw(bs, "extra", 5, &extra, NULL), TEA_OK);
  assert_int_equal(tea_blobstore_put_raw(bs, "later", 5, &unpinned_later, NULL), TEA_OK);
  assert_int_equal(tea_blobstore_pin(bs, &root, NULL), TEA_OK);
  assert_int_equal(tea_blobstore_pin(bs, &root, NULL), TEA_OK);
  assert_int_equal(tea_blobstore_pin(bs, &unpinned_later, NULL), TEA_OK);
  tea_blobstore_close(bs);

  /* pins survive a reopen */
  assert_int_equal(tea_blobstore_open(&bs, dir, 0, NULL), TEA_OK);
  assert_true(tea_blobstore_pinned(bs, &root));
  assert_true(tea_blobstore_pinned(bs, &unpinned_later));
  assert_false(tea_blobstore_pinned(bs, &extra));
  assert_int_equal(tea_blobstore_unpin(bs, &unpinned_later, NULL), TEA_OK);
  assert_int_equal(tea_blobstore_unpin(bs, &unpinned_later, NULL), TEA_ERR_NOT_FOUND);
  uint64_t freed;
  assert_int_equal(tea_blobstore_gc(bs, &freed, NULL), TEA_OK);
  assert_int_equal(freed, 10);
  assert_int_equal(tea_blobstore_used(bs), dag_bytes);
  assert_false(tea_blobstore_has(bs, &extra));
  /* the whole pinned DAG is still there and reads back as the file */
  links_seen l = {0};
  uint8_t *b;
  size_t n;
  assert_int_equal(tea_blobstore_get(bs, &root, &b, &n, NULL), TEA_OK);
  assert_int_equal(tea_dagpb_links(b, n, see_link, &l, NULL), TEA_OK);
  free(b);
  assert_int_equal(l.n, 4);
  assert_int_equal(l.tsize, 1000000);
  assert_int_equal(tea_blobstore_get(bs, &l.first, &b, &n, NULL), TEA_OK);
  assert_int_equal(n, TEA_UNIXFS_CHUNK);
  assert_memory_equal(b, buf, n);
  free(b);
  /* a corrupt pinned node stops gc instead of deleting what it might link to */
  char *p = path_of(dir, "blocks", &root);
  f = fopen(p, "r+b");
  fputc(0x13, f);
  fclose(f);
  free(p);
  tea_error err;
  assert_int_equal(tea_blobstore_gc(bs, &freed, &err), TEA_ERR_CRYPTO);
  assert_true(tea_blobstore_has(bs, &l.first));
  /* unpinned, everything goes */
  assert_int_equal(tea_blobstore_unpin(bs, &root, NULL), TEA_OK);
  assert_int_equal(tea_blobstore_gc(bs, &freed, NULL), TEA_OK);
  assert_int_equal(freed, dag_bytes);
  assert_int_equal(tea_blobstore_used(bs), 0);
  tea_blobstore_close(bs);
}

/* ---- CAR ---- */

typedef struct membuf {
  uint8_t *p;
  size_t n, cap;
} membuf;

static tea_code mem_write(void *ctx, const void *data, size_t n, tea_error *err) {
  (void)err;
  membuf *m = ctx;
  if (m->n + n > m->cap) {
    m->cap = (m->n + n) * 2;
    m->p = realloc(m->p, m->cap);
  }
  memcpy(m->p + m->n, data, n);
  m->n += n;
  return TEA_OK;
}

static tea_code car_sink(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n, tea_error *err) {
  return tea_car_write_block(cid, block, n, mem_write, ctx, err);
}

/* Reads a whole CAR from memory; returns the first failure, counts blocks. */
static tea_code read_car(const uint8_t *p, size_t n, size_t *blocks, tea_car_reader *keep) {
  tea_mem_source src = {.buf = p, .len = n};
  tea_car_reader r;
  tea_error err;
  tea_code c = tea_car_reader_open(&r, tea_mem_read, &src, &err);
  *blocks = 0;
  while (!c) {
    tea_cid cid;
    const uint8_t *b;
    size_t bn;
    bool done;
    c = tea_car_reader_next(&r, &cid, &b, &bn, &done, &err);
    if (c || done) break;
    (*blocks)++;
  }
  if (keep) *keep = r;
  else tea_car_reader_close(&r);
  return c;
}

static void test_car(void **state) {
  (void)state;
  /* Header bytes are fixed by the format: check them exactly. */
  tea_cid hw;
  tea_cid_of(TEA_CODEC_RAW, "hello world", 11, &hw, NULL);
  membuf m = {0};
  assert_int_equal(tea_car_write_header(&hw, 1, mem_write, &m, NULL), TEA_OK);
  uint8_t want[128];
  size_t wn = unhex("3aa265726f6f747381d82a58250001551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7"
                    "ace2efcde96776657273696f6e01", want, sizeof want);
  assert_int_equal(m.n, wn);
  assert_memory_equal(m.p, want, wn);
  free(m.p);

  /* A multi-block file: write its DAG into a CAR, read it back. */
  tea_unixfs *u;
  static uint8_t buf[1000000];
  pattern(buf, 0, sizeof buf);
  membuf body = {0};
  tea_cid root;
  assert_int_equal(tea_unixfs_new(&u, NULL, car_sink, &body, NULL), TEA_OK);
  assert_int_equal(tea_unixfs_write(u, buf, sizeof buf, NULL), TEA_OK);
  assert_int_equal(tea_unixfs_finish(u, &root, NULL), TEA_OK);
  tea_unixfs_free(u);
  membuf car = {0};
  assert_int_equal(tea_car_write_header(&root, 1, mem_write, &car, NULL), TEA_OK);
  size_t hdr_len = car.n;
  mem_write(&car, body.p, body.n, NULL);
  free(body.p);

  size_t blocks;
  tea_car_reader r;
  assert_int_equal(read_car(car.p, car.n, &blocks, &r), TEA_OK);
  assert_int_equal(blocks, 5);
  assert_int_equal(r.nroots, 1);
  assert_true(tea_cid_equal(&r.roots[0], &root));
  tea_car_reader_close(&r);

  /* Corrupt one byte inside the first block's data: hash check fails. */
  car.p[hdr_len + 100] ^= 1;
  assert_int_equal(read_car(car.p, car.n, &blocks, NULL), TEA_ERR_CRYPTO);
  car.p[hdr_len + 100] ^= 1;
  /* Truncation anywhere after the header is malformed, never a clean end. */
  assert_int_equal(read_car(car.p, car.n - 1, &blocks, NULL), TEA_ERR_MALFORMED);
  assert_int_equal(read_car(car.p, hdr_len + 2, &blocks, NULL), TEA_ERR_MALFORMED);
  assert_int_equal(read_car(car.p, hdr_len, &blocks, NULL), TEA_OK); /* header only: no blocks */
  assert_int_equal(blocks, 0);
  assert_int_equal(read_car(car.p, 10, &blocks, NULL), TEA_ERR_MALFORMED);
  assert_int_equal(read_car(car.p, 0, &blocks, NULL), TEA_ERR_MALFORMED);
  /* A section claiming a huge length is refused before reading it. */
  uint8_t *huge = malloc(hdr_len + 5);
  memcpy(huge, car.p, hdr_len);
  memcpy(huge + hdr_len, "\xff\xff\xff\xff\x0f", 5);
  assert_int_equal(read_car(huge, hdr_len + 5, &blocks, NULL), TEA_ERR_LIMIT);
  free(huge);
  free(car.p);

  /* Headers: CARv2 pragma, wrong version, extra keys, non-canonical CBOR. */
  static const struct { const char *hex; tea_code code; } hdrs[] = {
      {"0aa16776657273696f6e02", TEA_ERR_UNSUPPORTED},
      {"11a265726f6f7473806776657273696f6e02", TEA_ERR_UNSUPPORTED},
      {"12a265726f6f7473806776657273696f6e01", TEA_ERR_MALFORMED},     /* length past input */
      {"11a265726f6f7473806776657273696f6e1801", TEA_ERR_MALFORMED}, /* non-shortest */
      {"11a26776657273696f6e0165726f6f747380", TEA_ERR_MALFORMED},   /* keys unsorted */
      {"1ca365726f6f7473806776657273696f6e01677a7a7a7a7a7a7a01", TEA_ERR_MALFORMED},
      {"13a265726f6f747381420000" "6776657273696f6e01", TEA_ERR_MALFORMED}, /* untagged root */
      {"00", TEA_ERR_LIMIT},
  };
  for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
    uint8_t b[64];
    size_t n = unhex(hdrs[i].hex, b, sizeof b);
    tea_code got = read_car(b, n, &blocks, NULL);
    if (got != hdrs[i].code) fail_msg("%s: got %s", hdrs[i].hex, tea_code_name(got));
  }
  /* empty roots is accepted (the format allows it) */
  uint8_t b[64];
  size_t n = unhex("11a265726f6f7473806776657273696f6e01", b, sizeof b);
  assert_int_equal(read_car(b, n, &blocks, NULL), TEA_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_varint),
      cmocka_unit_test(test_base32),
      cmocka_unit_test(test_base58),
      cmocka_unit_test(test_cid),
      cmocka_unit_test(test_cid_rejects),
      cmocka_unit_test(test_unixfs_small),
      cmocka_unit_test(test_unixfs_large),
      cmocka_unit_test(test_dagpb),
      cmocka_unit_test_setup_teardown(test_blobstore_basic, store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_blobstore_corruption, store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_blobstore_crash_leftovers, store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_blobstore_quota, store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_blobstore_pins_gc, store_setup, store_teardown),
      cmocka_unit_test(test_car),
  };
  return cmocka_run_group_tests_name("cas", tests, NULL, NULL);
}
