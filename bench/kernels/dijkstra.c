/* Graph kernel: single-source shortest paths with Dijkstra's algorithm and an
 * indexed binary min-heap (decrease-key), on a generated sparse directed graph in
 * compressed sparse row form (a ring for connectivity plus random long edges).
 * Runs from several sources; the checksum folds the distances and the number of
 * heap operations. Also verifies every edge is relaxed (d[v] <= d[u] + w). */
#include "common.h"

typedef struct {
  uint32_t *pos;  /* vertex -> heap slot, UINT32_MAX when not in the heap */
  uint32_t *heap; /* heap slot -> vertex */
  uint64_t *dist;
  uint32_t n;
} heap_t;

static inline void heap_swap(heap_t *h, uint32_t i, uint32_t j) {
  uint32_t a = h->heap[i], b = h->heap[j];
  h->heap[i] = b;
  h->heap[j] = a;
  h->pos[b] = i;
  h->pos[a] = j;
}

static void sift_up(heap_t *h, uint32_t i) {
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (h->dist[h->heap[p]] <= h->dist[h->heap[i]]) break;
    heap_swap(h, i, p);
    i = p;
  }
}

static void sift_down(heap_t *h, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < h->n && h->dist[h->heap[l]] < h->dist[h->heap[m]]) m = l;
    if (r < h->n && h->dist[h->heap[r]] < h->dist[h->heap[m]]) m = r;
    if (m == i) return;
    heap_swap(h, i, m);
    i = m;
  }
}

int main(int argc, char **argv) {
  int sources = bench_scale(argc, argv, 6);
  const uint32_t V = 60000, EXTRA = 6; /* out-degree 1 + EXTRA */
  const uint32_t E = V * (1 + EXTRA);
  uint32_t *off = xmalloc(sizeof(uint32_t) * (V + 1));
  uint32_t *to = xmalloc(sizeof(uint32_t) * E);
  uint32_t *w = xmalloc(sizeof(uint32_t) * E);
  rng_seed(7);
  uint32_t e = 0;
  for (uint32_t u = 0; u < V; u++) {
    off[u] = e;
    to[e] = (u + 1) % V;
    w[e++] = 1000 + rng_below(9000); /* expensive ring */
    for (uint32_t k = 0; k < EXTRA; k++) {
      /* mostly local edges, sometimes far ones */
      uint32_t v = rng_below(8) ? (u + 1 + rng_below(200)) % V : rng_below(V);
      to[e] = v;
      w[e++] = 1 + rng_below(5000);
    }
  }
  off[V] = e;

  heap_t h;
  h.pos = xmalloc(sizeof(uint32_t) * V);
  h.heap = xmalloc(sizeof(uint32_t) * V);
  h.dist = xmalloc(sizeof(uint64_t) * V);
  uint64_t sum = FNV64_INIT, pops = 0, decreases = 0;
  for (int s = 0; s < sources; s++) {
    uint32_t src = (uint32_t)(((uint64_t)s * 7919u) % V);
    for (uint32_t v = 0; v < V; v++) {
      h.dist[v] = UINT64_MAX;
      h.pos[v] = UINT32_MAX;
    }
    h.n = 0;
    h.dist[src] = 0;
    h.heap[h.n] = src;
    h.pos[src] = h.n++;
    while (h.n > 0) {
      uint32_t u = h.heap[0];
      h.n--;
      if (h.n > 0) {
        h.heap[0] = h.heap[h.n];
        h.pos[h.heap[0]] = 0;
        sift_down(&h, 0);
      }
      h.pos[u] = UINT32_MAX - 1; /* settled */
      pops++;
      uint64_t du = h.dist[u];
      for (uint32_t i = off[u]; i < off[u + 1]; i++) {
        uint32_t v = to[i];
        uint64_t nd = du + w[i];
        if (nd < h.dist[v]) {
          if (h.pos[v] == UINT32_MAX - 1) bench_fail("settled vertex improved");
          h.dist[v] = nd;
          if (h.pos[v] == UINT32_MAX) {
            h.heap[h.n] = v;
            h.pos[v] = h.n++;
          } else {
            decreases++;
          }
          sift_up(&h, h.pos[v]);
        }
      }
    }
    uint64_t total = 0, maxd = 0;
    for (uint32_t u = 0; u < V; u++) {
      if (h.dist[u] == UINT64_MAX) bench_fail("unreachable vertex");
      for (uint32_t i = off[u]; i < off[u + 1]; i++)
        if (h.dist[to[i]] > h.dist[u] + w[i]) bench_fail("edge not relaxed");
      total += h.dist[u];
      if (h.dist[u] > maxd) maxd = h.dist[u];
    }
    sum = mix64(sum, total);
    sum = mix64(sum, maxd);
  }
  printf("dijkstra V=%" PRIu32 " E=%" PRIu32 " sources=%d pops=%" PRIu64 " decreases=%" PRIu64
         " hash=%016" PRIx64 "\n",
         V, E, sources, pops, decreases, sum);
  free(off); free(to); free(w);
  free(h.pos); free(h.heap); free(h.dist);
  return 0;
}
