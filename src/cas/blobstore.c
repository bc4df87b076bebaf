/* A directory of blocks keyed by CID (see tea/cas.h for the layout).
 *
 * Crash safety: a block is written to a temp file in the same directory, fsync'd,
 * renamed over its final name and the directory fsync'd, so its name appears only once
 * its bytes are durable; a crash leaves at worst a temp file, which open() removes.
 * Pins are empty files created and removed the same way (creation is atomic by itself).
 * Reads never trust the disk: every block is re-hashed against its CID. */
#include "cas/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_PREFIX ".tmp-"

struct tea_blobstore {
  char *blocks; /* DIR/blocks */
  char *pins;   /* DIR/pins */
  uint64_t quota, used;
};

static tea_code io_fail(tea_error *err, const char *what, const char *path) {
  return tea_fail(err, errno == ENOSPC ? TEA_ERR_LIMIT : TEA_ERR_IO, "blobstore: %s %s: %s", what, path,
                  strerror(errno));
}

static char *join(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = malloc(la + lb + 2);
  if (!s) return NULL;
  memcpy(s, a, la);
  s[la] = '/';
  memcpy(s + la + 1, b, lb + 1);
  return s;
}

static tea_code ensure_dir(const char *path, tea_error *err) {
  if (mkdir(path, 0755) == 0 || errno == EEXIST) {
    struct stat st;
    if (stat(path, &st) != 0) return io_fail(err, "stat", path);
    if (!S_ISDIR(st.st_mode)) return tea_fail(err, TEA_ERR_IO, "blobstore: %s is not a directory", path);
    return TEA_OK;
  }
  return io_fail(err, "mkdir", path);
}

static tea_code sync_dir(const char *path, tea_error *err) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_fail(err, "open", path);
  int rc = fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc ? io_fail(err, "fsync", path) : TEA_OK;
}

/* The file name of a CID: its v1 text, so v0 and v1 of the same content share a file. */
static tea_code cid_name(const tea_cid *cid, char out[TEA_CID_STR_MAX], tea_error *err) {
  tea_cid v1 = tea_cid_to_v1(cid);
  return tea_cid_format(&v1, out, err);
}

/* Is name the canonical text of a CIDv1? Anything else in the directory is not ours. */
static bool name_is_cid(const char *name, tea_cid *cid) {
  char back[TEA_CID_STR_MAX];
  if (tea_cid_parse_cstr(name, cid, NULL) || cid->version != 1) return false;
  return tea_cid_format(cid, back, NULL) == TEA_OK && strcmp(back, name) == 0;
}

tea_code tea_blobstore_open(tea_blobstore **out, const char *dir, uint64_t quota, tea_error *err) {
  *out = NULL;
  if (!dir || !*dir) return tea_fail(err, TEA_ERR_ARG, "blobstore: no directory");
  tea_blobstore *bs = calloc(1, sizeof *bs);
  if (!bs) return tea_fail(err, TEA_ERR_NOMEM, "blobstore: out of memory");
  bs->quota = quota;
  bs->blocks = join(dir, "blocks");
  bs->pins = join(dir, "pins");
  tea_code c = TEA_OK;
  if (!bs->blocks || !bs->pins) {
    c = tea_fail(err, TEA_ERR_NOMEM, "blobstore: out of memory");
    goto fail;
  }
  if ((c = ensure_dir(dir, err)) || (c = ensure_dir(bs->blocks, err)) || (c = ensure_dir(bs->pins, err)))
    goto fail;
  for (int pass = 0; pass < 2; pass++) {
    const char *path = pass ? bs->pins : bs->blocks;
    DIR *d = opendir(path);
    if (!d) {
      c = io_fail(err, "opendir", path);
      goto fail;
    }
    int dfd = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d))) {
      if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) {
        /* Left by a crash mid-write: never renamed, so never part of the store. */
        unlinkat(dfd, de->d_name, 0);
        continue;
      }
      struct stat st;
      tea_cid cid;
      if (pass == 0 && name_is_cid(de->d_name, &cid) && fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISREG(st.st_mode))
        bs->used += (uint64_t)st.st_size;
    }
    closedir(d);
  }
  *out = bs;
  return TEA_OK;
fail:
  tea_blobstore_close(bs);
  return c;
}

void tea_blobstore_close(tea_blobstore *bs) {
  if (!bs) return;
  free(bs->blocks);
  free(bs->pins);
  free(bs);
}

uint64_t tea_blobstore_used(const tea_blobstore *bs) { return bs->used; }
uint64_t tea_blobstore_quota(const tea_blobstore *bs) { return bs->quota; }

static tea_code write_all(int fd, const uint8_t *p, size_t n, const char *path, tea_error *err) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return io_fail(err, "write", path);
    p += w;
    n -= (size_t)w;
  }
  return TEA_OK;
}

/* Writes data to dirpath/name atomically (see the top of the file). */
static tea_code atomic_write(const char *dirpath, const char *name, const void *data, size_t n, tea_error *err) {
  char *tmpl = join(dirpath, TMP_PREFIX "XXXXXX");
  char *final = join(dirpath, name);
  tea_code c = TEA_OK;
  int fd = -1;
  if (!tmpl || !final) {
    c = tea_fail(err, TEA_ERR_NOMEM, "blobstore: out of memory");
    goto out;
  }
  fd = mkostemp(tmpl, O_CLOEXEC);
  if (fd < 0) {
    c = io_fail(err, "create temp file in", dirpath);
    goto out;
  }
  if ((c = write_all(fd, data, n, tmpl, err))) goto unlink_out;
  if (fsync(fd) != 0) {
    c = io_fail(err, "fsync", tmpl);
    goto unlink_out;
  }
  if (close(fd) != 0) {
    fd = -1;
    c = io_fail(err, "close", tmpl);
    goto unlink_out;
  }
  fd = -1;
  if (rename(tmpl, final) != 0) {
    c = io_fail(err, "rename", final);
    goto unlink_out;
  }
  c = sync_dir(dirpath, err);
  goto out;
unlink_out:
  if (fd >= 0) close(fd);
  unlink(tmpl);
out:
  free(tmpl);
  free(final);
  return c;
}

tea_code tea_blobstore_put(tea_blobstore *bs, const tea_cid *cid, const void *block, size_t n, tea_error *err) {
  if (n > TEA_BLOCK_MAX) return tea_fail(err, TEA_ERR_LIMIT, "blobstore: block of %zu bytes over the %u limit", n, TEA_BLOCK_MAX);
  tea_code c = tea_cid_verify(cid, block, n, err);
  if (c) return c;
  char name[TEA_CID_STR_MAX];
  if ((c = cid_name(cid, name, err))) return c;
  if (tea_blobstore_has(bs, cid)) return TEA_OK;
  if (bs->quota && (n > bs->quota || bs->used > bs->quota - n))
    return tea_fail(err, TEA_ERR_LIMIT, "blobstore: quota of %llu bytes reached (%llu used, block of %zu)",
                    (unsigned long long)bs->quota, (unsigned long long)bs->used, n);
  if ((c = atomic_write(bs->blocks, name, block, n, err))) return c;
  bs->used += n;
  return TEA_OK;
}

tea_code tea_blobstore_put_raw(tea_blobstore *bs, const void *block, size_t n, tea_cid *cid, tea_error *err) {
  tea_code c = tea_cid_of(TEA_CODEC_RAW, block, n, cid, err);
  return c ? c : tea_blobstore_put(bs, cid, block, n, err);
}

tea_code tea_blobstore_get_fn(void *bs, const tea_cid *cid, uint8_t **block, size_t *n, tea_error *err) {
  return tea_blobstore_get(bs, cid, block, n, err);
}

bool tea_blobstore_has(tea_blobstore *bs, const tea_cid *cid) {
  char name[TEA_CID_STR_MAX];
  if (cid_name(cid, name, NULL)) return false;
  char *path = join(bs->blocks, name);
  if (!path) return false;
  struct stat st;
  bool ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
  free(path);
  return ok;
}

tea_code tea_blobstore_get(tea_blobstore *bs, const tea_cid *cid, uint8_t **block, size_t *n, tea_error *err) {
  *block = NULL;
  *n = 0;
  char name[TEA_CID_STR_MAX];
  tea_code c = cid_name(cid, name, err);
  if (c) return c;
  char *path = join(bs->blocks, name);
  if (!path) return tea_fail(err, TEA_ERR_NOMEM, "blobstore: out of memory");
  uint8_t *buf = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    c = errno == ENOENT ? tea_fail(err, TEA_ERR_NOT_FOUND, "blobstore: %s not stored", name)
                        : io_fail(err, "open", path);
    goto out;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    c = io_fail(err, "stat", path);
    goto out;
  }
  /* The size on disk is not trusted either: a block over the limit cannot be ours. */
  if (!S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size > TEA_BLOCK_MAX) {
    c = tea_fail(err, TEA_ERR_CRYPTO, "blobstore: %s: stored file is not a valid block", name);
    goto out;
  }
  size_t size = (size_t)st.st_size, got = 0;
  buf = malloc(size ? size : 1);
  if (!buf) {
    c = tea_fail(err, TEA_ERR_NOMEM, "blobstore: out of memory");
    goto out;
  }
  while (got < size) {
    ssize_t r = read(fd, buf + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      c = io_fail(err, "read", path);
      goto out;
    }
    if (r == 0) break;
    got += (size_t)r;
  }
  if ((c = tea_cid_verify(cid, buf, got, err))) goto out;
  *block = buf;
  *n = got;
  buf = NULL;
out:
  if (fd >= 0) close(fd);
  free(buf);
  free(path);
  return c;
}

/* Removes DIR/sub/name; *size gets the bytes freed. */
static tea_code remove_file(const char *dirpath, const char *name, uint64_t *size, tea_error *err) {
  char *path = join(dirpath, name);
  if (!path) return tea_fail(err, TEA_ERR_NOMEM, "blobstore: out of memory");
  struct stat st;
  tea_code c = TEA_OK;
  if (lstat(path, &st) != 0) {
    c = errno == ENOENT ? tea_fail(err, TEA_ERR_NOT_FOUND, "blobstore: %s not present", name)
                        : io_fail(err, "stat", path);
  } else if (unlink(path) != 0) {
    c = io_fail(err, "unlink", path);
  } else if (size) {
    *size = (uint64_t)st.st_size;
  }
  free(path);
  return c;
}

tea_code tea_blobstore_remove(tea_blobstore *bs, const tea_cid *cid, tea_error *err) {
  char name[TEA_CID_STR_MAX];
  uint64_t size = 0;
  tea_code c = cid_name(cid, name, err);
  if (c || (c = remove_file(bs->blocks, name, &size, err))) return c;
  bs->used = bs->used > size ? bs->used - size : 0;
  return sync_dir(bs->blocks, err);
}


static tea_code store_sink(void *ctx, const tea_cid *cid, const uint8_t *block, size_t n, tea_error *err) {
  return tea_blobstore_put(ctx, cid, block, n, err);
}

tea_code tea_blobstore_add_fd(tea_blobstore *bs, int fd, tea_cid *root, tea_error *err) {
  return tea_unixfs_cid_of_fd(fd, store_sink, bs, root, err);
}

tea_code tea_blobstore_pin(tea_blobstore *bs, const tea_cid *cid, tea_error *err) {
  char name[TEA_CID_STR_MAX];
  tea_code c = cid_name(cid, name, err);
  if (c) return c;
  if (tea_blobstore_pinned(bs, cid)) return TEA_OK;
  return atomic_write(bs->pins, name, "", 0, err);
}

tea_code tea_blobstore_unpin(tea_blobstore *bs, const tea_cid *cid, tea_error *err) {
  char name[TEA_CID_STR_MAX];
  tea_code c = cid_name(cid, name, err);
  if (c || (c = remove_file(bs->pins, name, NULL, err))) return c;
  return sync_dir(bs->pins, err);
}

bool tea_blobstore_pinned(tea_blobstore *bs, const tea_cid *cid) {
  char name[TEA_CID_STR_MAX];
  if (cid_name(cid, name, NULL)) return false;
  char *path = join(bs->pins, name);
  if (!path) return false;
  struct stat st;
  bool ok = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
  free(path);
  return ok;
}

/* ---- gc: mark from the pins, sweep the rest ---- */

/* Open-addressing set of CIDv1s (the digest is already uniformly distributed). */
typedef struct mark_ctx {
  tea_blobstore *bs;
  cas_map live;
  tea_cid *stack; /* blocks whose links are still to be read */
  size_t depth, cap;
} mark_ctx;

static tea_code mark(void *vctx, const tea_cid *cid, uint64_t tsize, tea_error *err) {
  (void)tsize;
  mark_ctx *m = vctx;
  tea_cid v1 = tea_cid_to_v1(cid);
  bool added;
  tea_code c = cas_map_put(&m->live, &v1, NULL, 0, &added, err);
  if (c || !added) return c;
  if (v1.codec != TEA_CODEC_DAG_PB) return TEA_OK; /* only dag-pb links are followed */
  if (m->depth == m->cap) {
    size_t nc = m->cap ? m->cap * 2 : 64;
    tea_cid *ns = realloc(m->stack, nc * sizeof *ns);
    if (!ns) return tea_fail(err, TEA_ERR_NOMEM, "blobstore: gc out of memory");
    m->stack = ns;
    m->cap = nc;
  }
  m->stack[m->depth++] = v1;
  return TEA_OK;
}

tea_code tea_blobstore_gc(tea_blobstore *bs, uint64_t *freed, tea_error *err) {
  if (freed) *freed = 0;
  mark_ctx m = {.bs = bs};
  tea_code c = TEA_OK;
  DIR *d = opendir(bs->pins);
  if (!d) return io_fail(err, "opendir", bs->pins);
  struct dirent *de;
  while (!c && (de = readdir(d))) {
    tea_cid cid;
    if (name_is_cid(de->d_name, &cid)) c = mark(&m, &cid, 0, err);
  }
  closedir(d);
  /* Walk the pinned DAGs with an explicit stack (no recursion on stored data). A pinned
   * block that is missing is fine (nothing under it can be found either), but one that
   * fails verification stops gc: we could not know what it links to. */
  while (!c && m.depth) {
    tea_cid cur = m.stack[--m.depth];
    uint8_t *blk;
    size_t n;
    tea_code g = tea_blobstore_get(bs, &cur, &blk, &n, err);
    if (g == TEA_ERR_NOT_FOUND) continue;
    if (g) {
      c = g;
      break;
    }
    c = tea_dagpb_links(blk, n, mark, &m, err);
    free(blk);
  }
  if (c) goto out;
  if (!(d = opendir(bs->blocks))) {
    c = io_fail(err, "opendir", bs->blocks);
    goto out;
  }
  uint64_t total = 0;
  while ((de = readdir(d))) {
    tea_cid cid;
    if (!name_is_cid(de->d_name, &cid) || cas_map_get(&m.live, &cid)) continue;
    uint64_t size = 0;
    tea_error rerr;
    if (remove_file(bs->blocks, de->d_name, &size, &rerr) == TEA_OK) total += size;
  }
  closedir(d);
  bs->used = bs->used > total ? bs->used - total : 0;
  if (freed) *freed = total;
  c = sync_dir(bs->blocks, err);
out:
  cas_map_free(&m.live);
  free(m.stack);
  return c;
}
