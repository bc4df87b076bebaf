/* Owned string lists (grants, allow-lists), and error prefixes. */
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"

tea_code tea_strlist_add(tea_strlist *l, const char *s, tea_error *err) {
  char **items = realloc(l->items, (l->n + 1) * sizeof *items);
  if (!items) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  l->items = items;
  if (!(items[l->n] = strdup(s))) return tea_fail(err, TEA_ERR_NOMEM, "out of memory");
  l->n++;
  return TEA_OK;
}

tea_code tea_strlist_copy(tea_strlist *l, const char *const *items, size_t n, tea_error *err) {
  for (size_t i = 0; i < n; i++) {
    if (!items[i]) return tea_fail(err, TEA_ERR_ARG, "NULL string in a list");
    tea_code rc = tea_strlist_add(l, items[i], err);
    if (rc != TEA_OK) return rc;
  }
  return TEA_OK;
}

bool tea_strlist_has(const tea_strlist *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i], s) == 0) return true;
  return false;
}

void tea_strlist_free(tea_strlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->items[i]);
  free(l->items);
  l->items = NULL;
  l->n = 0;
}

tea_code tea_error_prefix(tea_error *err, tea_code code, const char *prefix) {
  if (!err) return code;
  char msg[sizeof err->msg];
  memcpy(msg, err->msg, sizeof msg);
  return tea_fail(err, code, "%s%s", prefix, msg);
}
