/* teanode: one binary for the daemon and every client command. main() only
 * dispatches; a command is a row in `commands` and a function in its own file. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef TEA_VERSION
#define TEA_VERSION "0.1.0"
#endif

typedef struct command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
} command;

/* TEA_ENGINE_ONLY builds teanode with the `wasm` command alone: the engine and
 * WASI need nothing but libc, so that binary builds for any CPU with just a C
 * compiler (scripts/cross.sh makes it for riscv64 and s390x). */
static const command commands[] = {
#ifndef TEA_ENGINE_ONLY
    {"init", "create a node: keys and configuration", tea_cmd_init},
    {"register", "write a node's registration transaction for the committee", tea_cmd_register},
    {"collect", "committee: gather nodes' attestation verdicts as transactions", tea_cmd_collect},
    {"publish", "committee: offer nodes the blocks they lack", tea_cmd_publish},
    {"run", "run the node daemon (HTTP API, measured boot, ledger sync)", tea_cmd_run},
    {"call", "call an actor on a node and verify the receipt", tea_cmd_call},
#endif
    {"wasm", "run and validate WebAssembly modules (WASI preview 1)", tea_cmd_wasm},
#ifndef TEA_ENGINE_ONLY
    {"verify", "check a proof-of-trust receipt against the ledger's policy", tea_cmd_verify},
    {"ledger", "committee keys, genesis, transactions, proposals, chain views", tea_cmd_ledger},
    {"cas", "content-addressed blob store: put, get, cid, pin, gc", tea_cmd_cas},
    {"actor", "actor keys, claims (sign, inspect) and local runs", tea_cmd_actor},
#endif
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

bool tea_cli_is_help(const char *arg) {
  return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: teanode [--version] [--help] COMMAND [ARGS...]\n"
          "\n"
          "commands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(out, "  %-8s  %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "  %-8s  %s\n", "help", "show help for a command");
  fprintf(out, "\nRun 'teanode COMMAND --help' for a command's options.\n");
}

static const command *find(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return TEA_CLI_USAGE;
  }
  const char *name = argv[1];
  if (tea_cli_is_help(name)) {
    usage(stdout);
    return 0;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
    printf("teanode %s\n", TEA_VERSION);
    return 0;
  }
  if (strcmp(name, "help") == 0) {
    if (argc < 3) {
      usage(stdout);
      return 0;
    }
    const command *c = find(argv[2]);
    if (!c) {
      fprintf(stderr, "teanode: unknown command '%s'\n", argv[2]);
      return TEA_CLI_USAGE;
    }
    char help[] = "--help";
    char *hargv[] = {argv[2], help, NULL};
    return c->run(2, hargv);
  }
  const command *c = find(name);
  if (!c) {
    fprintf(stderr, "teanode: unknown command '%s' (try 'teanode --help')\n", name);
    return TEA_CLI_USAGE;
  }
  return c->run(argc - 1, argv + 1);
}
