/* Reading a whole input file, for every command: a regular file in one read
 * (start-up matters: `teanode wasm run` of hello world is about a
 * millisecond), standard input ("-") or a pipe to its end, never more than
 * a limit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

uint8_t *tea_cli_read_file(const char *path, size_t max, size_t *len, tea_error *err) {
  bool std_in = strcmp(path, "-") == 0;
  int fd = std_in ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    tea_fail(err, TEA_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  if (!max) max = SIZE_MAX - 1;
  struct stat st;
  bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (regular && (uint64_t)st.st_size > max) {
    tea_fail(err, TEA_ERR_LIMIT, "%s: over %zu bytes", path, max);
    if (!std_in) close(fd);
    return NULL;
  }
  /* a regular file's size is known: one buffer, one read; anything else grows */
  size_t cap = regular ? (size_t)st.st_size + 1 : 65536, n = 0;
  uint8_t *buf = malloc(cap);
  tea_code rc = buf ? TEA_OK : tea_fail(err, TEA_ERR_NOMEM, "%s: out of memory", path);
  while (rc == TEA_OK) {
    if (n == cap) {
      uint8_t *nb = cap > max ? NULL : realloc(buf, cap * 2);
      if (!nb) {
        rc = cap > max ? tea_fail(err, TEA_ERR_LIMIT, "%s: over %zu bytes", path, max)
                       : tea_fail(err, TEA_ERR_NOMEM, "%s: out of memory", path);
        break;
      }
      buf = nb;
      cap *= 2;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) rc = tea_fail(err, TEA_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    if (r <= 0) break;
    n += (size_t)r;
  }
  if (rc == TEA_OK && n > max) rc = tea_fail(err, TEA_ERR_LIMIT, "%s: over %zu bytes", path, max);
  if (!std_in) close(fd);
  if (rc != TEA_OK) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

uint8_t *tea_cli_read_or_say(const char *path, size_t *len) {
  tea_error err;
  uint8_t *b = tea_cli_read_file(path, 0, len, &err);
  if (!b) fprintf(stderr, "error: %s\n", err.msg);
  return b;
}
