/* tea: errors as values. Every fallible library call returns a tea_code and,
 * when given a tea_error, fills it with a human-readable message. */
#ifndef TEA_ERROR_H
#define TEA_ERROR_H

#include <stdarg.h>

typedef enum tea_code {
  TEA_OK = 0,
  TEA_ERR_MALFORMED,   /* bytes do not decode (bad binary, bad encoding) */
  TEA_ERR_INVALID,     /* decodes, but breaks a validation rule */
  TEA_ERR_UNSUPPORTED, /* a feature this build does not implement */
  TEA_ERR_LINK,        /* an import could not be satisfied */
  TEA_ERR_TRAP,        /* WebAssembly trap (message names the kind) */
  TEA_ERR_EXIT,        /* a WASI program called proc_exit (status in tea_error.exit_status) */
  TEA_ERR_NOMEM,       /* allocation failed or a limit on memory was reached */
  TEA_ERR_LIMIT,       /* a configured limit was exceeded */
  TEA_ERR_NOT_FOUND,   /* a named thing does not exist */
  TEA_ERR_ARG,         /* the caller passed something unusable */
  TEA_ERR_IO,          /* the operating system refused */
  TEA_ERR_CRYPTO,      /* a signature, hash or key check failed */
  TEA_ERR_STATE        /* the operation is not allowed in the current state */
} tea_code;

typedef struct tea_error {
  tea_code code;
  int exit_status; /* meaningful for TEA_ERR_EXIT */
  char msg[256];
} tea_error;

/* A short, stable name for a code ("malformed", "trap", ...). */
const char *tea_code_name(tea_code code);

/* Fills err (if non-NULL) and returns code, so callers can write
 * `return tea_fail(err, TEA_ERR_ARG, "bad %s", what);`. */
tea_code tea_fail(tea_error *err, tea_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
tea_code tea_vfail(tea_error *err, tea_code code, const char *fmt, va_list ap);

/* Clears err to TEA_OK with an empty message. */
void tea_error_clear(tea_error *err);

#endif
