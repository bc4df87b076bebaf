/* File, hashing and signing helpers of the trust layer. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "trust/internal.h"

tea_code tea_trust_write_private(const char *path, const uint8_t *buf, size_t len, tea_error *err) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
    return tea_fail(err, TEA_ERR_ARG, "path too long: %s", path);
  /* O_EXCL + 0600 at creation: the secret is never readable by others, not even
   * for an instant between open and chmod. */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return tea_fail(err, TEA_ERR_IO, "%s: %s", tmp, strerror(errno));
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, buf + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = errno;
      close(fd);
      unlink(tmp);
      return tea_fail(err, TEA_ERR_IO, "%s: %s", tmp, strerror(e));
    }
    off += (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp);
    return tea_fail(err, TEA_ERR_IO, "%s: %s", tmp, strerror(errno));
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return tea_fail(err, TEA_ERR_IO, "%s: %s", path, strerror(e));
  }
  return TEA_OK;
}

tea_code tea_trust_read_file(const char *path, size_t max, uint8_t **out, size_t *len, tea_error *err) {
  *out = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return tea_fail(err, e == ENOENT ? TEA_ERR_NOT_FOUND : TEA_ERR_IO, "%s: %s", path, strerror(e));
  }
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  if (!buf) {
    close(fd);
    return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  }
  for (;;) {
    if (n == cap) {
      if (cap > max) break;
      uint8_t *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        close(fd);
        return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
      }
      buf = nb;
      cap *= 2;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      free(buf);
      close(fd);
      return tea_fail(err, TEA_ERR_IO, "%s: %s", path, strerror(e));
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd);
  if (n > max) {
    free(buf);
    return tea_fail(err, TEA_ERR_LIMIT, "%s: larger than %zu bytes", path, max);
  }
  *out = buf;
  *len = n;
  return TEA_OK;
}

tea_code tea_trust_tagged_hash(const char *tag, uint8_t out[TEA_SHA256_LEN], tea_error *err, size_t n,
                               ...) {
  tea_sha256_ctx c;
  tea_code rc = tea_sha256_init(&c, err);
  if (rc) return rc;
  rc = tea_sha256_update(&c, tag, strlen(tag) + 1, err);
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n && rc == TEA_OK; i++) {
    const void *p = va_arg(ap, const void *);
    size_t len = va_arg(ap, size_t);
    rc = tea_sha256_update(&c, p, len, err);
  }
  va_end(ap);
  if (rc) {
    tea_sha256_abort(&c);
    return rc;
  }
  return tea_sha256_final(&c, out, err);
}

tea_code tea_trust_sign(const uint8_t sk[TEA_ED25519_SK_LEN], const uint8_t hash[TEA_SHA256_LEN],
                        uint8_t sig[TEA_ED25519_SIG_LEN], tea_error *err) {
  if (crypto_sign_detached(sig, NULL, hash, TEA_SHA256_LEN, sk) != 0)
    return tea_fail(err, TEA_ERR_CRYPTO, "signing failed");
  return TEA_OK;
}

bool tea_trust_sig_ok(const uint8_t pk[TEA_ED25519_PK_LEN], const uint8_t hash[TEA_SHA256_LEN],
                      const uint8_t sig[TEA_ED25519_SIG_LEN]) {
  return crypto_sign_verify_detached(sig, hash, TEA_SHA256_LEN, pk) == 0;
}

tea_code tea_trust_read_fixed(tea_cbor_reader *r, uint8_t *out, size_t n, const char *what,
                              tea_error *err) {
  const uint8_t *p;
  size_t len;
  tea_code rc = tea_cbor_read_bytes(r, &p, &len, err);
  if (rc) return rc;
  if (len != n) return tea_fail(err, TEA_ERR_INVALID, "%s: %zu bytes, want %zu", what, len, n);
  memcpy(out, p, n);
  return TEA_OK;
}

tea_code tea_trust_read_cstr(tea_cbor_reader *r, char *out, size_t cap, const char *what, tea_error *err) {
  const char *s;
  size_t n;
  tea_code rc = tea_cbor_read_text(r, &s, &n, err);
  if (rc) return rc;
  if (n >= cap) return tea_fail(err, TEA_ERR_LIMIT, "%s: longer than %zu bytes", what, cap - 1);
  /* An embedded NUL would make the C string say something other than what was signed. */
  if (memchr(s, 0, n)) return tea_fail(err, TEA_ERR_INVALID, "%s: contains NUL", what);
  memcpy(out, s, n);
  out[n] = '\0';
  return TEA_OK;
}

bool tea_trust_key_is(const char *k, size_t n, const char *s) {
  return strlen(s) == n && memcmp(k, s, n) == 0;
}
