/* Developer tool: prints the engine's internal code for each function of a
 * module, to see what the compiler made of it (not installed).
 * Usage: tea_disasm MODULE.wasm [FUNCTION_INDEX] */
#include <stdio.h>
#include <stdlib.h>

#include "wasm/ops.h"
#include "wasm/runtime.h"

static const char *names[] = TEA_OP_NAMES_INIT;
static const unsigned char words[] = TEA_OP_WORDS_INIT;

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: tea_disasm MODULE.wasm [FUNCTION_INDEX]\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) return perror(argv[1]), 1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n);
  if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) return 1;
  fclose(f);
  tea_wasm_module *m;
  tea_error err;
  if (tea_wasm_module_load(b, (size_t)n, NULL, &m, &err) != TEA_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  long only = argc > 2 ? atol(argv[2]) : -1;
  for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
    uint32_t index = m->nfunc_imports + i;
    if (only >= 0 && index != (uint32_t)only) continue;
    const tea_compiled *c = m->funcs[i].code;
    printf("func %u: params %u locals %u frame %u\n", index, c->nparams, c->nlocals, c->frame_size);
    for (uint32_t pc = 0; pc < c->ncode;) {
      uint32_t o = c->code[pc];
      uint32_t len = words[o] + (o == TEA_OP_BR_TABLE ? c->code[pc + 2] + 1 : 0);
      printf("  %5u %-18s", pc, names[o]);
      for (uint32_t k = 1; k <= len; k++) printf(" %d", (int)c->code[pc + k]);
      printf("\n");
      pc += 1 + len;
    }
  }
  tea_wasm_module_free(m);
  free(b);
  return 0;
}
