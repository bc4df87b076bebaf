/* wordcount: text in, JSON out:
 *   {"bytes":B,"lines":L,"words":W,"top":[["word",n],...]}
 * with the five most frequent words (lower-cased ASCII letters and digits;
 * ties broken alphabetically, so the output is the same everywhere). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tea/actor.h"

typedef struct entry {
  char *word;
  size_t count;
} entry;

static int by_count(const void *a, const void *b) {
  const entry *x = a, *y = b;
  if (x->count != y->count) return x->count < y->count ? 1 : -1;
  return strcmp(x->word, y->word);
}

static int count(const uint8_t *in, size_t n) {
  size_t lines = 0, words = 0, nent = 0, cap = 0;
  entry *ents = NULL;
  for (size_t i = 0; i < n;) {
    if (in[i] == '\n') lines++;
    if (!isalnum(in[i])) {
      i++;
      continue;
    }
    size_t start = i;
    while (i < n && isalnum(in[i])) i++;
    size_t len = i - start > 64 ? 64 : i - start;
    char w[65];
    for (size_t k = 0; k < len; k++) w[k] = (char)tolower(in[start + k]);
    w[len] = 0;
    words++;
    size_t k = 0;
    while (k < nent && strcmp(ents[k].word, w) != 0) k++;
    if (k == nent) {
      if (nent == cap) {
        cap = cap ? cap * 2 : 64;
        entry *ne = realloc(ents, cap * sizeof *ne);
        if (!ne) return tea_actor_fail("out of memory");
        ents = ne;
      }
      ents[nent].word = strdup(w);
      ents[nent++].count = 0;
    }
    ents[k].count++;
  }
  if (n && in[n - 1] != '\n') lines++;
  qsort(ents, nent, sizeof *ents, by_count);
  char out[1024];
  int off = snprintf(out, sizeof out, "{\"bytes\":%zu,\"lines\":%zu,\"words\":%zu,\"top\":[", n, lines, words);
  for (size_t k = 0; k < nent && k < 5; k++)
    off += snprintf(out + off, sizeof out - (size_t)off, "%s[\"%s\",%zu]", k ? "," : "", ents[k].word, ents[k].count);
  snprintf(out + off, sizeof out - (size_t)off, "]}");
  for (size_t k = 0; k < nent; k++) free(ents[k].word);
  free(ents);
  return tea_actor_respond_str(out);
}

void tea_actor_init(void) { tea_actor_register("count", count); }
