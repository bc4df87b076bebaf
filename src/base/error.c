#include "tea/error.h"

#include <stdio.h>
#include <string.h>

const char *tea_code_name(tea_code code) {
  switch (code) {
  case TEA_OK: return "ok";
  case TEA_ERR_MALFORMED: return "malformed";
  case TEA_ERR_INVALID: return "invalid";
  case TEA_ERR_UNSUPPORTED: return "unsupported";
  case TEA_ERR_LINK: return "link";
  case TEA_ERR_TRAP: return "trap";
  case TEA_ERR_EXIT: return "exit";
  case TEA_ERR_NOMEM: return "out of memory";
  case TEA_ERR_LIMIT: return "limit";
  case TEA_ERR_NOT_FOUND: return "not found";
  case TEA_ERR_ARG: return "bad argument";
  case TEA_ERR_IO: return "io";
  case TEA_ERR_CRYPTO: return "crypto";
  case TEA_ERR_STATE: return "state";
  }
  return "unknown";
}

tea_code tea_vfail(tea_error *err, tea_code code, const char *fmt, va_list ap) {
  if (err) {
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  }
  return code;
}

tea_code tea_fail(tea_error *err, tea_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tea_vfail(err, code, fmt, ap);
  va_end(ap);
  return code;
}

void tea_error_clear(tea_error *err) {
  if (!err) return;
  err->code = TEA_OK;
  err->exit_status = 0;
  err->msg[0] = '\0';
}
