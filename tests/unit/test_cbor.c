/* Deterministic CBOR: encodings from RFC 8949 appendix A, map ordering, and rejection
 * of every non-canonical form the decoder must refuse; and the other encodings of
 * src/base (base64url, SHA-256). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tea/cbor.h"
#include "tea/hash.h"

/* Finishes e and compares its output with the hex string want. */
static void expect_hex(tea_cbor_enc *e, const char *want) {
  uint8_t *out = NULL;
  size_t n = 0;
  tea_error err;
  assert_int_equal(tea_cbor_enc_finish(e, &out, &n, &err), TEA_OK);
  char *hex = malloc(2 * n + 1);
  tea_hex_encode(out, n, hex);
  assert_string_equal(hex, want);
  /* Everything we encode must pass our own strict validation. */
  assert_int_equal(tea_cbor_validate(out, n, &err), TEA_OK);
  free(hex);
  free(out);
  tea_cbor_enc_free(e);
}

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
  size_t n = 0;
  assert_int_equal(tea_hex_decode(s, strlen(s), out, cap, &n, NULL), TEA_OK);
  return n;
}

static void test_integers(void **state) {
  (void)state;
  static const struct { int64_t v; const char *hex; } cases[] = {
      {0, "00"},           {1, "01"},           {23, "17"},          {24, "1818"},
      {100, "1864"},       {255, "18ff"},       {256, "190100"},     {1000, "1903e8"},
      {65535, "19ffff"},   {65536, "1a00010000"}, {1000000, "1a000f4240"},
      {4294967296LL, "1b0000000100000000"},       {-1, "20"},          {-10, "29"},
      {-24, "37"},         {-25, "3818"},       {-100, "3863"},      {-1000, "3903e7"},
      {INT64_MAX, "1b7fffffffffffffff"},          {INT64_MIN, "3b7fffffffffffffff"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tea_cbor_enc e;
    tea_cbor_enc_init(&e);
    assert_int_equal(tea_cbor_put_int(&e, cases[i].v), TEA_OK);
    expect_hex(&e, cases[i].hex);
    /* and back */
    uint8_t buf[16];
    size_t n = unhex(cases[i].hex, buf, sizeof buf);
    tea_cbor_reader r;
    int64_t v;
    assert_int_equal(tea_cbor_reader_init(&r, buf, n, NULL), TEA_OK);
    assert_int_equal(tea_cbor_read_int(&r, &v, NULL), TEA_OK);
    assert_true(v == cases[i].v);
    assert_true(tea_cbor_at_end(&r));
  }
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  tea_cbor_put_uint(&e, UINT64_MAX);
  expect_hex(&e, "1bffffffffffffffff");
}

static void test_strings_and_simple(void **state) {
  (void)state;
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  tea_cbor_begin_array(&e, 7);
  tea_cbor_put_bytes(&e, "\x01\x02\x03\x04", 4);
  tea_cbor_put_cstr(&e, "IETF");
  tea_cbor_put_text(&e, "\xc3\xbc", 2); /* u-umlaut */
  tea_cbor_put_bool(&e, false);
  tea_cbor_put_bool(&e, true);
  tea_cbor_put_null(&e);
  tea_cbor_put_bytes(&e, NULL, 0);
  tea_cbor_end(&e);
  expect_hex(&e, "874401020304644945544662c3bcf4f5f640");

  tea_cbor_enc_init(&e);
  tea_cbor_put_tag(&e, 1);
  tea_cbor_put_uint(&e, 1363896240);
  expect_hex(&e, "c11a514b67b0");

  /* A 24-byte string needs the one-byte length form. */
  tea_cbor_enc_init(&e);
  tea_cbor_put_text(&e, "abcdefghijklmnopqrstuvwx", 24);
  expect_hex(&e, "78186162636465666768696a6b6c6d6e6f707172737475767778");

  /* Invalid UTF-8 is refused at encoding time. */
  tea_cbor_enc_init(&e);
  assert_int_equal(tea_cbor_put_text(&e, "\xc3\x28", 2), TEA_ERR_ARG);
  uint8_t *out;
  size_t n;
  tea_error err;
  assert_int_equal(tea_cbor_enc_finish(&e, &out, &n, &err), TEA_ERR_ARG);
  tea_cbor_enc_free(&e);
}

static void test_map_sorting(void **state) {
  (void)state;
  /* RFC 8949 4.2.1's example order: 10, 100, -1, "z", "aa", [100], [-1], false. */
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  tea_cbor_begin_map(&e, 8);
  tea_cbor_put_bool(&e, false); tea_cbor_put_uint(&e, 8);
  tea_cbor_begin_array(&e, 1); tea_cbor_put_int(&e, -1); tea_cbor_end(&e); tea_cbor_put_uint(&e, 7);
  tea_cbor_put_cstr(&e, "aa"); tea_cbor_put_uint(&e, 5);
  tea_cbor_put_uint(&e, 100); tea_cbor_put_uint(&e, 2);
  tea_cbor_begin_array(&e, 1); tea_cbor_put_uint(&e, 100); tea_cbor_end(&e); tea_cbor_put_uint(&e, 6);
  tea_cbor_put_cstr(&e, "z"); tea_cbor_put_uint(&e, 4);
  tea_cbor_put_int(&e, -1); tea_cbor_put_uint(&e, 3);
  tea_cbor_put_uint(&e, 10); tea_cbor_put_uint(&e, 1);
  assert_int_equal(tea_cbor_end(&e), TEA_OK);
  expect_hex(&e, "a80a011864022003617a046261610581186406812007f408");

  /* Nested maps are sorted independently. */
  tea_cbor_enc_init(&e);
  tea_cbor_begin_map(&e, 2);
  tea_cbor_put_cstr(&e, "version"); tea_cbor_put_uint(&e, 1);
  tea_cbor_put_cstr(&e, "body");
  tea_cbor_begin_map(&e, 2);
  tea_cbor_put_cstr(&e, "y"); tea_cbor_put_null(&e);
  tea_cbor_put_cstr(&e, "x"); tea_cbor_put_bool(&e, true);
  tea_cbor_end(&e);
  tea_cbor_end(&e);
  expect_hex(&e, "a264626f6479a26178f56179f66776657273696f6e01");

  /* Keys already in order are kept (the encoder checks order as keys arrive);
     one key out of place anywhere, a shorter key after a longer one, or a
     tagged key, and the map is sorted all the same. */
  tea_cbor_enc_init(&e);
  tea_cbor_begin_map(&e, 3);
  tea_cbor_put_cstr(&e, "a"); tea_cbor_put_uint(&e, 1);
  tea_cbor_put_cstr(&e, "b"); tea_cbor_put_uint(&e, 2);
  tea_cbor_put_cstr(&e, "aa"); tea_cbor_put_uint(&e, 3);
  tea_cbor_end(&e);
  expect_hex(&e, "a3616101616202626161" "03");
  tea_cbor_enc_init(&e);
  tea_cbor_begin_map(&e, 3);
  tea_cbor_put_cstr(&e, "a"); tea_cbor_put_uint(&e, 1);
  tea_cbor_put_cstr(&e, "aa"); tea_cbor_put_uint(&e, 3);
  tea_cbor_put_cstr(&e, "b"); tea_cbor_put_uint(&e, 2);
  tea_cbor_end(&e);
  expect_hex(&e, "a3616101616202626161" "03");
  tea_cbor_enc_init(&e);
  tea_cbor_begin_map(&e, 2);
  tea_cbor_put_tag(&e, 1); tea_cbor_put_uint(&e, 0); tea_cbor_put_uint(&e, 1); /* key 0xc100 */
  tea_cbor_put_uint(&e, 5); tea_cbor_put_uint(&e, 2);                          /* key 0x05 */
  tea_cbor_end(&e);
  expect_hex(&e, "a20502c10001");
}

/* Duplicate keys are refused wherever they stand: next to each other, apart,
 * or in a map whose other keys are in order. */
static void test_map_duplicates(void **state) {
  (void)state;
  static const char *const orders[][3] = {{"a", "a", "b"}, {"b", "a", "b"}, {"a", "b", "b"}, {"b", "b", "a"}};
  for (size_t k = 0; k < 4; k++) {
    tea_cbor_enc e;
    tea_cbor_enc_init(&e);
    tea_cbor_begin_map(&e, 3);
    for (size_t i = 0; i < 3; i++) {
      tea_cbor_put_cstr(&e, orders[k][i]);
      tea_cbor_put_uint(&e, i);
    }
    assert_int_equal(tea_cbor_end(&e), TEA_ERR_ARG);
    uint8_t *out;
    size_t n;
    tea_error err;
    assert_int_equal(tea_cbor_enc_finish(&e, &out, &n, &err), TEA_ERR_ARG);
    assert_non_null(strstr(err.msg, "duplicate"));
    tea_cbor_enc_free(&e);
  }
}

/* Room made up front: the output is the same, and a reservation past the limit
 * fails like a write past it (and sticks). */
static void test_encoder_reserve(void **state) {
  (void)state;
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  assert_int_equal(tea_cbor_enc_reserve(&e, 1000), TEA_OK);
  tea_cbor_begin_array(&e, 2);
  tea_cbor_put_uint(&e, 1);
  tea_cbor_put_cstr(&e, "a");
  tea_cbor_end(&e);
  expect_hex(&e, "820161" "61");
  tea_cbor_enc_init(&e);
  tea_cbor_enc_set_limit(&e, 16);
  assert_int_equal(tea_cbor_enc_reserve(&e, 17), TEA_ERR_LIMIT);
  assert_int_equal(tea_cbor_put_uint(&e, 1), TEA_ERR_LIMIT);
  tea_cbor_enc_free(&e);
}

/* RFC 4648's vectors in the URL alphabet without padding, and every length up
 * to 70 against libsodium's encoder. */
static void test_base64url(void **state) {
  (void)state;
  static const char *const vectors[][2] = {{"", ""},         {"f", "Zg"},         {"fo", "Zm8"},
                                           {"foo", "Zm9v"},  {"foob", "Zm9vYg"},  {"fooba", "Zm9vYmE"},
                                           {"foobar", "Zm9vYmFy"}, {"\xfb\xff\xbf", "-_-_"}};
  for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
    char *b = tea_base64url_encode((const uint8_t *)vectors[i][0], strlen(vectors[i][0]));
    assert_non_null(b);
    assert_string_equal(b, vectors[i][1]);
    free(b);
  }
  uint8_t in[70];
  for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 37 + 11);
  for (size_t n = 0; n <= sizeof in; n++) {
    char want[100];
    sodium_bin2base64(want, sizeof want, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *b = tea_base64url_encode(in, n);
    assert_string_equal(b, want);
    free(b);
  }
}

/* SHA-256: FIPS 180-2's vectors; streaming in pieces of every size gives the
 * one-shot digest (compared with libsodium's); a finished context refuses
 * more input until it is initialised again. */
static void test_sha256(void **state) {
  (void)state;
  static const char *const vectors[][2] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"}};
  tea_error err;
  uint8_t d[TEA_SHA256_LEN];
  char hex[2 * TEA_SHA256_LEN + 1];
  for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
    assert_int_equal(tea_sha256(vectors[i][0], strlen(vectors[i][0]), d, &err), TEA_OK);
    tea_hex_encode(d, sizeof d, hex);
    assert_string_equal(hex, vectors[i][1]);
  }
  assert_int_equal(tea_sha256(NULL, 0, d, &err), TEA_OK);
  assert_int_equal(tea_sha256(NULL, 1, d, &err), TEA_ERR_ARG);

  uint8_t in[300], want[TEA_SHA256_LEN];
  for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 131 + 7);
  crypto_hash_sha256(want, in, sizeof in);
  for (size_t piece = 1; piece <= sizeof in; piece += piece < 70 ? 1 : 23) {
    tea_sha256_ctx c;
    assert_int_equal(tea_sha256_init(&c, &err), TEA_OK);
    for (size_t at = 0; at < sizeof in; at += piece)
      assert_int_equal(tea_sha256_update(&c, in + at, at + piece <= sizeof in ? piece : sizeof in - at, &err), TEA_OK);
    assert_int_equal(tea_sha256_final(&c, d, &err), TEA_OK);
    assert_memory_equal(d, want, sizeof d);
    assert_int_equal(tea_sha256_update(&c, in, 1, &err), TEA_ERR_STATE);
    assert_int_equal(tea_sha256_final(&c, d, &err), TEA_ERR_STATE);
  }
  tea_sha256_ctx c;
  assert_int_equal(tea_sha256_init(&c, &err), TEA_OK);
  assert_int_equal(tea_sha256_update(&c, NULL, 0, &err), TEA_OK);
  assert_int_equal(tea_sha256_update(&c, NULL, 3, &err), TEA_ERR_ARG);
  tea_sha256_abort(&c);
  assert_int_equal(tea_sha256_update(&c, in, 1, &err), TEA_ERR_STATE);
  tea_sha256_abort(&c); /* twice is fine */
}

static void test_encoder_misuse(void **state) {
  (void)state;
  tea_cbor_enc e;
  uint8_t *out;
  size_t n;
  tea_error err;

  tea_cbor_enc_init(&e); /* duplicate key */
  tea_cbor_begin_map(&e, 2);
  tea_cbor_put_cstr(&e, "a"); tea_cbor_put_uint(&e, 1);
  tea_cbor_put_cstr(&e, "a"); tea_cbor_put_uint(&e, 2);
  assert_int_equal(tea_cbor_end(&e), TEA_ERR_ARG);
  assert_int_equal(tea_cbor_put_uint(&e, 3), TEA_ERR_ARG); /* sticky */
  assert_int_equal(tea_cbor_enc_finish(&e, &out, &n, &err), TEA_ERR_ARG);
  assert_non_null(strstr(err.msg, "duplicate"));
  tea_cbor_enc_free(&e);

  tea_cbor_enc_init(&e); /* too many items */
  tea_cbor_begin_array(&e, 1);
  tea_cbor_put_uint(&e, 1);
  assert_int_equal(tea_cbor_put_uint(&e, 2), TEA_ERR_STATE);
  tea_cbor_enc_free(&e);

  tea_cbor_enc_init(&e); /* too few */
  tea_cbor_begin_array(&e, 2);
  tea_cbor_put_uint(&e, 1);
  assert_int_equal(tea_cbor_end(&e), TEA_ERR_STATE);
  tea_cbor_enc_free(&e);

  tea_cbor_enc_init(&e); /* unclosed */
  tea_cbor_begin_array(&e, 0);
  assert_int_equal(tea_cbor_enc_finish(&e, &out, &n, &err), TEA_ERR_STATE);
  tea_cbor_enc_free(&e);

  tea_cbor_enc_init(&e); /* dangling tag */
  tea_cbor_put_tag(&e, 42);
  assert_int_equal(tea_cbor_enc_finish(&e, &out, &n, &err), TEA_ERR_STATE);
  tea_cbor_enc_free(&e);

  tea_cbor_enc_init(&e); /* end without container */
  assert_int_equal(tea_cbor_end(&e), TEA_ERR_STATE);
  tea_cbor_enc_free(&e);

  tea_cbor_enc_init(&e); /* output limit */
  tea_cbor_enc_set_limit(&e, 8);
  assert_int_equal(tea_cbor_put_bytes(&e, "0123456789", 10), TEA_ERR_LIMIT);
  tea_cbor_enc_free(&e);

  /* the same limit, exactly, when the room is already there (short strings
     are written in place) */
  for (size_t n = 15; n <= 16; n++) {
    tea_cbor_enc_init(&e);
    tea_cbor_enc_set_limit(&e, 16);
    assert_int_equal(tea_cbor_enc_reserve(&e, 16), TEA_OK);
    assert_int_equal(tea_cbor_put_bytes(&e, "0123456789abcdef", n), n == 15 ? TEA_OK : TEA_ERR_LIMIT);
    if (n == 15) {
      assert_int_equal(e.len, 16);
      assert_int_equal(e.buf[0], 0x4f);
      assert_int_equal(tea_cbor_put_uint(&e, 1), TEA_ERR_LIMIT);
    }
    tea_cbor_enc_free(&e);
  }

  tea_cbor_enc_init(&e); /* nesting limit: the same as the decoder's */
  for (int i = 0; i < TEA_CBOR_MAX_DEPTH - 1; i++) assert_int_equal(tea_cbor_begin_array(&e, 1), TEA_OK);
  assert_int_equal(tea_cbor_put_tag(&e, 7), TEA_OK);
  assert_int_equal(tea_cbor_put_tag(&e, 7), TEA_ERR_LIMIT);
  tea_cbor_enc_free(&e);
  tea_cbor_enc_init(&e);
  for (int i = 0; i < TEA_CBOR_MAX_DEPTH; i++) assert_int_equal(tea_cbor_begin_array(&e, 1), TEA_OK);
  assert_int_equal(tea_cbor_put_uint(&e, 0), TEA_OK);
  for (int i = 0; i < TEA_CBOR_MAX_DEPTH; i++) assert_int_equal(tea_cbor_end(&e), TEA_OK);
  uint8_t *deep;
  size_t deep_n;
  assert_int_equal(tea_cbor_enc_finish(&e, &deep, &deep_n, NULL), TEA_OK);
  assert_int_equal(tea_cbor_validate(deep, deep_n, NULL), TEA_OK);
  free(deep);
  tea_cbor_enc_free(&e);
  tea_cbor_enc_init(&e);
  for (int i = 0; i < TEA_CBOR_MAX_DEPTH; i++) assert_int_equal(tea_cbor_begin_array(&e, 1), TEA_OK);
  assert_int_equal(tea_cbor_begin_array(&e, 1), TEA_ERR_LIMIT);
  tea_cbor_enc_free(&e);
  tea_cbor_enc_init(&e); /* tags before containers count as levels too */
  for (int i = 0; i < TEA_CBOR_MAX_DEPTH / 2; i++) {
    assert_int_equal(tea_cbor_put_tag(&e, 1), TEA_OK);
    assert_int_equal(tea_cbor_begin_array(&e, 1), TEA_OK);
  }
  assert_int_equal(tea_cbor_put_tag(&e, 1), TEA_ERR_LIMIT);
  tea_cbor_enc_free(&e);

  tea_cbor_enc_init(&e); /* raw items are validated */
  assert_int_equal(tea_cbor_put_raw(&e, (const uint8_t *)"\x18\x01", 2), TEA_ERR_INVALID);
  tea_cbor_enc_free(&e);
  tea_cbor_enc_init(&e);
  tea_cbor_begin_array(&e, 2);
  tea_cbor_put_raw(&e, (const uint8_t *)"\xa1\x61\x61\x01", 4);
  tea_cbor_put_uint(&e, 0);
  tea_cbor_end(&e);
  expect_hex(&e, "82a1616101" "00");
}

typedef struct bad { const char *hex; tea_code code; const char *why; } bad;

static void test_rejects_noncanonical(void **state) {
  (void)state;
  static const bad cases[] = {
      {"", TEA_ERR_MALFORMED, "truncated"},
      {"1817", TEA_ERR_INVALID, "non-shortest"},
      {"190017", TEA_ERR_INVALID, "non-shortest"},
      {"1a0000ffff", TEA_ERR_INVALID, "non-shortest"},
      {"1b00000000ffffffff", TEA_ERR_INVALID, "non-shortest"},
      {"3817", TEA_ERR_INVALID, "non-shortest"},
      {"580100", TEA_ERR_INVALID, "non-shortest"},
      {"d81701", TEA_ERR_INVALID, "non-shortest"},
      {"9900020102", TEA_ERR_INVALID, "non-shortest"},
      {"5f42010243030405ff", TEA_ERR_INVALID, "indefinite"},
      {"7f6161ff", TEA_ERR_INVALID, "indefinite"},
      {"9f01ff", TEA_ERR_INVALID, "indefinite"},
      {"bf616101ff", TEA_ERR_INVALID, "indefinite"},
      {"a2616201616102", TEA_ERR_INVALID, "out of order"},
      {"a2616101616102", TEA_ERR_INVALID, "duplicate"},
      {"a16161", TEA_ERR_MALFORMED, "truncated"},
      {"a2626161016102", TEA_ERR_INVALID, "out of order"}, /* "aa" before "a": longer first */
      {"f93c00", TEA_ERR_INVALID, "float"},
      {"fa47c35000", TEA_ERR_INVALID, "float"},
      {"fb3ff199999999999a", TEA_ERR_INVALID, "float"},
      {"f7", TEA_ERR_INVALID, "simple"},
      {"f0", TEA_ERR_INVALID, "simple"},
      {"f820", TEA_ERR_INVALID, "simple"},
      {"ff", TEA_ERR_MALFORMED, "break"},
      {"1c", TEA_ERR_MALFORMED, "reserved"},
      {"0000", TEA_ERR_MALFORMED, "trailing"},
      {"18", TEA_ERR_MALFORMED, "truncated"},
      {"1901", TEA_ERR_MALFORMED, "truncated"},
      {"5affffffff00", TEA_ERR_MALFORMED, "past the input"},
      {"5bffffffffffffffff00", TEA_ERR_MALFORMED, "past the input"},
      {"9bffffffffffffffff00", TEA_ERR_MALFORMED, "past the input"},
      {"bbffffffffffffffff00", TEA_ERR_MALFORMED, "past the input"},
      {"8301", TEA_ERR_MALFORMED, "past the input"},
      {"62c328", TEA_ERR_INVALID, "UTF-8"},
      {"62c080", TEA_ERR_INVALID, "UTF-8"},
      {"63eda080", TEA_ERR_INVALID, "UTF-8"},
      {"64f4908080", TEA_ERR_INVALID, "UTF-8"},
      {"c1", TEA_ERR_MALFORMED, "truncated"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t buf[64];
    size_t n = unhex(cases[i].hex, buf, sizeof buf);
    tea_error err;
    tea_error_clear(&err);
    tea_cbor_reader r;
    tea_code c = tea_cbor_reader_init(&r, n ? buf : NULL, n, &err);
    if (c != cases[i].code || !strstr(err.msg, cases[i].why))
      fail_msg("%s: got %s \"%s\", want %s containing \"%s\"", cases[i].hex, tea_code_name(c), err.msg,
               tea_code_name(cases[i].code), cases[i].why);
    assert_non_null(strstr(err.msg, "offset"));
  }
}

static void test_depth_limit(void **state) {
  (void)state;
  uint8_t buf[TEA_CBOR_MAX_DEPTH + 2];
  /* TEA_CBOR_MAX_DEPTH nested arrays around a 0 are fine; one more is not. */
  memset(buf, 0x81, TEA_CBOR_MAX_DEPTH);
  buf[TEA_CBOR_MAX_DEPTH] = 0;
  assert_int_equal(tea_cbor_validate(buf, TEA_CBOR_MAX_DEPTH + 1, NULL), TEA_OK);
  memset(buf, 0x81, TEA_CBOR_MAX_DEPTH + 1);
  buf[TEA_CBOR_MAX_DEPTH + 1] = 0;
  tea_error err;
  assert_int_equal(tea_cbor_validate(buf, TEA_CBOR_MAX_DEPTH + 2, &err), TEA_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "nesting"));
  /* Tags count too. */
  memset(buf, 0xc1, TEA_CBOR_MAX_DEPTH + 1);
  buf[TEA_CBOR_MAX_DEPTH + 1] = 0;
  assert_int_equal(tea_cbor_validate(buf, TEA_CBOR_MAX_DEPTH + 2, NULL), TEA_ERR_LIMIT);
}

static void test_reader(void **state) {
  (void)state;
  tea_cbor_enc e;
  tea_cbor_enc_init(&e);
  tea_cbor_begin_map(&e, 4);
  tea_cbor_put_cstr(&e, "sig"); tea_cbor_put_bytes(&e, "\xde\xad", 2);
  tea_cbor_put_cstr(&e, "n"); tea_cbor_put_int(&e, -5);
  tea_cbor_put_cstr(&e, "list");
  tea_cbor_begin_array(&e, 3);
  tea_cbor_put_null(&e); tea_cbor_put_bool(&e, true);
  tea_cbor_put_tag(&e, 42); tea_cbor_put_bytes(&e, "\x00\x01", 2);
  tea_cbor_end(&e);
  tea_cbor_put_cstr(&e, "skip");
  tea_cbor_begin_map(&e, 1); tea_cbor_put_uint(&e, 1); tea_cbor_put_uint(&e, 2); tea_cbor_end(&e);
  tea_cbor_end(&e);
  uint8_t *buf;
  size_t len;
  tea_error err;
  assert_int_equal(tea_cbor_enc_finish(&e, &buf, &len, &err), TEA_OK);
  tea_cbor_enc_free(&e);

  tea_cbor_reader r;
  uint64_t n, tag;
  int64_t i;
  bool b;
  const uint8_t *p;
  size_t pl;
  tea_cbor_type t;
  assert_int_equal(tea_cbor_reader_init(&r, buf, len, &err), TEA_OK);
  assert_int_equal(tea_cbor_peek(&r, &t, NULL), TEA_OK);
  assert_int_equal(t, TEA_CBOR_MAP);
  assert_int_equal(tea_cbor_read_map(&r, &n, NULL), TEA_OK);
  assert_int_equal(n, 4);
  /* Sorted: "n" (61 6e) < "sig" (63..) < "list" (64..) < "skip" (64 73..) */
  assert_int_equal(tea_cbor_expect_text(&r, "n", NULL), TEA_OK);
  assert_int_equal(tea_cbor_read_uint(&r, &n, &err), TEA_ERR_INVALID); /* it's a negint */
  assert_non_null(strstr(err.msg, "expected uint"));
  assert_int_equal(tea_cbor_read_int(&r, &i, NULL), TEA_OK);
  assert_int_equal(i, -5);
  assert_int_equal(tea_cbor_expect_text(&r, "nope", &err), TEA_ERR_INVALID);
  assert_int_equal(tea_cbor_expect_text(&r, "sig", NULL), TEA_OK);
  assert_int_equal(tea_cbor_read_bytes(&r, &p, &pl, NULL), TEA_OK);
  assert_int_equal(pl, 2);
  assert_memory_equal(p, "\xde\xad", 2);
  assert_int_equal(tea_cbor_expect_text(&r, "list", NULL), TEA_OK);
  assert_int_equal(tea_cbor_read_array(&r, &n, NULL), TEA_OK);
  assert_int_equal(n, 3);
  assert_int_equal(tea_cbor_read_bool(&r, &b, &err), TEA_ERR_INVALID);
  assert_int_equal(tea_cbor_read_null(&r, NULL), TEA_OK);
  assert_int_equal(tea_cbor_read_null(&r, NULL), TEA_ERR_INVALID);
  assert_int_equal(tea_cbor_read_bool(&r, &b, NULL), TEA_OK);
  assert_true(b);
  assert_int_equal(tea_cbor_read_tag(&r, &tag, NULL), TEA_OK);
  assert_int_equal(tag, 42);
  assert_int_equal(tea_cbor_read_bytes(&r, &p, &pl, NULL), TEA_OK);
  assert_int_equal(tea_cbor_expect_text(&r, "skip", NULL), TEA_OK);
  const uint8_t *raw;
  size_t rawn;
  assert_int_equal(tea_cbor_skip(&r, &raw, &rawn, NULL), TEA_OK);
  assert_int_equal(rawn, 3);
  assert_memory_equal(raw, "\xa1\x01\x02", 3);
  assert_true(tea_cbor_at_end(&r));
  assert_int_equal(tea_cbor_peek(&r, &t, NULL), TEA_ERR_NOT_FOUND);
  assert_int_equal(tea_cbor_read_uint(&r, &n, NULL), TEA_ERR_MALFORMED);
  free(buf);

  /* int64 range */
  uint8_t big[9];
  size_t bn = unhex("1b8000000000000000", big, sizeof big);
  assert_int_equal(tea_cbor_reader_init(&r, big, bn, NULL), TEA_OK);
  assert_int_equal(tea_cbor_read_int(&r, &i, NULL), TEA_ERR_LIMIT);
  bn = unhex("3b8000000000000000", big, sizeof big);
  assert_int_equal(tea_cbor_reader_init(&r, big, bn, NULL), TEA_OK);
  assert_int_equal(tea_cbor_read_int(&r, &i, NULL), TEA_ERR_LIMIT);

  /* validate_prefix leaves what follows to the caller */
  size_t il;
  assert_int_equal(tea_cbor_validate_prefix((const uint8_t *)"\x82\x01\x02\xff", 4, &il, NULL), TEA_OK);
  assert_int_equal(il, 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_integers),        cmocka_unit_test(test_strings_and_simple),
      cmocka_unit_test(test_map_sorting),     cmocka_unit_test(test_encoder_misuse),
      cmocka_unit_test(test_rejects_noncanonical), cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_reader),          cmocka_unit_test(test_encoder_reserve),
      cmocka_unit_test(test_base64url),        cmocka_unit_test(test_sha256),        cmocka_unit_test(test_map_duplicates),
  };
  return cmocka_run_group_tests_name("cbor", tests, NULL, NULL);
}
