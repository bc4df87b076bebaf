/* libFuzzer target for the module decoder: no input may crash it, read out
 * of bounds, leak or hang. Build (clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *     tests/fuzz/fuzz_decode.c src/wasm/decode.c src/base/error.c
 * Seed corpus: tests/fuzz/corpus/decode/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "wasm/module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tea_wasm_module *m = NULL;
  tea_error err;
  tea_code code = tea_decode_module(data, size, &m, &err);
  if (code == TEA_OK) {
    /* What the compiler and instantiation rely on. */
    for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
      const tea_func_def *f = &m->funcs[i];
      if (f->body_len == 0 || f->body < m->bytes || f->body + f->body_len > m->bytes + m->len)
        abort();
      if (f->type >= m->ntypes || m->func_types[m->nfunc_imports + i] != f->type) abort();
    }
    if (m->nmemories > 1 || !m->func_declared) abort();
    for (uint32_t i = 0; i < m->ndatas; i++)
      if (m->datas[i].len && m->datas[i].bytes + m->datas[i].len > m->bytes + m->len) abort();
  } else if (m != NULL) {
    abort();
  }
  tea_module_free_decoded(m);
  return 0;
}
