/* spec_json: the small JSON reader spec_run needs for wast2json's output.
 *
 * The harness must build wherever the engine does, with libc alone (cross
 * builds for CPUs Debian 12 ships no libjansson for, e.g. riscv64), so it
 * carries its own reader instead of a library. It reads any JSON document;
 * strings keep embedded NULs (names.wast has one) with their byte length.
 *
 * The accessors accept NULL and values of the wrong kind, and answer NULL /
 * 0 then, so a chain like sj_str(sj_get(cmd, "type")) needs no checks in
 * between. */
#ifndef SPEC_JSON_H
#define SPEC_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sj_value sj_value;

/* Parses the file at path. NULL on failure, with a reason and the 1-based
 * line in why/line. Free with sj_free. */
sj_value *sj_load_file(const char *path, char *why, size_t why_cap, int *line);
void sj_free(sj_value *v);

/* A member of an object, or NULL. */
sj_value *sj_get(const sj_value *v, const char *key);
/* The i-th element of an array, or NULL. */
sj_value *sj_at(const sj_value *v, size_t i);
/* Number of elements of an array (0 for anything else). */
size_t sj_len(const sj_value *v);
bool sj_is_array(const sj_value *v);
/* A string's bytes, NUL-terminated (NULL if v is not a string). */
const char *sj_str(const sj_value *v);
/* A string's length in bytes, embedded NULs included. */
size_t sj_strlen(const sj_value *v);
/* An integer number's value (0 if v is not one). */
long long sj_int(const sj_value *v);

#endif
