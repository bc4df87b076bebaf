/* teanode's commands. Each takes its own argv (argv[0] is the command's name)
 * and returns the process exit status; main() owns the table of them. */
#ifndef TEA_CLI_H
#define TEA_CLI_H

#include <stdbool.h>

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

#endif
