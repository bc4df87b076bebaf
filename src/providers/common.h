/* Helpers shared by the providers (not installed). */
#ifndef TEA_PROVIDERS_COMMON_H
#define TEA_PROVIDERS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tea/provider.h"

/* Wraps self in a tea_provider; on failure calls ops->destroy(self). */
tea_code tea_provider_make(const tea_provider_ops *ops, void *self, tea_provider **out, tea_error *err);
/* A malloc'd copy of n bytes as an answer. */
tea_code tea_provider_answer(const void *data, size_t n, uint8_t **resp, size_t *resp_len, tea_error *err);
/* Splits req at its first NUL: head is a C string copy (malloc'd), tail points
 * into req. Without a NUL, the whole request is the head and the tail empty. */
tea_code tea_provider_split(const uint8_t *req, size_t n, char **head, const uint8_t **tail, size_t *tail_len,
                            bool need_nul, tea_error *err);

#endif
