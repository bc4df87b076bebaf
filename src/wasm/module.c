/* Loading a module: decode, then validate and compile every function body,
 * and the read-only questions an embedder can ask of a module. */
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

tea_code tea_wasm_module_load(const uint8_t *bytes, size_t len, const tea_wasm_config *config,
                              tea_wasm_module **out, tea_error *err) {
  *out = NULL;
  if (!bytes && len) return tea_fail(err, TEA_ERR_ARG, "no module bytes");
  tea_wasm_module *m;
  tea_code rc = tea_decode_module(bytes, len, &m, err);
  if (rc != TEA_OK) return rc;
  if (config) m->config = *config;
  for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
    rc = tea_compile_function(m, i, err);
    if (rc != TEA_OK) {
      tea_wasm_module_free(m);
      return rc;
    }
  }
  *out = m;
  return TEA_OK;
}

void tea_wasm_module_free(tea_wasm_module *m) {
  if (!m) return;
  if (m->funcs)
    for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) tea_compiled_free(m->funcs[i].code);
  tea_module_free_decoded(m);
}

size_t tea_wasm_module_import_count(const tea_wasm_module *m) { return m->nimports; }

tea_wasm_import_info tea_wasm_module_import(const tea_wasm_module *m, size_t index) {
  const tea_import *im = &m->imports[index];
  return (tea_wasm_import_info){im->module, im->name, im->kind};
}

size_t tea_wasm_module_export_count(const tea_wasm_module *m) { return m->nexports; }

const char *tea_wasm_module_export_name(const tea_wasm_module *m, size_t index,
                                        tea_wasm_extern_kind *kind) {
  if (kind) *kind = m->exports[index].kind;
  return m->exports[index].name;
}

const uint8_t *tea_wasm_module_custom_section(const tea_wasm_module *m, const char *name,
                                              size_t *len) {
  for (uint32_t i = 0; i < m->ncustoms; i++)
    if (strcmp(m->customs[i].name, name) == 0) {
      *len = m->customs[i].len;
      return m->customs[i].data;
    }
  *len = 0;
  return NULL;
}

size_t tea_wasm_module_code_size(const tea_wasm_module *m) { return m->code_size; }
