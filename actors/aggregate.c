/* aggregate: reads a CSV blob by CID (the input) from tea:blobstore and
 * answers a JSON summary: the row count and, for each column whose values
 * are all numbers, its sum, minimum, maximum and mean:
 *   {"rows":R,"columns":{"price":{"sum":..,"min":..,"max":..,"mean":..},...}}
 * The first line holds the column names. Numbers print with %.17g, which
 * reads back to the same double. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tea/actor.h"

#define MAX_COLS 32

typedef struct column {
  char name[64];
  int numeric;
  double sum, min, max;
} column;

/* Splits one line in place at commas; returns the field count. */
static size_t split(char *line, char **fields) {
  size_t n = 0;
  fields[n++] = line;
  for (char *p = line; *p; p++)
    if (*p == ',' && n < MAX_COLS) {
      *p = 0;
      fields[n++] = p + 1;
    }
  return n;
}

static int summarize(const uint8_t *in, size_t n) {
  char cid[128];
  if (n == 0 || n >= sizeof cid) return tea_actor_fail("input must be a CID");
  memcpy(cid, in, n);
  cid[n] = 0;
  uint8_t *blob;
  size_t len;
  if (!tea_blob_get(cid, &blob, &len)) {
    char m[300];
    snprintf(m, sizeof m, "cannot read %s: %s", cid, (const char *)blob);
    free(blob);
    return tea_actor_fail(m);
  }
  column cols[MAX_COLS];
  size_t ncols = 0, rows = 0;
  char *fields[MAX_COLS];
  char *save = NULL;
  for (char *line = strtok_r((char *)blob, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
    size_t nf = split(line, fields);
    if (!ncols) {
      ncols = nf;
      for (size_t i = 0; i < nf; i++) {
        snprintf(cols[i].name, sizeof cols[i].name, "%s", fields[i]);
        cols[i].numeric = 1;
        cols[i].sum = 0;
      }
      continue;
    }
    for (size_t i = 0; i < ncols; i++) {
      char *end;
      double v = i < nf ? strtod(fields[i], &end) : 0;
      if (i >= nf || end == fields[i] || *end) {
        cols[i].numeric = 0;
        continue;
      }
      if (!rows || v < cols[i].min) cols[i].min = v;
      if (!rows || v > cols[i].max) cols[i].max = v;
      cols[i].sum += v;
    }
    rows++;
  }
  free(blob);
  size_t cap = 256 + ncols * 160, off = 0;
  char *out = malloc(cap);
  if (!out) return tea_actor_fail("out of memory");
  off += (size_t)snprintf(out, cap, "{\"rows\":%zu,\"columns\":{", rows);
  int first = 1;
  for (size_t i = 0; i < ncols; i++) {
    if (!cols[i].numeric || !rows) continue;
    off += (size_t)snprintf(out + off, cap - off, "%s\"%s\":{\"sum\":%.17g,\"min\":%.17g,\"max\":%.17g,\"mean\":%.17g}",
                            first ? "" : ",", cols[i].name, cols[i].sum, cols[i].min, cols[i].max,
                            cols[i].sum / (double)rows);
    first = 0;
  }
  snprintf(out + off, cap - off, "}}");
  int r = tea_actor_respond_str(out);
  free(out);
  return r;
}

void tea_actor_init(void) { tea_actor_register("summarize", summarize); }
