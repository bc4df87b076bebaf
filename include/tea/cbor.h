/* tea: deterministic CBOR (RFC 8949 section 4.2.1, "core deterministic encoding").
 *
 * Signed records are hashed and signed over their encoded bytes, so there must be
 * exactly one encoding of each value: shortest integer and length heads, definite
 * lengths only, map keys sorted bytewise by their encoded form, no duplicates.
 * Floats and simple values other than false/true/null are not part of our data model
 * and are rejected.
 *
 * Encoder: write items into a growable buffer. Containers declare their item count up
 * front (definite lengths) and are closed with tea_cbor_end, which checks the count and,
 * for maps, sorts the pairs, so callers may add pairs in any order. Errors are sticky:
 * after the first failure every call returns the same code and tea_cbor_enc_finish
 * reports it, so a builder can check once at the end.
 *
 * Reader: tea_cbor_reader_init validates the whole buffer first (exactly one canonical
 * item, nothing after it), so the cursor functions never see non-canonical input; they
 * only check that the next item has the type the caller asked for. */
#ifndef TEA_CBOR_H
#define TEA_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/error.h"

/* Nesting limit for both directions (arrays, maps and tags each count one level).
 * Bounds recursion on hostile input. */
#define TEA_CBOR_MAX_DEPTH 32

/* Default output limit of an encoder (callers may lower or raise it). */
#define TEA_CBOR_DEFAULT_LIMIT (64u * 1024 * 1024)

typedef enum tea_cbor_type {
  TEA_CBOR_UINT,   /* major type 0 */
  TEA_CBOR_NEGINT, /* major type 1 */
  TEA_CBOR_BYTES,  /* major type 2 */
  TEA_CBOR_TEXT,   /* major type 3, valid UTF-8 */
  TEA_CBOR_ARRAY,  /* major type 4 */
  TEA_CBOR_MAP,    /* major type 5 */
  TEA_CBOR_TAG,    /* major type 6 */
  TEA_CBOR_BOOL,   /* 0xf4, 0xf5 */
  TEA_CBOR_NULL    /* 0xf6 */
} tea_cbor_type;

/* ---- encoder ---- */

typedef struct tea_cbor_frame {
  uint8_t is_map;
  size_t start;      /* offset of the first contained item */
  uint64_t expected; /* items (arrays) or keys+values (maps) */
  uint64_t written;
  unsigned levels; /* nesting level of the items inside (containers and tags above them) */
  /* maps: where the key being written starts, the previous key, and whether
     the keys so far came in canonical order (then closing needs no sort) */
  size_t key_start, prev_key, prev_key_len;
  uint8_t unsorted;
} tea_cbor_frame;

/* Fields are private: use the functions. */
typedef struct tea_cbor_enc {
  uint8_t *buf;
  size_t len, cap, limit;
  unsigned depth, pending_tags;
  tea_cbor_frame stack[TEA_CBOR_MAX_DEPTH];
  tea_error err; /* first failure (code TEA_OK while none) */
} tea_cbor_enc;

void tea_cbor_enc_init(tea_cbor_enc *e);
/* The head of an item (major type 0-7 and its argument) in the shortest form,
 * into out; returns its length (1, 2, 3, 5 or 9). For splicing encoded items. */
size_t tea_cbor_head(uint8_t out[9], unsigned major, uint64_t value);
/* Output larger than limit bytes fails with TEA_ERR_LIMIT. */
void tea_cbor_enc_set_limit(tea_cbor_enc *e, size_t limit);
/* Makes room for n more bytes at once (one allocation instead of several
 * doublings, for an encoder whose output size is roughly known). Fails like
 * any write: past the limit, or out of memory. */
tea_code tea_cbor_enc_reserve(tea_cbor_enc *e, size_t n);
/* Frees the buffer (unless finish handed it out). Safe to call twice. */
void tea_cbor_enc_free(tea_cbor_enc *e);

tea_code tea_cbor_put_uint(tea_cbor_enc *e, uint64_t v);
tea_code tea_cbor_put_int(tea_cbor_enc *e, int64_t v);
tea_code tea_cbor_put_bytes(tea_cbor_enc *e, const void *p, size_t n);
/* s must be valid UTF-8 (checked). */
tea_code tea_cbor_put_text(tea_cbor_enc *e, const char *s, size_t n);
tea_code tea_cbor_put_cstr(tea_cbor_enc *e, const char *s);
tea_code tea_cbor_put_bool(tea_cbor_enc *e, bool v);
tea_code tea_cbor_put_null(tea_cbor_enc *e);
/* The next item written is the tag's content. */
tea_code tea_cbor_put_tag(tea_cbor_enc *e, uint64_t tag);
/* An already encoded item; it must be exactly one canonical item (checked). */
tea_code tea_cbor_put_raw(tea_cbor_enc *e, const uint8_t *item, size_t n);
tea_code tea_cbor_begin_array(tea_cbor_enc *e, uint64_t nitems);
tea_code tea_cbor_begin_map(tea_cbor_enc *e, uint64_t npairs);
/* Closes the innermost container: checks its count; a map's pairs are sorted and
 * checked for duplicate keys here. */
tea_code tea_cbor_end(tea_cbor_enc *e);

/* Ends encoding: fails if a container or tag is left open, or if any earlier call
 * failed (err gets that first failure). On success *out is a malloc'd buffer the
 * caller frees with free() (NULL when nothing was written) and the encoder is empty. */
tea_code tea_cbor_enc_finish(tea_cbor_enc *e, uint8_t **out, size_t *out_len, tea_error *err);

/* ---- validation and reading ---- */

/* Checks that buf[0..len) is exactly one canonical item. */
tea_code tea_cbor_validate(const uint8_t *buf, size_t len, tea_error *err);
/* Checks that buf starts with one canonical item; *item_len gets its length. */
tea_code tea_cbor_validate_prefix(const uint8_t *buf, size_t len, size_t *item_len,
                                  tea_error *err);

/* Fields are private. The buffer must outlive the reader; read_bytes/read_text
 * return pointers into it. */
typedef struct tea_cbor_reader {
  const uint8_t *buf;
  size_t len, off;
} tea_cbor_reader;

/* Validates buf (see tea_cbor_validate) and positions the cursor at its start. */
tea_code tea_cbor_reader_init(tea_cbor_reader *r, const uint8_t *buf, size_t len, tea_error *err);
/* Type of the next item; TEA_ERR_NOT_FOUND at the end. */
tea_code tea_cbor_peek(const tea_cbor_reader *r, tea_cbor_type *type, tea_error *err);
bool tea_cbor_at_end(const tea_cbor_reader *r);
size_t tea_cbor_offset(const tea_cbor_reader *r);

tea_code tea_cbor_read_uint(tea_cbor_reader *r, uint64_t *v, tea_error *err);
/* Major type 0 or 1 within int64_t's range (TEA_ERR_LIMIT outside it). */
tea_code tea_cbor_read_int(tea_cbor_reader *r, int64_t *v, tea_error *err);
tea_code tea_cbor_read_bytes(tea_cbor_reader *r, const uint8_t **p, size_t *n, tea_error *err);
/* Not NUL-terminated. */
tea_code tea_cbor_read_text(tea_cbor_reader *r, const char **s, size_t *n, tea_error *err);
/* Reads a text item and fails (TEA_ERR_INVALID) unless it equals the C string s:
 * handy for reading the keys of a record map, which arrive in sorted order. */
tea_code tea_cbor_expect_text(tea_cbor_reader *r, const char *s, tea_error *err);
tea_code tea_cbor_read_bool(tea_cbor_reader *r, bool *v, tea_error *err);
tea_code tea_cbor_read_null(tea_cbor_reader *r, tea_error *err);
tea_code tea_cbor_read_tag(tea_cbor_reader *r, uint64_t *tag, tea_error *err);
/* Enter a container: *n gets the number of items (arrays) or pairs (maps), which the
 * caller then reads (or skips) in order. */
tea_code tea_cbor_read_array(tea_cbor_reader *r, uint64_t *n, tea_error *err);
tea_code tea_cbor_read_map(tea_cbor_reader *r, uint64_t *npairs, tea_error *err);
/* Skips one whole item (a container with all its contents; a tag with its content).
 * With raw/raw_len non-NULL, returns the item's encoded bytes. */
tea_code tea_cbor_skip(tea_cbor_reader *r, const uint8_t **raw, size_t *raw_len, tea_error *err);

#endif
