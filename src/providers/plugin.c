/* Native provider plugins: a .so is hashed, compared with the approved
 * SHA-256, measured, copied into a sealed memfd and dlopen'ed from there, so
 * the code that runs is exactly the code that was checked (no window in which
 * the file on disk could be replaced). The plugin's provider is wrapped so
 * that freeing it also unloads the library. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "providers/common.h"
#include "tea/hash.h"

typedef struct plugin {
  tea_provider_ops ops; /* forwarding ops with the plugin's capability */
  const tea_provider_ops *inner;
  void *self;
  void *dl;
  int fd;
} plugin;

static tea_code fwd_begin(void *p, const tea_provider_ctx *ctx, void **session, tea_error *err) {
  plugin *pl = p;
  return pl->inner->begin(pl->self, ctx, session, err);
}

static tea_code fwd_call(void *p, void *session, const tea_provider_ctx *ctx, const char *op, const uint8_t *req,
                         size_t req_len, uint8_t **resp, size_t *resp_len, tea_error *err) {
  plugin *pl = p;
  return pl->inner->call(pl->self, session, ctx, op, req, req_len, resp, resp_len, err);
}

static tea_code fwd_end(void *p, void *session, const tea_provider_ctx *ctx, bool commit, tea_error *err) {
  plugin *pl = p;
  return pl->inner->end(pl->self, session, ctx, commit, err);
}

static void plugin_destroy(void *p) {
  plugin *pl = p;
  if (pl->inner && pl->inner->destroy) pl->inner->destroy(pl->self);
  if (pl->dl) dlclose(pl->dl);
  if (pl->fd >= 0) close(pl->fd);
  free(pl);
}

static uint8_t *read_all(const char *path, size_t *len, tea_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    tea_fail(err, TEA_ERR_IO, "cannot open plugin %s: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > TEA_PROVIDER_PLUGIN_MAX) {
    close(fd);
    tea_fail(err, TEA_ERR_LIMIT, "plugin %s is not a regular file of at most %u bytes", path,
             TEA_PROVIDER_PLUGIN_MAX);
    return NULL;
  }
  size_t n = (size_t)st.st_size, got = 0;
  uint8_t *buf = malloc(n ? n : 1);
  while (buf && got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      free(buf);
      buf = NULL;
      break;
    }
    got += (size_t)r;
  }
  close(fd);
  if (!buf) tea_fail(err, TEA_ERR_IO, "cannot read plugin %s", path);
  *len = n;
  return buf;
}

/* The verified bytes in an anonymous, sealed file. */
static int sealed_copy(const uint8_t *bytes, size_t n, tea_error *err) {
  int fd = memfd_create("tea-provider", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    tea_fail(err, TEA_ERR_IO, "memfd_create: %s", strerror(errno));
    return -1;
  }
  size_t off = 0;
  while (off < n) {
    ssize_t w = write(fd, bytes + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      close(fd);
      tea_fail(err, TEA_ERR_IO, "cannot copy the plugin: %s", strerror(errno));
      return -1;
    }
    off += (size_t)w;
  }
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
    close(fd);
    tea_fail(err, TEA_ERR_IO, "cannot seal the plugin copy: %s", strerror(errno));
    return -1;
  }
  return fd;
}

tea_code tea_provider_plugin_load(const char *path, const uint8_t sha256[32], const char *config,
                                  tea_provider_measure_fn measure, void *measure_user, tea_provider **out,
                                  tea_error *err) {
  *out = NULL;
  if (!path || !sha256 || !measure) return tea_fail(err, TEA_ERR_ARG, "a plugin needs a path, a hash and measure()");
  size_t n;
  uint8_t *bytes = read_all(path, &n, err);
  if (!bytes) return err ? err->code : TEA_ERR_IO;
  uint8_t got[32];
  tea_code rc = tea_sha256(bytes, n, got, err);
  if (rc == TEA_OK && memcmp(got, sha256, 32) != 0) {
    char g[65], w[65];
    tea_hex_encode(got, 32, g);
    tea_hex_encode(sha256, 32, w);
    rc = tea_fail(err, TEA_ERR_CRYPTO, "plugin %s hashes to %.16s..., not the approved %.16s...", path, g, w);
  }
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (rc == TEA_OK && (rc = measure(measure_user, got, "provider", base, err)) != TEA_OK)
    rc = tea_fail(err, rc, "plugin %s: measurement refused", base);
  plugin *pl = NULL;
  if (rc == TEA_OK && !(pl = calloc(1, sizeof *pl))) rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if (pl) pl->fd = -1;
  if (rc == TEA_OK && (pl->fd = sealed_copy(bytes, n, err)) < 0) rc = err ? err->code : TEA_ERR_IO;
  free(bytes);
  if (rc == TEA_OK) {
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", pl->fd);
    if (!(pl->dl = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL))) rc = tea_fail(err, TEA_ERR_LINK, "plugin %s: %s", base, dlerror());
  }
  tea_provider_plugin_init_fn init = NULL;
  if (rc == TEA_OK) {
    *(void **)&init = dlsym(pl->dl, "tea_provider_plugin_init");
    if (!init) rc = tea_fail(err, TEA_ERR_LINK, "plugin %s does not export tea_provider_plugin_init", base);
  }
  if (rc == TEA_OK) rc = init(config, &pl->inner, &pl->self, err);
  if (rc == TEA_OK && (!pl->inner || !pl->inner->capability || !pl->inner->call)) {
    pl->inner = NULL;
    rc = tea_fail(err, TEA_ERR_INVALID, "plugin %s returned incomplete provider ops", base);
  }
  if (rc != TEA_OK) {
    if (pl) plugin_destroy(pl);
    return rc;
  }
  pl->ops = (tea_provider_ops){.capability = pl->inner->capability,
                               .begin = pl->inner->begin ? fwd_begin : NULL,
                               .call = fwd_call,
                               .end = pl->inner->end ? fwd_end : NULL,
                               .destroy = plugin_destroy};
  return tea_provider_make(&pl->ops, pl, out, err);
}
