/* A dependency-free spec runner for cross builds: reads the command lines
 * flatten.py writes and runs them against the engine through the public
 * API, with the same matching rules as spec_run (bits, nan:canonical,
 * nan:arithmetic, per lane for v128). Built and run by run.sh under
 * qemu-user, e.g. on big-endian s390x, where the engine's portable SIMD path
 * and its byte-order handling are what is being checked.
 *
 * Usage: spec_mini COMMANDS [det]   ("det": deterministic mode) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tea/wasm.h"

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  if (fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
  fclose(f);
  *len = (size_t)n;
  return b;
}

typedef struct ev {
  tea_wasm_valtype type;
  char kind; /* b c a */
  uint64_t bits;
  unsigned lb;
  char kinds[17];
  uint8_t v[16];
} ev;

static int hexv(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

static void parse(const char *tok, ev *e) {
  memset(e, 0, sizeof *e);
  if (tok[0] == 'v') {
    e->type = TEA_WASM_V128;
    e->lb = (unsigned)atoi(tok + 2);
    const char *k = strchr(tok + 2, ':') + 1;
    const char *h = strchr(k, ':') + 1;
    memcpy(e->kinds, k, (size_t)(h - 1 - k));
    for (int i = 0; i < 16; i++) e->v[i] = (uint8_t)(hexv(h[2 * i]) << 4 | hexv(h[2 * i + 1]));
    return;
  }
  e->type = tok[0] == 'i' ? (tok[1] == '3' ? TEA_WASM_I32 : TEA_WASM_I64)
                          : (tok[1] == '3' ? TEA_WASM_F32 : TEA_WASM_F64);
  const char *p = tok + 4;
  if (*p == 'c' && p[1] == 0) e->kind = 'c';
  else if (*p == 'a' && p[1] == 0) e->kind = 'a';
  else {
    e->kind = 'b';
    e->bits = strtoull(p + 1, NULL, 16);
  }
}

static tea_wasm_val to_val(const ev *e) {
  tea_wasm_val v;
  memset(&v, 0, sizeof v);
  v.type = e->type;
  if (e->type == TEA_WASM_V128)
    memcpy(v.v128, e->v, 16);
  else if (e->type == TEA_WASM_I32 || e->type == TEA_WASM_F32)
    v.of.u32 = (uint32_t)e->bits;
  else
    v.of.u64 = e->bits;
  return v;
}

static int lane_ok(char k, unsigned lb, const uint8_t *exp, const uint8_t *got) {
  uint64_t g = 0;
  for (int b = (int)lb - 1; b >= 0; b--) g = g << 8 | got[b];
  uint64_t qe = lb == 4 ? 0x7fc00000u : 0x7ff8000000000000u;
  uint64_t ns = lb == 4 ? 0x7fffffffu : 0x7fffffffffffffffu;
  if (k == 'c') return (g & ns) == qe;
  if (k == 'a') return (g & qe) == qe;
  return memcmp(exp, got, lb) == 0;
}

static int matches(const ev *e, const tea_wasm_val *g) {
  if (g->type != e->type) return 0;
  if (e->type == TEA_WASM_V128) {
    for (unsigned i = 0; i < 16 / e->lb; i++)
      if (!lane_ok(e->kinds[i], e->lb, e->v + i * e->lb, g->v128 + i * e->lb)) return 0;
    return 1;
  }
  int f32 = e->type == TEA_WASM_F32;
  uint64_t bits = (e->type == TEA_WASM_I32 || f32) ? g->of.u32 : g->of.u64;
  uint64_t qe = f32 ? 0x7fc00000u : 0x7ff8000000000000u;
  uint64_t ns = f32 ? 0x7fffffffu : 0x7fffffffffffffffu;
  if (e->kind == 'c') return (bits & ns) == qe;
  if (e->kind == 'a') return (bits & qe) == qe;
  return bits == e->bits;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: spec_mini COMMANDS [det]\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  int det = argc > 2;
  static char line[1 << 16];
  tea_wasm_module *m = NULL;
  tea_wasm_store *s = NULL;
  tea_wasm_linker *l = NULL;
  tea_wasm_instance *in = NULL;
  long pass = 0, fail = 0;
  tea_error err;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char *save = NULL;
    char *cmd = strtok_r(line, " ", &save);
    char *where = strtok_r(NULL, " ", &save);
    if (strcmp(cmd, "module") == 0) {
      char *path = strtok_r(NULL, " ", &save);
      if (l) tea_wasm_linker_free(l);
      if (s) tea_wasm_store_free(s);
      if (m) tea_wasm_module_free(m);
      m = NULL, s = NULL, l = NULL, in = NULL;
      size_t len;
      uint8_t *b = slurp(path, &len);
      tea_wasm_config cfg = {.deterministic = det};
      if (tea_wasm_module_load(b, len, &cfg, &m, &err) != TEA_OK ||
          tea_wasm_store_new(NULL, &s, &err) != TEA_OK || tea_wasm_linker_new(&l, &err) != TEA_OK ||
          tea_wasm_instantiate(s, m, l, &in, &err) != TEA_OK) {
        printf("FAIL module %s: %s\n", path, err.msg);
        fail++;
        in = NULL;
      } else {
        pass++;
      }
      free(b);
      continue;
    }
    if (strcmp(cmd, "invalid") == 0) {
      char *path = strtok_r(NULL, " ", &save);
      size_t len;
      uint8_t *b = slurp(path, &len);
      tea_wasm_module *x = NULL;
      if (tea_wasm_module_load(b, len, NULL, &x, &err) == TEA_OK) {
        printf("FAIL %s: loaded\n", where);
        fail++;
        tea_wasm_module_free(x);
      } else {
        pass++;
      }
      free(b);
      continue;
    }
    char *fh = strtok_r(NULL, " ", &save);
    char field[512];
    size_t fl = strlen(fh) / 2;
    for (size_t i = 0; i < fl; i++) field[i] = (char)(hexv(fh[2 * i]) << 4 | hexv(fh[2 * i + 1]));
    field[fl] = 0;
    int na = atoi(strtok_r(NULL, " ", &save));
    tea_wasm_val args[16], res[16];
    for (int i = 0; i < na; i++) {
      ev e;
      parse(strtok_r(NULL, " ", &save), &e);
      args[i] = to_val(&e);
    }
    int nr = atoi(strtok_r(NULL, " ", &save));
    ev exp[16];
    for (int i = 0; i < nr; i++) parse(strtok_r(NULL, " ", &save), &exp[i]);
    if (!in) {
      fail++;
      continue;
    }
    tea_wasm_extern ext;
    size_t nres = 0;
    if (tea_wasm_instance_export(in, field, &ext, &err) == TEA_OK)
      nres = tea_wasm_func_result_count(ext.of.func);
    tea_code rc = tea_wasm_call(in, field, args, (size_t)na, res, nres, &err);
    int ok;
    if (strcmp(cmd, "trap") == 0) {
      ok = rc == TEA_ERR_TRAP;
    } else if (strcmp(cmd, "do") == 0) {
      ok = rc == TEA_OK;
    } else {
      ok = rc == TEA_OK && (int)nres == nr;
      for (int i = 0; ok && i < nr; i++) ok = matches(&exp[i], &res[i]);
    }
    if (ok) {
      pass++;
    } else {
      fail++;
      {
        printf("FAIL %s %s rc=%d %s:", where, field, rc, rc ? err.msg : "");
        for (size_t i = 0; i < nres && rc == TEA_OK; i++) {
          if (res[i].type == TEA_WASM_V128) {
            printf(" v128:");
            for (int k = 0; k < 16; k++) printf("%02x", res[i].v128[k]);
          } else {
            printf(" %llx", (unsigned long long)res[i].of.u64);
          }
        }
        printf("\n");
      }
    }
  }
  fclose(f);
  if (l) tea_wasm_linker_free(l);
  if (s) tea_wasm_store_free(s);
  if (m) tea_wasm_module_free(m);
  printf("%ld passed, %ld failed\n", pass, fail);
  return fail != 0;
}
