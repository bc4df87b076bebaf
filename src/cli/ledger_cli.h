/* Helpers shared by teanode ledger's command files (cmd_ledger.c, cmd_ledger_tx.c). */
#ifndef TEA_CLI_LEDGER_CLI_H
#define TEA_CLI_LEDGER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/ledger.h"

#define LCLI_FAIL 1

/* --dir's default: $TEA_LEDGER_DIR, else "ledger". */
const char *lcli_dir_default(void);
/* Prints "error: MESSAGE" and returns LCLI_FAIL. */
int lcli_err_out(const tea_error *err);
/* Prints a command-line complaint and returns TEA_CLI_USAGE. */
int lcli_usage_err(const char *cmd, const char *what);
/* Writes a file atomically (temp file, fsync, rename). */
tea_code lcli_spit(const char *path, const uint8_t *buf, size_t n, tea_error *err);
/* Opens DIR's ledger (file store, or etcd with $TEA_LEDGER_ETCD). */
tea_code lcli_open_ledger(const char *dir, bool create, tea_ledger **l, tea_error *err);
bool lcli_parse_u64(const char *s, uint64_t *v);
bool lcli_parse_u32(const char *s, uint32_t *v);
/* Exactly want bytes of hex. */
bool lcli_parse_hex(const char *s, uint8_t *out, size_t want);
int lcli_key_cmp(const void *a, const void *b); /* 32-byte keys */
int lcli_str_cmp(const void *a, const void *b);
bool lcli_sorted_distinct(const void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* teanode ledger tx (cmd_ledger_tx.c); argv[0] is "tx". */
int lcli_cmd_tx(int argc, char **argv);

#endif
