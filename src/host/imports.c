/* Link-time capability check. An actor may import the waPC functions, and
 * WASI functions whose facility its grants cover; anything else fails before
 * any of its code runs, with the capability named. (Host calls name their
 * capability only at run time; those are checked per call in invoke.c.) */
#include <string.h>

#include "host/internal.h"
#include "tea/wasi.h"

static const char *const wapc_names[] = {
    "__guest_request", "__guest_response",    "__guest_error", "__host_call",   "__host_response",
    "__host_response_len", "__host_error", "__host_error_len", "__console_log",
};

const char *tea_wasi_import_cap(const char *name) {
  /* poll_oneoff sleeps on the host thread, where the deadline's interrupt
   * cannot reach (it lands at the guest's next loop head or call), and an
   * actor has nothing to wait for: never linked. */
  if (strcmp(name, "poll_oneoff") == 0) return NULL;
  if (strcmp(name, "clock_time_get") == 0 || strcmp(name, "clock_res_get") == 0) return TEA_CAP_CLOCK;
  if (strcmp(name, "random_get") == 0) return TEA_CAP_RANDOM;
  /* stdio goes to the log, files are always refused at run time (no
   * preopens), args and environment are empty: nothing to grant. */
  return "";
}

tea_code tea_imports_check(const tea_wasm_module *m, const tea_actor *actor, tea_error *err) {
  size_t n = tea_wasm_module_import_count(m);
  for (size_t i = 0; i < n; i++) {
    tea_wasm_import_info im = tea_wasm_module_import(m, i);
    if (strcmp(im.module, "wapc") == 0) {
      bool known = false;
      for (size_t k = 0; k < sizeof wapc_names / sizeof *wapc_names && !known; k++)
        known = strcmp(im.name, wapc_names[k]) == 0;
      if (!known || im.kind != TEA_WASM_EXTERN_FUNC)
        return tea_fail(err, TEA_ERR_LINK, "actor %s imports wapc::%s, which waPC does not define",
                        actor->name, im.name);
      continue;
    }
    if (strcmp(im.module, TEA_WASI_MODULE) == 0) {
      const char *cap = tea_wasi_import_cap(im.name);
      if (!cap)
        return tea_fail(err, TEA_ERR_LINK, "actor %s imports %s::%s, which actors may not use (it blocks)",
                        actor->name, im.module, im.name);
      if (*cap && !tea_strlist_has(&actor->grants, cap))
        return tea_fail(err, TEA_ERR_LINK,
                        "actor %s imports %s::%s, which needs capability %s (not granted)",
                        actor->name, im.module, im.name, cap);
      continue;
    }
    return tea_fail(err, TEA_ERR_LINK, "actor %s imports %s::%s, which no capability provides",
                    actor->name, im.module, im.name);
  }
  return TEA_OK;
}

bool tea_imports_from(const tea_wasm_module *m, const char *module_name) {
  size_t n = tea_wasm_module_import_count(m);
  for (size_t i = 0; i < n; i++)
    if (strcmp(tea_wasm_module_import(m, i).module, module_name) == 0) return true;
  return false;
}
