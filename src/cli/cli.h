/* teanode's commands. Each takes its own argv (argv[0] is the command's name)
 * and returns the process exit status; main() owns the table of them. */
#ifndef TEA_CLI_H
#define TEA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/error.h"

/* Exit status for a command line that does not parse (as BSD sysexits' EX_USAGE
 * is not what shells expect, 2 like most GNU tools). */
#define TEA_CLI_USAGE 2

int tea_cmd_wasm(int argc, char **argv);
int tea_cmd_verify(int argc, char **argv);
int tea_cmd_init(int argc, char **argv);
int tea_cmd_run(int argc, char **argv);
int tea_cmd_register(int argc, char **argv);
int tea_cmd_collect(int argc, char **argv);
int tea_cmd_publish(int argc, char **argv);
int tea_cmd_call(int argc, char **argv);
int tea_cmd_ledger(int argc, char **argv);
int tea_cmd_cas(int argc, char **argv);
int tea_cmd_actor(int argc, char **argv);

/* True for "-h" and "--help". */
bool tea_cli_is_help(const char *arg);

/* files.c: the whole of path ("-": standard input), at most max bytes (0: no
 * limit); malloc'd. NULL and err say why on failure. _or_say prints
 * "error: ..." itself. */
uint8_t *tea_cli_read_file(const char *path, size_t max, size_t *len, tea_error *err);
uint8_t *tea_cli_read_or_say(const char *path, size_t *len);

#endif
