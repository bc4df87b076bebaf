/* libFuzzer target: actor claims. The input is tried as a whole module and as
 * the payload of a "jwt" section in a minimal module (so the JWT parser sees
 * the bytes directly). Properties: never crashes; whatever is accepted has a
 * module hash equal to the one recomputed here.
 * The host's parsing files are compiled in directly: scripts/fuzz.sh links
 * only the lower layers, and these files need nothing from the providers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/host/claims.c"
#include "../../src/host/nkeys.c"
#include "../../src/host/sections.c"
#include "../../src/host/strlist.c"

static void check(const uint8_t *m, size_t n) {
  tea_claims c;
  tea_error err;
  if (tea_claims_read(m, n, &c, &err) != TEA_OK) return;
  char hash[65];
  if (tea_claims_module_hash(m, n, hash, &err) != TEA_OK || strcmp(hash, c.hash) != 0) abort();
  tea_claims_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check(data, size);
  static const uint8_t header[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  uint8_t *m;
  size_t n;
  tea_error err;
  if (tea_sections_append_custom(header, 8, "jwt", data, size, &m, &n, &err) == TEA_OK) {
    check(m, n);
    free(m);
  }
  return 0;
}
