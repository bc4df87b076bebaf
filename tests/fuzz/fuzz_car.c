/* libFuzzer target: the CAR v1 reader over a hostile byte stream. Properties: never
 * crashes, never allocates past the block limit, and every block it returns hashes to
 * its CID. The source hands out bytes in small uneven pieces to exercise short reads. */
#include <stdint.h>
#include <stdlib.h>

#include "tea/cas.h"

typedef struct slow_source {
  const uint8_t *buf;
  size_t len, off, step;
} slow_source;

static tea_code slow_read(void *ctx, uint8_t *buf, size_t n, size_t *got, tea_error *err) {
  slow_source *s = ctx;
  s->step = s->step % 7 + 1;
  tea_mem_source m = {s->buf, s->len, s->off};
  tea_code c = tea_mem_read(&m, buf, n < s->step ? n : s->step, got, err);
  s->off = m.off;
  return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  slow_source src = {data, size, 0, 0};
  tea_car_reader r;
  tea_error err;
  if (tea_car_reader_open(&r, slow_read, &src, &err) == TEA_OK) {
    for (int i = 0; i < 10000; i++) {
      tea_cid cid;
      const uint8_t *b;
      size_t n;
      bool done;
      if (tea_car_reader_next(&r, &cid, &b, &n, &done, &err) || done) break;
      if (n > TEA_BLOCK_MAX || tea_cid_verify(&cid, b, n, NULL)) abort();
    }
  }
  tea_car_reader_close(&r);
  return 0;
}
