/* Ed25519 keys for committee members and nodes (libsodium), and their key files. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tea/ledger.h"

static tea_code init_sodium(tea_error *err) {
  if (sodium_init() < 0) return tea_fail(err, TEA_ERR_CRYPTO, "libsodium failed to initialise");
  return TEA_OK;
}

tea_code tea_ledger_keygen(tea_ledger_keypair *kp, tea_error *err) {
  tea_code c = init_sodium(err);
  if (c) return c;
  crypto_sign_keypair(kp->pk, kp->sk);
  return TEA_OK;
}

tea_code tea_ledger_keypair_from_seed(const uint8_t seed[32], tea_ledger_keypair *kp, tea_error *err) {
  tea_code c = init_sodium(err);
  if (c) return c;
  crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
  return TEA_OK;
}

tea_code tea_ledger_key_save(const char *path, const tea_ledger_keypair *kp, tea_error *err) {
  char hex[2 * TEA_LEDGER_SK_LEN + 2];
  tea_hex_encode(kp->sk, TEA_LEDGER_SK_LEN, hex);
  strcat(hex, "\n");
  char tmp[4096];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
    return tea_fail(err, TEA_ERR_ARG, "key path too long");
  /* 0600 from creation: the secret never sits in a world-readable file. */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return tea_fail(err, TEA_ERR_IO, "%s: %s", tmp, strerror(errno));
  size_t n = strlen(hex);
  bool ok = write(fd, hex, n) == (ssize_t)n && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  sodium_memzero(hex, sizeof hex);
  if (!ok || rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return tea_fail(err, TEA_ERR_IO, "%s: %s", path, strerror(e));
  }
  return TEA_OK;
}

tea_code tea_ledger_key_load(const char *path, tea_ledger_keypair *kp, tea_error *err) {
  tea_code c = init_sodium(err);
  if (c) return c;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return tea_fail(err, TEA_ERR_IO, "%s: %s", path, strerror(errno));
  char buf[2 * TEA_LEDGER_SK_LEN + 8];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) return tea_fail(err, TEA_ERR_IO, "%s: %s", path, strerror(errno));
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) n--;
  size_t got = 0;
  c = tea_hex_decode(buf, (size_t)n, kp->sk, sizeof kp->sk, &got, err);
  sodium_memzero(buf, sizeof buf);
  if (c || got != TEA_LEDGER_SK_LEN)
    return tea_fail(err, TEA_ERR_MALFORMED, "%s: not a secret key (128 hex digits)", path);
  /* The public half is derived, so a key file whose halves disagree is refused. */
  uint8_t pk[TEA_LEDGER_KEY_LEN];
  crypto_sign_ed25519_sk_to_pk(pk, kp->sk);
  uint8_t check_pk[TEA_LEDGER_KEY_LEN], check_sk[TEA_LEDGER_SK_LEN];
  crypto_sign_seed_keypair(check_pk, check_sk, kp->sk);
  bool same = memcmp(pk, check_pk, sizeof pk) == 0;
  sodium_memzero(check_sk, sizeof check_sk);
  if (!same) return tea_fail(err, TEA_ERR_CRYPTO, "%s: public half does not match the seed", path);
  memcpy(kp->pk, pk, sizeof pk);
  return TEA_OK;
}
