/* Integer benchmark in the style of CoreMark (written from scratch for tea): each
 * iteration works a linked list (find, reverse, merge sort), small integer matrices
 * (add, scale, matrix-vector, matrix-matrix, bit-field extraction) and a
 * number-recognising state machine over a mutating text, and folds every result
 * into a bitwise CRC-16. Prints the final CRCs. */
#include "common.h"

/* ---- CRC-16/CCITT, bit by bit (like CoreMark's crcu8) ---- */
static uint16_t crc8(uint8_t data, uint16_t crc) {
  for (int i = 0; i < 8; i++) {
    int mix = ((crc >> 15) ^ (data >> 7)) & 1;
    data = (uint8_t)(data << 1);
    crc = (uint16_t)(crc << 1);
    if (mix) crc ^= 0x1021;
  }
  return crc;
}
static uint16_t crc16(uint16_t v, uint16_t crc) {
  crc = crc8((uint8_t)(v >> 8), crc);
  return crc8((uint8_t)v, crc);
}
static uint16_t crc32v(uint32_t v, uint16_t crc) {
  return crc16((uint16_t)v, crc16((uint16_t)(v >> 16), crc));
}

/* ---- linked list ---- */
typedef struct node {
  struct node *next;
  int16_t data;
  int16_t idx;
} node;

#define LIST_N 96

static node *list_build(node *pool, int n, uint16_t seed) {
  node *head = NULL;
  for (int i = n - 1; i >= 0; i--) {
    node *e = &pool[i];
    uint16_t v = (uint16_t)(seed * (uint16_t)(i + 7) ^ (uint16_t)(i * 0x9e37));
    e->data = (int16_t)(v & 0x7fff);
    e->idx = (int16_t)i;
    e->next = head;
    head = e;
  }
  return head;
}

static node *list_find(node *l, int16_t data_low) {
  while (l && (l->data & 0xff) != data_low) l = l->next;
  return l;
}

static node *list_reverse(node *l) {
  node *prev = NULL;
  while (l) {
    node *n = l->next;
    l->next = prev;
    prev = l;
    l = n;
  }
  return prev;
}

static int cmp_data(const node *a, const node *b) {
  /* compare on a value derived from data, so sorting does real work */
  int16_t x = (int16_t)((a->data >> 3) ^ (a->data & 7) * 311);
  int16_t y = (int16_t)((b->data >> 3) ^ (b->data & 7) * 311);
  if (x != y) return x - y;
  return a->idx - b->idx;
}
static int cmp_idx(const node *a, const node *b) { return a->idx - b->idx; }

/* Bottom-up merge sort of a singly linked list (no recursion, no extra memory). */
static node *list_sort(node *list, int (*cmp)(const node *, const node *)) {
  if (!list) return NULL;
  for (int insize = 1;; insize *= 2) {
    node *p = list, *tail = NULL;
    list = NULL;
    int merges = 0;
    while (p) {
      merges++;
      node *q = p;
      int psize = 0;
      for (int i = 0; i < insize && q; i++) {
        psize++;
        q = q->next;
      }
      int qsize = insize;
      while (psize > 0 || (qsize > 0 && q)) {
        node *e;
        if (psize == 0) {
          e = q; q = q->next; qsize--;
        } else if (qsize == 0 || !q) {
          e = p; p = p->next; psize--;
        } else if (cmp(p, q) <= 0) {
          e = p; p = p->next; psize--;
        } else {
          e = q; q = q->next; qsize--;
        }
        if (tail) tail->next = e; else list = e;
        tail = e;
      }
      p = q;
    }
    tail->next = NULL;
    if (merges <= 1) return list;
  }
}

static uint16_t bench_list(node *pool, uint16_t seed, uint16_t crc) {
  node *l = list_build(pool, LIST_N, seed);
  int found = 0, missed = 0;
  for (int i = 0; i < 24; i++) {
    node *f = list_find(l, (int16_t)((seed + i * 37) & 0xff));
    if (f) { found++; crc = crc16((uint16_t)f->data, crc); } else missed++;
    l = list_reverse(l);
  }
  crc = crc16((uint16_t)(found * 4 - missed), crc);
  l = list_sort(l, cmp_data);
  for (node *e = l; e; e = e->next) crc = crc16((uint16_t)e->data, crc);
  /* mutate, then restore original order */
  for (node *e = l; e; e = e->next) e->data = (int16_t)((e->data * 5 + 3) & 0x7fff);
  l = list_sort(l, cmp_idx);
  int16_t prev = -1;
  for (node *e = l; e; e = e->next) {
    if (e->idx <= prev) bench_fail("list order");
    prev = e->idx;
    crc = crc16((uint16_t)(e->data ^ e->idx), crc);
  }
  return crc;
}

/* ---- matrices ---- */
#define MN 12

static uint16_t bench_matrix(uint16_t seed, uint16_t crc) {
  int16_t A[MN][MN], B[MN][MN];
  int32_t C[MN][MN], v[MN];
  uint32_t s = seed | 1u;
  for (int i = 0; i < MN; i++)
    for (int j = 0; j < MN; j++) {
      s = s * 1103515245u + 12345u;
      A[i][j] = (int16_t)((s >> 16) & 0x3ff);
      s = s * 1103515245u + 12345u;
      B[i][j] = (int16_t)(((s >> 16) & 0x3ff) - 0x200);
    }
  int16_t k = (int16_t)(seed & 0x1f);
  for (int i = 0; i < MN; i++)
    for (int j = 0; j < MN; j++) A[i][j] = (int16_t)(A[i][j] + k);
  /* matrix times constant */
  int32_t acc = 0;
  for (int i = 0; i < MN; i++)
    for (int j = 0; j < MN; j++) { C[i][j] = (int32_t)A[i][j] * k; acc += C[i][j]; }
  crc = crc32v((uint32_t)acc, crc);
  /* matrix times vector */
  for (int i = 0; i < MN; i++) {
    int32_t sum = 0;
    for (int j = 0; j < MN; j++) sum += (int32_t)A[i][j] * B[j][i];
    v[i] = sum;
    crc = crc32v((uint32_t)sum, crc);
  }
  /* matrix times matrix */
  acc = 0;
  for (int i = 0; i < MN; i++)
    for (int j = 0; j < MN; j++) {
      int32_t sum = 0;
      for (int x = 0; x < MN; x++) sum += (int32_t)A[i][x] * B[x][j];
      C[i][j] = sum;
      acc += sum > v[i] ? 1 : -1;
    }
  crc = crc32v((uint32_t)acc, crc);
  /* matrix times matrix with bit-field extraction */
  acc = 0;
  for (int i = 0; i < MN; i++)
    for (int j = 0; j < MN; j++) {
      int32_t sum = 0;
      for (int x = 0; x < MN; x++) {
        int32_t t = (int32_t)A[i][x] * B[x][j] + C[i][x];
        sum += ((t >> 2) & 0xf) * ((t >> 5) & 0x7f);
      }
      acc ^= sum + i * j;
    }
  return crc32v((uint32_t)acc, crc);
}

/* ---- state machine: recognise integers, decimals and exponent numbers ---- */
enum { ST_START, ST_INVALID, ST_S1, ST_S2, ST_INT, ST_FLOAT, ST_EXP, ST_SCI, NSTATES };

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int next_state(const char **pp, unsigned counts[NSTATES]) {
  const char *p = *pp;
  int st = ST_START;
  for (; *p && st != ST_INVALID; p++) {
    char c = *p;
    if (c == ',') { p++; break; }
    switch (st) {
    case ST_START:
      if (is_digit(c)) st = ST_INT;
      else if (c == '+' || c == '-') st = ST_S1;
      else if (c == '.') st = ST_FLOAT;
      else { st = ST_INVALID; counts[ST_INVALID]++; }
      counts[ST_START]++;
      break;
    case ST_S1:
      if (is_digit(c)) st = ST_INT;
      else if (c == '.') st = ST_FLOAT;
      else st = ST_INVALID;
      counts[ST_S1]++;
      break;
    case ST_INT:
      if (c == '.') st = ST_FLOAT;
      else if (!is_digit(c)) st = ST_INVALID;
      counts[ST_INT]++;
      break;
    case ST_FLOAT:
      if (c == 'e' || c == 'E') st = ST_S2;
      else if (!is_digit(c)) st = ST_INVALID;
      counts[ST_FLOAT]++;
      break;
    case ST_S2:
      if (c == '+' || c == '-') st = ST_EXP;
      else st = ST_INVALID;
      counts[ST_S2]++;
      break;
    case ST_EXP:
      if (is_digit(c)) st = ST_SCI;
      else st = ST_INVALID;
      counts[ST_EXP]++;
      break;
    case ST_SCI:
      if (!is_digit(c)) st = ST_INVALID;
      counts[ST_SCI]++;
      break;
    default:
      break;
    }
  }
  if (st == ST_INVALID) { /* skip to the next separator */
    while (*p && *p != ',') p++;
    if (*p) p++;
  }
  *pp = p;
  return st;
}

#define TEXT_N 600

static void make_text(char *buf, size_t cap) {
  static const char *const tok[] = {"5012", "1234", "-874", "+122", "35.54400", ".1234500",
                                    "-110.700", "+0.64400", "5.500e+3", "-.123e-2", "-87e+832",
                                    "+0.6e-12", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T^"};
  size_t n = 0;
  uint32_t i = 0;
  while (n + 10 < cap - 1) {
    const char *t = tok[(i * 7 + i / 3) % 16];
    size_t l = strlen(t);
    memcpy(buf + n, t, l);
    n += l;
    buf[n++] = ',';
    i++;
  }
  buf[n] = 0;
}

static uint16_t bench_state(char *text, uint16_t seed, uint16_t crc) {
  unsigned final_counts[NSTATES] = {0}, trans[NSTATES] = {0};
  size_t len = strlen(text);
  for (int pass = 0; pass < 2; pass++) {
    const char *p = text;
    while (*p) final_counts[next_state(&p, trans)]++;
    /* corrupt some characters (CoreMark does the same between scans) */
    for (size_t i = (size_t)(seed % 13); i < len; i += 13 + pass) {
      if (text[i] != ',') text[i] ^= (char)(seed & 0x7 ? 0x1 : 0x0);
    }
  }
  for (int i = 0; i < NSTATES; i++) {
    crc = crc16((uint16_t)final_counts[i], crc);
    crc = crc16((uint16_t)trans[i], crc);
  }
  return crc;
}

int main(int argc, char **argv) {
  int iters = bench_scale(argc, argv, 5000);
  node *pool = xmalloc(sizeof(node) * LIST_N);
  char *text = xmalloc(TEXT_N);
  make_text(text, TEXT_N);
  char *orig = xmalloc(TEXT_N);
  memcpy(orig, text, TEXT_N);
  uint16_t crc_list = 0, crc_mat = 0, crc_state = 0, crc = 0;
  for (int it = 0; it < iters; it++) {
    uint16_t seed = (uint16_t)(it * 0x3a5b + crc);
    crc_list = bench_list(pool, seed, crc_list);
    crc_mat = bench_matrix(seed, crc_mat);
    if ((it & 15) == 0) memcpy(text, orig, TEXT_N);
    crc_state = bench_state(text, seed, crc_state);
    crc = crc16(crc_list, crc16(crc_mat, crc16(crc_state, crc)));
  }
  printf("coremark iterations=%d list=%04x matrix=%04x state=%04x crc=%04x\n", iters, crc_list,
         crc_mat, crc_state, crc);
  free(pool);
  free(text);
  free(orig);
  return 0;
}
