/* The default ledger store: one append-only file.
 *
 *   "TEALEDG1"                                   file magic
 *   { u32le len ‖ u32le CRC32C(len ‖ payload) ‖ payload }*   one record per block
 *
 * Each append is a single write at the end followed by fdatasync, so after a crash the
 * file is every complete record plus possibly one torn one. Opening truncates that
 * torn tail; a failing record with more data after it cannot come from a torn append
 * and is reported as corruption instead of being silently cut away. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tea/ledger.h"

#define MAGIC "TEALEDG1"
#define MAGIC_LEN 8
#define HDR 8

typedef struct file_store {
  tea_ledger_store base;
  int fd;
  uint64_t *offs; /* offset of each record */
  size_t n, cap;
  uint64_t end; /* end of the last good record */
} file_store;

/* CRC32C (Castagnoli), one table lookup per byte: records are small and each is read
 * once per open, so nothing faster is needed. */
static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    crc_table[i] = c;
  }
}

uint32_t tea_crc32c(uint32_t crc, const void *data, size_t n) {
  pthread_once(&crc_once, crc_init);
  const uint8_t *p = data;
  crc = ~crc;
  while (n--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static void put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static tea_code read_full(int fd, void *buf, size_t n, uint64_t off, tea_error *err) {
  uint8_t *p = buf;
  while (n) {
    ssize_t r = pread(fd, p, n, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return tea_fail(err, TEA_ERR_IO, "ledger read: %s", strerror(errno));
    if (r == 0) return tea_fail(err, TEA_ERR_MALFORMED, "ledger file ends inside a record");
    p += r;
    n -= (size_t)r;
    off += (uint64_t)r;
  }
  return TEA_OK;
}

static tea_code write_full(int fd, const void *buf, size_t n, uint64_t off, tea_error *err) {
  const uint8_t *p = buf;
  while (n) {
    ssize_t w = pwrite(fd, p, n, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return tea_fail(err, TEA_ERR_IO, "ledger write: %s", strerror(errno));
    p += w;
    n -= (size_t)w;
    off += (uint64_t)w;
  }
  return TEA_OK;
}

static uint32_t record_crc(const uint8_t hdr_len[4], const uint8_t *payload, size_t n) {
  return tea_crc32c(tea_crc32c(0, hdr_len, 4), payload, n);
}

/* Reads and checks the record at off; *len gets its payload length. TEA_ERR_MALFORMED
 * when it is incomplete or fails its checksum. */
static tea_code read_record(file_store *fs, uint64_t off, uint64_t size, uint8_t **payload, uint32_t *len,
                            tea_error *err) {
  uint8_t hdr[HDR];
  if (off + HDR > size) return tea_fail(err, TEA_ERR_MALFORMED, "record header cut short");
  tea_code c = read_full(fs->fd, hdr, HDR, off, err);
  if (c) return c;
  uint32_t n = get_le32(hdr);
  if (n == 0 || n > TEA_LEDGER_BLOCK_MAX || off + HDR + n > size)
    return tea_fail(err, TEA_ERR_MALFORMED, "record length %u does not fit", n);
  uint8_t *p = malloc(n);
  if (!p) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  if ((c = read_full(fs->fd, p, n, off + HDR, err))) {
    free(p);
    return c;
  }
  if (record_crc(hdr, p, n) != get_le32(hdr + 4)) {
    free(p);
    return tea_fail(err, TEA_ERR_MALFORMED, "record checksum mismatch");
  }
  *len = n;
  if (payload) *payload = p;
  else free(p);
  return TEA_OK;
}

/* Is everything from off to the end zero (a file extended but never written)? */
static bool zeros_from(int fd, uint64_t off, uint64_t size) {
  uint8_t buf[4096];
  while (off < size) {
    size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
    if (read_full(fd, buf, n, off, NULL)) return false;
    for (size_t i = 0; i < n; i++)
      if (buf[i]) return false;
    off += n;
  }
  return true;
}

static tea_code push_off(file_store *fs, uint64_t off, tea_error *err) {
  if (fs->n == fs->cap) {
    size_t cap = fs->cap ? fs->cap * 2 : 64;
    uint64_t *o = realloc(fs->offs, cap * sizeof *o);
    if (!o) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
    fs->offs = o;
    fs->cap = cap;
  }
  fs->offs[fs->n++] = off;
  return TEA_OK;
}

/* fsync the directory holding path, so a new file's name survives a crash too (the
 * file's own fsync does not cover its directory entry). */
static tea_code sync_dir(const char *path, tea_error *err) {
  char dir[4096];
  const char *slash = strrchr(path, '/');
  if (!slash) {
    strcpy(dir, ".");
  } else if (slash == path) {
    strcpy(dir, "/");
  } else {
    size_t n = (size_t)(slash - path);
    if (n >= sizeof dir) return tea_fail(err, TEA_ERR_ARG, "path too long");
    memcpy(dir, path, n);
    dir[n] = '\0';
  }
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return tea_fail(err, TEA_ERR_IO, "%s: %s", dir, strerror(errno));
  int rc = fsync(fd);
  close(fd);
  return rc == 0 ? TEA_OK : tea_fail(err, TEA_ERR_IO, "%s: fsync: %s", dir, strerror(errno));
}

static tea_code scan(file_store *fs, const char *path, tea_error *err) {
  struct stat sb;
  if (fstat(fs->fd, &sb) != 0) return tea_fail(err, TEA_ERR_IO, "ledger stat: %s", strerror(errno));
  uint64_t size = (uint64_t)sb.st_size;
  uint8_t magic[MAGIC_LEN];
  if (size < MAGIC_LEN) {
    /* New, or its creation was torn: (re)write the magic. */
    if (size && (read_full(fs->fd, magic, (size_t)size, 0, NULL) || memcmp(magic, MAGIC, (size_t)size) != 0))
      return tea_fail(err, TEA_ERR_MALFORMED, "not a tea ledger file");
    tea_code c = write_full(fs->fd, MAGIC, MAGIC_LEN, 0, err);
    if (c) return c;
    if (fsync(fs->fd) != 0) return tea_fail(err, TEA_ERR_IO, "ledger fsync: %s", strerror(errno));
    fs->end = MAGIC_LEN;
    return sync_dir(path, err);
  }
  tea_code c = read_full(fs->fd, magic, MAGIC_LEN, 0, err);
  if (c) return c;
  if (memcmp(magic, MAGIC, MAGIC_LEN) != 0) return tea_fail(err, TEA_ERR_MALFORMED, "not a tea ledger file");
  uint64_t off = MAGIC_LEN;
  while (off < size) {
    uint32_t n = 0;
    tea_error rerr;
    c = read_record(fs, off, size, NULL, &n, &rerr);
    if (c == TEA_ERR_MALFORMED) {
      uint8_t hdr[HDR] = {0};
      bool last = off + HDR > size;
      if (!last && !read_full(fs->fd, hdr, HDR, off, NULL)) last = off + HDR + get_le32(hdr) >= size;
      if (!last && !zeros_from(fs->fd, off, size))
        return tea_fail(err, TEA_ERR_MALFORMED, "ledger corrupt at offset %llu (%s) with data after it",
                        (unsigned long long)off, rerr.msg);
      /* A torn append: cut it so the next append starts at a record boundary. */
      if (ftruncate(fs->fd, (off_t)off) != 0 || fsync(fs->fd) != 0)
        return tea_fail(err, TEA_ERR_IO, "ledger truncate: %s", strerror(errno));
      break;
    }
    if (c) return tea_fail(err, c, "%s", rerr.msg);
    if ((c = push_off(fs, off, err))) return c;
    off += HDR + n;
  }
  fs->end = off;
  return TEA_OK;
}

static tea_code fs_count(tea_ledger_store *s, uint64_t *n, tea_error *err) {
  (void)err;
  *n = ((file_store *)s)->n;
  return TEA_OK;
}

static tea_code fs_get(tea_ledger_store *s, uint64_t h, uint8_t **buf, size_t *n, tea_error *err) {
  file_store *fs = (file_store *)s;
  if (h >= fs->n) return tea_fail(err, TEA_ERR_NOT_FOUND, "no block %llu in the store", (unsigned long long)h);
  uint32_t len = 0;
  tea_code c = read_record(fs, fs->offs[h], fs->end, buf, &len, err);
  if (c) return c;
  *n = len;
  return TEA_OK;
}

static tea_code fs_append(tea_ledger_store *s, uint64_t h, const uint8_t *buf, size_t n, tea_error *err) {
  file_store *fs = (file_store *)s;
  if (h != fs->n)
    return tea_fail(err, TEA_ERR_STATE, "append at height %llu, the store is at %zu", (unsigned long long)h, fs->n);
  if (n == 0 || n > TEA_LEDGER_BLOCK_MAX) return tea_fail(err, TEA_ERR_LIMIT, "record size %zu", n);
  uint8_t *rec = malloc(HDR + n);
  if (!rec) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  put_le32(rec, (uint32_t)n);
  put_le32(rec + 4, record_crc(rec, buf, n));
  memcpy(rec + HDR, buf, n);
  tea_code c = push_off(fs, fs->end, err);
  if (!c) c = write_full(fs->fd, rec, HDR + n, fs->end, err);
  if (!c && fdatasync(fs->fd) != 0) c = tea_fail(err, TEA_ERR_IO, "ledger fsync: %s", strerror(errno));
  free(rec);
  if (c) {
    /* Leave the file as it was so the index and the file agree. */
    if (fs->n && fs->offs[fs->n - 1] == fs->end) fs->n--;
    if (ftruncate(fs->fd, (off_t)fs->end) != 0) { /* the next open truncates the tail */ }
    return c;
  }
  fs->end += HDR + n;
  return TEA_OK;
}

static void fs_close(tea_ledger_store *s) {
  file_store *fs = (file_store *)s;
  close(fs->fd); /* releases the lock */
  free(fs->offs);
  free(fs);
}

static const tea_ledger_store_ops file_ops = {"file", fs_count, fs_get, fs_append, fs_close};

tea_code tea_ledger_store_file_open(tea_ledger_store **out, const char *path, tea_error *err) {
  file_store *fs = calloc(1, sizeof *fs);
  if (!fs) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  fs->base.ops = &file_ops;
  fs->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fs->fd < 0) {
    free(fs);
    return tea_fail(err, TEA_ERR_IO, "%s: %s", path, strerror(errno));
  }
  /* One writer at a time: two processes appending would interleave records. */
  if (flock(fs->fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    fs_close(&fs->base);
    return tea_fail(err, TEA_ERR_STATE, "%s: %s", path,
                    e == EWOULDBLOCK ? "in use by another process" : strerror(e));
  }
  tea_code c = scan(fs, path, err);
  if (c) {
    fs_close(&fs->base);
    return c;
  }
  *out = &fs->base;
  return TEA_OK;
}

void tea_ledger_store_close(tea_ledger_store *s) {
  if (s) s->ops->close(s);
}
