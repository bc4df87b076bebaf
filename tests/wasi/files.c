/* File system round trip inside one directory, given as argv[1] (a fresh
 * temporary directory natively; a preopened one under WASI). Prints only
 * names relative to that directory, sorted, so every runner prints the same:
 * writes and reads back, seeks, pread/pwrite, stats, truncation, appends,
 * renames, links, symlinks, timestamps, directory listings, and the errno of
 * the failures every POSIX system agrees on. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static char root[4096];

static const char *at(const char *rel) {
  static char buf[2][8192];
  static int which;
  which ^= 1;
  snprintf(buf[which], sizeof buf[which], "%s/%s", root, rel);
  return buf[which];
}

static const char *errname(int e) {
  switch (e) {
  case ENOENT: return "ENOENT";
  case EEXIST: return "EEXIST";
  case ENOTEMPTY: return "ENOTEMPTY";
  case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR";
  default: return "other";
  }
}

static struct stat st;

static int fail(const char *what) {
  printf("FAIL %s: %s\n", what, strerror(errno));
  return 1;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int list(const char *rel) {
  DIR *d = opendir(at(rel));
  if (!d) return fail("opendir");
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    const char *t = e->d_type == DT_DIR ? "dir" : e->d_type == DT_REG ? "file"
                    : e->d_type == DT_LNK ? "link" : "other";
    size_t l = strlen(e->d_name) + 8;
    names[n] = malloc(l);
    snprintf(names[n++], l, "%s %s", e->d_name, t);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmp);
  printf("list %s:", rel);
  for (int i = 0; i < n; i++) {
    printf(" [%s]", names[i]);
    free(names[i]);
  }
  printf("\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: files DIR\n");
    return 2;
  }
  snprintf(root, sizeof root, "%s", argv[1]);
  int r; /* results read before errno: argument order is unspecified */

  if (mkdir(at("sub"), 0755) != 0) return fail("mkdir sub");
  if (mkdir(at("sub/deeper"), 0755) != 0) return fail("mkdir sub/deeper");
  errno = 0;
  r = mkdir(at("sub"), 0755);
  printf("mkdir again: %d %s\n", r, errname(errno));

  /* Text through stdio, read back line by line. */
  FILE *f = fopen(at("sub/a.txt"), "w");
  if (!f) return fail("fopen a.txt");
  for (int i = 0; i < 5; i++) fprintf(f, "line %d: %d\n", i, i * i * 37);
  fclose(f);
  f = fopen(at("sub/a.txt"), "a");
  if (!f) return fail("fopen a.txt for append");
  fputs("appended\n", f);
  fclose(f);
  f = fopen(at("sub/../sub/./a.txt"), "r");
  if (!f) return fail("reopen a.txt");
  char line[128];
  while (fgets(line, sizeof line, f)) printf("read %s", line);
  fclose(f);

  /* Binary through file descriptors: seek, tell, pread, pwrite. */
  int fd = open(at("b.bin"), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return fail("open b.bin");
  unsigned char buf[1000];
  for (int i = 0; i < 1000; i++) buf[i] = (unsigned char)(i * 7 + 3);
  if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) return fail("write b.bin");
  printf("tell after write %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  printf("seek set 500 -> %ld\n", (long)lseek(fd, 500, SEEK_SET));
  unsigned char got[10];
  if (read(fd, got, 10) != 10) return fail("read b.bin");
  printf("bytes at 500:");
  for (int i = 0; i < 10; i++) printf(" %d", got[i]);
  printf("\nseek end -5 -> %ld\n", (long)lseek(fd, -5, SEEK_END));
  printf("seek cur +2 -> %ld\n", (long)lseek(fd, 2, SEEK_CUR));
  if (pwrite(fd, "XYZ", 3, 10) != 3) return fail("pwrite");
  if (pread(fd, got, 5, 9) != 5) return fail("pread");
  printf("pread at 9: %d %c %c %c %d\n", got[0], got[1], got[2], got[3], got[4]);
  printf("tell after pread %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  /* The less common calls: advice, allocation, syncs, flags, fd times. */
  printf("fadvise %d\n", posix_fadvise(fd, 0, 100, POSIX_FADV_SEQUENTIAL));
  printf("fallocate %d\n", posix_fallocate(fd, 0, 2000));
  if (fstat(fd, &st) != 0) return fail("fstat");
  printf("size after fallocate %lld\n", (long long)st.st_size);
  printf("fsync %d fdatasync %d sched_yield %d\n", fsync(fd), fdatasync(fd), sched_yield());
  if (fcntl(fd, F_SETFL, O_APPEND) != 0) return fail("fcntl F_SETFL");
  /* (Not printed: F_GETFL's O_APPEND, which node:wasi does not report.) */
  if (write(fd, "end", 3) != 3) return fail("append write");
  if (fstat(fd, &st) != 0) return fail("fstat");
  printf("size after append %lld\n", (long long)st.st_size);
  struct timespec ts[2] = {{0, UTIME_OMIT}, {987654321, 0}};
  if (futimens(fd, ts) != 0) return fail("futimens");
  if (fstat(fd, &st) != 0) return fail("fstat");
  printf("fd mtime %lld\n", (long long)st.st_mtime);
  if (ftruncate(fd, 100) != 0) return fail("ftruncate");
  if (fstat(fd, &st) != 0) return fail("fstat");
  printf("fstat b.bin: size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  printf("read at end: %ld\n", (long)read(fd, got, 10));
  close(fd);

  if (stat(at("sub/a.txt"), &st) != 0) return fail("stat a.txt");
  printf("stat a.txt: size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  if (stat(at("sub"), &st) != 0) return fail("stat sub");
  printf("stat sub: dir %d\n", S_ISDIR(st.st_mode));
  errno = 0;
  r = stat(at("missing"), &st);
  printf("stat missing: %d %s\n", r, errname(errno));
  errno = 0;
  r = open(at("nope/x"), O_RDONLY);
  printf("open missing: %d %s\n", r, errname(errno));

  /* Timestamps. */
  struct timeval tv[2] = {{1000000000, 0}, {1234567890, 0}};
  if (utimes(at("b.bin"), tv) != 0) return fail("utimes");
  if (stat(at("b.bin"), &st) != 0) return fail("stat b.bin");
  printf("mtime %lld\n", (long long)st.st_mtime);

  /* Names: rename, hard link, symlink. */
  if (rename(at("sub/a.txt"), at("c.txt")) != 0) return fail("rename");
  if (link(at("c.txt"), at("sub/hard.txt")) != 0) return fail("link");
  if (stat(at("c.txt"), &st) != 0) return fail("stat c.txt");
  printf("nlink %d\n", (int)st.st_nlink);
  if (symlink("c.txt", at("soft")) != 0) return fail("symlink");
  char target[64];
  ssize_t tl = readlink(at("soft"), target, sizeof target - 1);
  if (tl < 0) return fail("readlink");
  target[tl] = '\0';
  printf("readlink soft -> %s\n", target);
  f = fopen(at("soft"), "r");
  if (!f || !fgets(line, sizeof line, f)) return fail("read through symlink");
  fclose(f);
  printf("through symlink: %s", line);
  if (lstat(at("soft"), &st) != 0) return fail("lstat");
  printf("lstat soft: link %d\n", S_ISLNK(st.st_mode));

  if (list(".") || list("sub")) return 1;

  errno = 0;
  r = rmdir(at("sub"));
  printf("rmdir non-empty: %d %s\n", r, errname(errno));
  if (unlink(at("sub/hard.txt")) || rmdir(at("sub/deeper")) || rmdir(at("sub")) ||
      unlink(at("soft")) || unlink(at("c.txt")) || unlink(at("b.bin")))
    return fail("clean up");
  if (list(".")) return 1;
  printf("done\n");
  return 0;
}
