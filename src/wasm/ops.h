/* The engine's internal instruction set (the compiler writes it, the
 * interpreter runs it). Internal.
 *
 * Code is an array of 32-bit words. Each instruction is its opcode word
 * followed by operand words. Operands name frame slots (indices from the
 * frame pointer: parameters, then locals, then the operand stack, whose
 * height at every instruction the validator knows), immediates, or code
 * positions (absolute word indices) for branches. Because locals and stack
 * slots are addressed directly, `local.get`, `local.set` and most copies
 * vanish at compile time, and no instruction touches a run-time stack pointer.
 *
 * Layout notation below: d = destination slot, a/b/c = source slots,
 * t = branch target, k = immediate. */
#ifndef TEA_WASM_OPS_H
#define TEA_WASM_OPS_H

/* Control and data movement. X(name, operand words) */
#define TEA_CONTROL_OPS(X)                                                      \
  X(UNREACHABLE, 0)                                                            \
  X(BR, 1)             /* t */                                                 \
  X(BR_IF, 2)          /* c t: jump if i32 c != 0 */                           \
  X(BR_UNLESS, 2)      /* c t: jump if i32 c == 0 */                           \
  X(BR_TABLE, 2)       /* c n, then n+1 targets (the last is the default) */   \
  X(RETURN, 0)         /* results already in slots 0..n-1 */                  \
  X(CALL, 2)           /* funcindex argslot: callee frame starts at argslot */ \
  X(CALL_INDIRECT, 4)  /* typeindex table argslot c */                         \
  X(FUEL, 1)           /* k: charge k units, check interruption */             \
  X(COPY, 2)           /* a d */                                               \
  X(COPY2, 4)          /* a d a2 d2 */                                         \
  X(CONST32, 2)        /* k d */                                               \
  X(CONST64, 3)        /* klo khi d */                                         \
  X(SELECT, 4)         /* a b c d: d = c ? a : b */                            \
  X(GLOBAL_GET, 2)     /* index d */                                           \
  X(GLOBAL_SET, 2)     /* index a */                                           \
  X(CANON_F32, 1)      /* d: canonicalize a NaN in place (deterministic mode) */ \
  X(CANON_F64, 1)                                                              \
  X(MEMORY_SIZE, 1)    /* d */                                                 \
  X(MEMORY_GROW, 2)    /* a d */                                               \
  X(MEMORY_FILL, 3)    /* dst val len */                                       \
  X(MEMORY_COPY, 3)    /* dst src len */                                       \
  X(MEMORY_INIT, 4)    /* seg dst src len */                                   \
  X(DATA_DROP, 1)      /* seg */                                               \
  X(TABLE_GET, 3)      /* table a d */                                         \
  X(TABLE_SET, 3)      /* table idx val */                                     \
  X(TABLE_SIZE, 2)     /* table d */                                           \
  X(TABLE_GROW, 4)     /* table init n d */                                    \
  X(TABLE_FILL, 4)     /* table i val n */                                     \
  X(TABLE_COPY, 5)     /* dsttable srctable d s n */                           \
  X(TABLE_INIT, 5)     /* table seg d s n */                                   \
  X(ELEM_DROP, 1)      /* seg */                                               \
  X(REF_FUNC, 2)       /* funcindex d */                                       \
  X(REF_IS_NULL, 2)    /* a d */                                               \
  /* fused forms the compiler picks when it sees the pattern */                \
  X(I32_ADD_IMM, 3)    /* a k d */                                             \
  X(I32_SUB_IMM, 3)                                                            \
  X(I32_AND_IMM, 3)                                                            \
  X(I32_OR_IMM, 3)                                                             \
  X(I32_XOR_IMM, 3)                                                            \
  X(I32_SHL_IMM, 3)                                                            \
  X(I32_SHR_S_IMM, 3)                                                          \
  X(I32_SHR_U_IMM, 3)                                                          \
  X(I32_MUL_IMM, 3)                                                            \
  X(I32_ROTL_IMM, 3)                                                           \
  X(I32_ROTR_IMM, 3)                                                           \
  X(I64_ADD_IMM, 3)    /* a k(sign-extended 32-bit) d */                       \
  X(I64_AND_IMM, 3)                                                            \
  X(I64_SHL_IMM, 3)                                                            \
  X(I64_SHR_U_IMM, 3)                                                          \
  X(I64_SHR_S_IMM, 3)                                                          \
  X(I64_OR_IMM, 3)                                                             \
  X(I64_XOR_IMM, 3)                                                            \
  X(I64_ROTL_IMM, 3)                                                           \
  /* compare-and-branch: a b t (jump if the comparison holds) */               \
  X(BR_I32_EQ, 3) X(BR_I32_NE, 3) X(BR_I32_LT_S, 3) X(BR_I32_LT_U, 3)         \
  X(BR_I32_GT_S, 3) X(BR_I32_GT_U, 3) X(BR_I32_LE_S, 3) X(BR_I32_LE_U, 3)     \
  X(BR_I32_GE_S, 3) X(BR_I32_GE_U, 3)                                          \
  X(BR_I32_EQZ, 2) X(BR_I32_NEZ, 2)   /* a t */                                \
  X(BR_I64_EQ, 3) X(BR_I64_NE, 3) X(BR_I64_LT_S, 3) X(BR_I64_LT_U, 3)         \
  X(BR_I64_GT_S, 3) X(BR_I64_GT_U, 3) X(BR_I64_LE_S, 3) X(BR_I64_LE_U, 3)     \
  X(BR_I64_GE_S, 3) X(BR_I64_GE_U, 3)                                          \
  X(BR_I64_EQZ, 2) X(BR_I64_NEZ, 2)                                            \
  /* compare with a constant and branch: a k t */                              \
  X(BR_I32_EQ_IMM, 3) X(BR_I32_NE_IMM, 3) X(BR_I32_LT_S_IMM, 3)                 \
  X(BR_I32_LT_U_IMM, 3) X(BR_I32_GT_S_IMM, 3) X(BR_I32_GT_U_IMM, 3)             \
  X(BR_I32_LE_S_IMM, 3) X(BR_I32_LE_U_IMM, 3) X(BR_I32_GE_S_IMM, 3)             \
  X(BR_I32_GE_U_IMM, 3)

/* Memory access: X(name, wasm opcode, C type loaded/stored, slot member).
 * Operand words: addr offset d (loads) or addr val offset (stores). */
#define TEA_LOAD_OPS(X)                                                         \
  X(I32_LOAD, 0x28, uint32_t, u32)                                              \
  X(I64_LOAD, 0x29, uint64_t, u64)                                              \
  X(F32_LOAD, 0x2a, uint32_t, u32)                                              \
  X(F64_LOAD, 0x2b, uint64_t, u64)                                              \
  X(I32_LOAD8_S, 0x2c, int8_t, i32)                                             \
  X(I32_LOAD8_U, 0x2d, uint8_t, u32)                                            \
  X(I32_LOAD16_S, 0x2e, int16_t, i32)                                           \
  X(I32_LOAD16_U, 0x2f, uint16_t, u32)                                          \
  X(I64_LOAD8_S, 0x30, int8_t, i64)                                             \
  X(I64_LOAD8_U, 0x31, uint8_t, u64)                                            \
  X(I64_LOAD16_S, 0x32, int16_t, i64)                                           \
  X(I64_LOAD16_U, 0x33, uint16_t, u64)                                          \
  X(I64_LOAD32_S, 0x34, int32_t, i64)                                           \
  X(I64_LOAD32_U, 0x35, uint32_t, u64)

#define TEA_STORE_OPS(X)                                                        \
  X(I32_STORE, 0x36, uint32_t, u32)                                             \
  X(I64_STORE, 0x37, uint64_t, u64)                                             \
  X(F32_STORE, 0x38, uint32_t, u32)                                             \
  X(F64_STORE, 0x39, uint64_t, u64)                                             \
  X(I32_STORE8, 0x3a, uint8_t, u32)                                             \
  X(I32_STORE16, 0x3b, uint16_t, u32)                                           \
  X(I64_STORE8, 0x3c, uint8_t, u64)                                             \
  X(I64_STORE16, 0x3d, uint16_t, u64)                                           \
  X(I64_STORE32, 0x3e, uint32_t, u64)

/* Numeric operators with one operand: X(name, wasm opcode, in type, out type).
 * Operand words: a d. Opcodes >= 0x100 are 0xFC-prefixed (0x100 + subop). */
#define TEA_UNARY_OPS(X)                                                        \
  X(I32_EQZ, 0x45, I32, I32)                                                    \
  X(I64_EQZ, 0x50, I64, I32)                                                    \
  X(I32_CLZ, 0x67, I32, I32) X(I32_CTZ, 0x68, I32, I32) X(I32_POPCNT, 0x69, I32, I32) \
  X(I64_CLZ, 0x79, I64, I64) X(I64_CTZ, 0x7a, I64, I64) X(I64_POPCNT, 0x7b, I64, I64) \
  X(F32_ABS, 0x8b, F32, F32) X(F32_NEG, 0x8c, F32, F32) X(F32_CEIL, 0x8d, F32, F32)  \
  X(F32_FLOOR, 0x8e, F32, F32) X(F32_TRUNC, 0x8f, F32, F32)                     \
  X(F32_NEAREST, 0x90, F32, F32) X(F32_SQRT, 0x91, F32, F32)                    \
  X(F64_ABS, 0x99, F64, F64) X(F64_NEG, 0x9a, F64, F64) X(F64_CEIL, 0x9b, F64, F64)  \
  X(F64_FLOOR, 0x9c, F64, F64) X(F64_TRUNC, 0x9d, F64, F64)                     \
  X(F64_NEAREST, 0x9e, F64, F64) X(F64_SQRT, 0x9f, F64, F64)                    \
  X(I32_WRAP_I64, 0xa7, I64, I32)                                               \
  X(I32_TRUNC_F32_S, 0xa8, F32, I32) X(I32_TRUNC_F32_U, 0xa9, F32, I32)         \
  X(I32_TRUNC_F64_S, 0xaa, F64, I32) X(I32_TRUNC_F64_U, 0xab, F64, I32)         \
  X(I64_EXTEND_I32_S, 0xac, I32, I64) X(I64_EXTEND_I32_U, 0xad, I32, I64)       \
  X(I64_TRUNC_F32_S, 0xae, F32, I64) X(I64_TRUNC_F32_U, 0xaf, F32, I64)         \
  X(I64_TRUNC_F64_S, 0xb0, F64, I64) X(I64_TRUNC_F64_U, 0xb1, F64, I64)         \
  X(F32_CONVERT_I32_S, 0xb2, I32, F32) X(F32_CONVERT_I32_U, 0xb3, I32, F32)     \
  X(F32_CONVERT_I64_S, 0xb4, I64, F32) X(F32_CONVERT_I64_U, 0xb5, I64, F32)     \
  X(F32_DEMOTE_F64, 0xb6, F64, F32)                                             \
  X(F64_CONVERT_I32_S, 0xb7, I32, F64) X(F64_CONVERT_I32_U, 0xb8, I32, F64)     \
  X(F64_CONVERT_I64_S, 0xb9, I64, F64) X(F64_CONVERT_I64_U, 0xba, I64, F64)     \
  X(F64_PROMOTE_F32, 0xbb, F32, F64)                                            \
  X(I32_REINTERPRET_F32, 0xbc, F32, I32) X(I64_REINTERPRET_F64, 0xbd, F64, I64) \
  X(F32_REINTERPRET_I32, 0xbe, I32, F32) X(F64_REINTERPRET_I64, 0xbf, I64, F64) \
  X(I32_EXTEND8_S, 0xc0, I32, I32) X(I32_EXTEND16_S, 0xc1, I32, I32)            \
  X(I64_EXTEND8_S, 0xc2, I64, I64) X(I64_EXTEND16_S, 0xc3, I64, I64)            \
  X(I64_EXTEND32_S, 0xc4, I64, I64)                                             \
  X(I32_TRUNC_SAT_F32_S, 0x100, F32, I32) X(I32_TRUNC_SAT_F32_U, 0x101, F32, I32) \
  X(I32_TRUNC_SAT_F64_S, 0x102, F64, I32) X(I32_TRUNC_SAT_F64_U, 0x103, F64, I32) \
  X(I64_TRUNC_SAT_F32_S, 0x104, F32, I64) X(I64_TRUNC_SAT_F32_U, 0x105, F32, I64) \
  X(I64_TRUNC_SAT_F64_S, 0x106, F64, I64) X(I64_TRUNC_SAT_F64_U, 0x107, F64, I64)

/* Numeric operators with two operands: X(name, wasm opcode, in type, out type).
 * Operand words: a b d. */
#define TEA_BINARY_OPS(X)                                                       \
  X(I32_EQ, 0x46, I32, I32) X(I32_NE, 0x47, I32, I32) X(I32_LT_S, 0x48, I32, I32) \
  X(I32_LT_U, 0x49, I32, I32) X(I32_GT_S, 0x4a, I32, I32) X(I32_GT_U, 0x4b, I32, I32) \
  X(I32_LE_S, 0x4c, I32, I32) X(I32_LE_U, 0x4d, I32, I32) X(I32_GE_S, 0x4e, I32, I32) \
  X(I32_GE_U, 0x4f, I32, I32)                                                   \
  X(I64_EQ, 0x51, I64, I32) X(I64_NE, 0x52, I64, I32) X(I64_LT_S, 0x53, I64, I32) \
  X(I64_LT_U, 0x54, I64, I32) X(I64_GT_S, 0x55, I64, I32) X(I64_GT_U, 0x56, I64, I32) \
  X(I64_LE_S, 0x57, I64, I32) X(I64_LE_U, 0x58, I64, I32) X(I64_GE_S, 0x59, I64, I32) \
  X(I64_GE_U, 0x5a, I64, I32)                                                   \
  X(F32_EQ, 0x5b, F32, I32) X(F32_NE, 0x5c, F32, I32) X(F32_LT, 0x5d, F32, I32)  \
  X(F32_GT, 0x5e, F32, I32) X(F32_LE, 0x5f, F32, I32) X(F32_GE, 0x60, F32, I32)  \
  X(F64_EQ, 0x61, F64, I32) X(F64_NE, 0x62, F64, I32) X(F64_LT, 0x63, F64, I32)  \
  X(F64_GT, 0x64, F64, I32) X(F64_LE, 0x65, F64, I32) X(F64_GE, 0x66, F64, I32)  \
  X(I32_ADD, 0x6a, I32, I32) X(I32_SUB, 0x6b, I32, I32) X(I32_MUL, 0x6c, I32, I32) \
  X(I32_DIV_S, 0x6d, I32, I32) X(I32_DIV_U, 0x6e, I32, I32)                     \
  X(I32_REM_S, 0x6f, I32, I32) X(I32_REM_U, 0x70, I32, I32)                     \
  X(I32_AND, 0x71, I32, I32) X(I32_OR, 0x72, I32, I32) X(I32_XOR, 0x73, I32, I32) \
  X(I32_SHL, 0x74, I32, I32) X(I32_SHR_S, 0x75, I32, I32) X(I32_SHR_U, 0x76, I32, I32) \
  X(I32_ROTL, 0x77, I32, I32) X(I32_ROTR, 0x78, I32, I32)                       \
  X(I64_ADD, 0x7c, I64, I64) X(I64_SUB, 0x7d, I64, I64) X(I64_MUL, 0x7e, I64, I64) \
  X(I64_DIV_S, 0x7f, I64, I64) X(I64_DIV_U, 0x80, I64, I64)                     \
  X(I64_REM_S, 0x81, I64, I64) X(I64_REM_U, 0x82, I64, I64)                     \
  X(I64_AND, 0x83, I64, I64) X(I64_OR, 0x84, I64, I64) X(I64_XOR, 0x85, I64, I64) \
  X(I64_SHL, 0x86, I64, I64) X(I64_SHR_S, 0x87, I64, I64) X(I64_SHR_U, 0x88, I64, I64) \
  X(I64_ROTL, 0x89, I64, I64) X(I64_ROTR, 0x8a, I64, I64)                       \
  X(F32_ADD, 0x92, F32, F32) X(F32_SUB, 0x93, F32, F32) X(F32_MUL, 0x94, F32, F32) \
  X(F32_DIV, 0x95, F32, F32) X(F32_MIN, 0x96, F32, F32) X(F32_MAX, 0x97, F32, F32) \
  X(F32_COPYSIGN, 0x98, F32, F32)                                               \
  X(F64_ADD, 0xa0, F64, F64) X(F64_SUB, 0xa1, F64, F64) X(F64_MUL, 0xa2, F64, F64) \
  X(F64_DIV, 0xa3, F64, F64) X(F64_MIN, 0xa4, F64, F64) X(F64_MAX, 0xa5, F64, F64) \
  X(F64_COPYSIGN, 0xa6, F64, F64)

/* Loads and stores whose address is an i32.add of two slots (_ADD: a b) or of
 * a slot and a constant (_ADDK: a k) computed just for them: the address is
 * (u32)(a + b) + offset, as the two instructions would compute it.
 * Operand words: a b offset d (loads), a b v offset (stores). */
#define TEA_OP_ENUM_CTL(name, n) TEA_OP_##name,
#define TEA_OP_ENUM_ADD(name, wop, ctype, m) TEA_OP_##name##_ADD,
#define TEA_OP_ENUM_ADDK(name, wop, ctype, m) TEA_OP_##name##_ADDK,
#define TEA_OP_ENUM_MEM(name, wop, ctype, m) TEA_OP_##name,
#define TEA_OP_ENUM_NUM(name, wop, ti, to) TEA_OP_##name,
typedef enum tea_op {
  TEA_CONTROL_OPS(TEA_OP_ENUM_CTL)
  TEA_LOAD_OPS(TEA_OP_ENUM_MEM)
  TEA_STORE_OPS(TEA_OP_ENUM_MEM)
  TEA_UNARY_OPS(TEA_OP_ENUM_NUM)
  TEA_BINARY_OPS(TEA_OP_ENUM_NUM)
  TEA_LOAD_OPS(TEA_OP_ENUM_ADD)
  TEA_LOAD_OPS(TEA_OP_ENUM_ADDK)
  TEA_STORE_OPS(TEA_OP_ENUM_ADD)
  TEA_STORE_OPS(TEA_OP_ENUM_ADDK)
  TEA_OP_COUNT
} tea_op;
#undef TEA_OP_ENUM_CTL
#undef TEA_OP_ENUM_MEM
#undef TEA_OP_ENUM_NUM
#undef TEA_OP_ENUM_ADD
#undef TEA_OP_ENUM_ADDK

/* Operand words of each opcode (BR_TABLE adds n+1 targets). */
#define TEA_OP_WORDS_INIT                                          \
  {                                                                \
    TEA_CONTROL_OPS(TEA_W_CTL) TEA_LOAD_OPS(TEA_W3) TEA_STORE_OPS(TEA_W3) \
    TEA_UNARY_OPS(TEA_W2) TEA_BINARY_OPS(TEA_W3) TEA_LOAD_OPS(TEA_W4)      \
    TEA_LOAD_OPS(TEA_W4) TEA_STORE_OPS(TEA_W4) TEA_STORE_OPS(TEA_W4)       \
  }
#define TEA_W_CTL(name, n) n,
#define TEA_W2(name, ...) 2,
#define TEA_W3(name, ...) 3,
#define TEA_W4(name, ...) 4,
#define TEA_OP_NAME_CTL(name, n) #name,
#define TEA_OP_NAME(name, ...) #name,
#define TEA_OP_NAME_ADD(name, ...) #name "_ADD",
#define TEA_OP_NAME_ADDK(name, ...) #name "_ADDK",
#define TEA_OP_NAMES_INIT                                                          \
  {                                                                                \
    TEA_CONTROL_OPS(TEA_OP_NAME_CTL) TEA_LOAD_OPS(TEA_OP_NAME) TEA_STORE_OPS(TEA_OP_NAME) \
    TEA_UNARY_OPS(TEA_OP_NAME) TEA_BINARY_OPS(TEA_OP_NAME) TEA_LOAD_OPS(TEA_OP_NAME_ADD)   \
    TEA_LOAD_OPS(TEA_OP_NAME_ADDK) TEA_STORE_OPS(TEA_OP_NAME_ADD)                          \
    TEA_STORE_OPS(TEA_OP_NAME_ADDK)                                                        \
  }

#endif
