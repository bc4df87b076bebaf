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
  /* v128 data movement: a v128 is two consecutive slots (a, a+1) */           \
  X(COPY_V128, 2)      /* a d (overlap-safe) */                                \
  X(SELECT_V128, 4)    /* a b c d */                                           \
  X(GLOBAL_GET_V128, 2) /* index d */                                          \
  X(GLOBAL_SET_V128, 2) /* index a */                                          \
  X(CANON_F32X4, 1)    /* d: canonicalize NaN lanes in place (deterministic) */ \
  X(CANON_F64X2, 1)                                                            \
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
  X(BR_I32_GE_U_IMM, 3)                                                        \
  /* an I32_ADD_IMM (a k d) whose result the next compare-and-branch tests (a  \
     loop counter): a k d b t, a k d k2 t, a k d t (the same order as above) */ \
  X(INC_BR_I32_EQ, 5) X(INC_BR_I32_NE, 5) X(INC_BR_I32_LT_S, 5)                 \
  X(INC_BR_I32_LT_U, 5) X(INC_BR_I32_GT_S, 5) X(INC_BR_I32_GT_U, 5)             \
  X(INC_BR_I32_LE_S, 5) X(INC_BR_I32_LE_U, 5) X(INC_BR_I32_GE_S, 5)             \
  X(INC_BR_I32_GE_U, 5)                                                        \
  X(INC_BR_I32_EQZ, 4) X(INC_BR_I32_NEZ, 4)                                    \
  X(INC_BR_I32_EQ_IMM, 5) X(INC_BR_I32_NE_IMM, 5) X(INC_BR_I32_LT_S_IMM, 5)     \
  X(INC_BR_I32_LT_U_IMM, 5) X(INC_BR_I32_GT_S_IMM, 5) X(INC_BR_I32_GT_U_IMM, 5) \
  X(INC_BR_I32_LE_S_IMM, 5) X(INC_BR_I32_LE_U_IMM, 5) X(INC_BR_I32_GE_S_IMM, 5) \
  X(INC_BR_I32_GE_U_IMM, 5)                                                    \
  /* a float multiply whose product goes straight into an add: a b c d,        \
     MADD d = c + a*b, MADDR d = a*b + c (two roundings, as the two            \
     instructions; only formed outside deterministic mode) */                  \
  X(F32_MADD, 4) X(F32_MADDR, 4) X(F64_MADD, 4) X(F64_MADDR, 4)              \
  /* one of those whose result a store writes straight away (c[j] += a*b[j]): \
     a b c addr offset */                                                      \
  X(F32_MADD_STORE, 5) X(F32_MADDR_STORE, 5) X(F64_MADD_STORE, 5)              \
  X(F64_MADDR_STORE, 5)                                                        \
  /* an F64_MADD_STORE whose b the load just before it read: that load's words \
     without its destination, then a c addr offset (_L: ba boff, _LK: ba k     \
     boff, _LT: ba bb boff t as F64_LOAD, _ADDK, _ADDT) */                     \
  X(F64_MADD_STORE_L, 6) X(F64_MADD_STORE_LK, 7) X(F64_MADD_STORE_LT, 8)

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
 * Operand words: a b offset d (loads), a b v offset (stores).
 * Loads whose address is such an add that a local.tee also keeps (a pointer
 * stepped and used at once) get _ADDT / _ADDKT: a b offset d t, where local t
 * receives the sum before the load writes d. */
/* SIMD (0xFD prefix): X(name, subopcode, kind, scalar type, lanes, log2 of
 * the memory access size, canon). The kind fixes the operand words:
 *   UN a d | BIN a b d | TERN a b c d | TEST a d (i32 result) |
 *   SHIFT a s d (s: i32 count) | SPLAT a d (a: scalar) |
 *   EXTRACT a lane d | REPLACE a lane s d | LOAD addr offset d |
 *   STORE addr v offset | LOADLANE addr offset v lane d |
 *   STORELANE addr v offset lane | SHUFFLE a b k0 k1 k2 k3 d (16 lane bytes
 *   packed little-endian in 4 words) | CONST k0 k1 k2 k3 d.
 * Every v128 operand names the first of its two slots. The scalar type is
 * that of SPLAT's operand and EXTRACT's/REPLACE's lane value; lanes bounds a
 * lane immediate; canon (32/64) says the result has float lanes whose NaN
 * bits the CPU may choose (deterministic mode canonicalizes them). */
#define TEA_SIMD_OPS(X)  \
  X(V128_LOAD, 0x00, LOAD, V128, 0, 4, 0) \
  X(V128_LOAD8X8_S, 0x01, LOAD, V128, 0, 3, 0) \
  X(V128_LOAD8X8_U, 0x02, LOAD, V128, 0, 3, 0) \
  X(V128_LOAD16X4_S, 0x03, LOAD, V128, 0, 3, 0) \
  X(V128_LOAD16X4_U, 0x04, LOAD, V128, 0, 3, 0) \
  X(V128_LOAD32X2_S, 0x05, LOAD, V128, 0, 3, 0) \
  X(V128_LOAD32X2_U, 0x06, LOAD, V128, 0, 3, 0) \
  X(V128_LOAD8_SPLAT, 0x07, LOAD, V128, 0, 0, 0) \
  X(V128_LOAD16_SPLAT, 0x08, LOAD, V128, 0, 1, 0) \
  X(V128_LOAD32_SPLAT, 0x09, LOAD, V128, 0, 2, 0) \
  X(V128_LOAD64_SPLAT, 0x0a, LOAD, V128, 0, 3, 0) \
  X(V128_STORE, 0x0b, STORE, V128, 0, 4, 0) \
  X(V128_CONST, 0x0c, CONST, V128, 0, 0, 0) \
  X(I8X16_SHUFFLE, 0x0d, SHUFFLE, V128, 0, 0, 0) \
  X(I8X16_SWIZZLE, 0x0e, BIN, V128, 0, 0, 0) \
  X(I8X16_SPLAT, 0x0f, SPLAT, I32, 0, 0, 0) \
  X(I16X8_SPLAT, 0x10, SPLAT, I32, 0, 0, 0) \
  X(I32X4_SPLAT, 0x11, SPLAT, I32, 0, 0, 0) \
  X(I64X2_SPLAT, 0x12, SPLAT, I64, 0, 0, 0) \
  X(F32X4_SPLAT, 0x13, SPLAT, F32, 0, 0, 0) \
  X(F64X2_SPLAT, 0x14, SPLAT, F64, 0, 0, 0) \
  X(I8X16_EXTRACT_LANE_S, 0x15, EXTRACT, I32, 16, 0, 0) \
  X(I8X16_EXTRACT_LANE_U, 0x16, EXTRACT, I32, 16, 0, 0) \
  X(I8X16_REPLACE_LANE, 0x17, REPLACE, I32, 16, 0, 0) \
  X(I16X8_EXTRACT_LANE_S, 0x18, EXTRACT, I32, 8, 0, 0) \
  X(I16X8_EXTRACT_LANE_U, 0x19, EXTRACT, I32, 8, 0, 0) \
  X(I16X8_REPLACE_LANE, 0x1a, REPLACE, I32, 8, 0, 0) \
  X(I32X4_EXTRACT_LANE, 0x1b, EXTRACT, I32, 4, 0, 0) \
  X(I32X4_REPLACE_LANE, 0x1c, REPLACE, I32, 4, 0, 0) \
  X(I64X2_EXTRACT_LANE, 0x1d, EXTRACT, I64, 2, 0, 0) \
  X(I64X2_REPLACE_LANE, 0x1e, REPLACE, I64, 2, 0, 0) \
  X(F32X4_EXTRACT_LANE, 0x1f, EXTRACT, F32, 4, 0, 0) \
  X(F32X4_REPLACE_LANE, 0x20, REPLACE, F32, 4, 0, 0) \
  X(F64X2_EXTRACT_LANE, 0x21, EXTRACT, F64, 2, 0, 0) \
  X(F64X2_REPLACE_LANE, 0x22, REPLACE, F64, 2, 0, 0) \
  X(I8X16_EQ, 0x23, BIN, V128, 0, 0, 0) \
  X(I8X16_NE, 0x24, BIN, V128, 0, 0, 0) \
  X(I8X16_LT_S, 0x25, BIN, V128, 0, 0, 0) \
  X(I8X16_LT_U, 0x26, BIN, V128, 0, 0, 0) \
  X(I8X16_GT_S, 0x27, BIN, V128, 0, 0, 0) \
  X(I8X16_GT_U, 0x28, BIN, V128, 0, 0, 0) \
  X(I8X16_LE_S, 0x29, BIN, V128, 0, 0, 0) \
  X(I8X16_LE_U, 0x2a, BIN, V128, 0, 0, 0) \
  X(I8X16_GE_S, 0x2b, BIN, V128, 0, 0, 0) \
  X(I8X16_GE_U, 0x2c, BIN, V128, 0, 0, 0) \
  X(I16X8_EQ, 0x2d, BIN, V128, 0, 0, 0) \
  X(I16X8_NE, 0x2e, BIN, V128, 0, 0, 0) \
  X(I16X8_LT_S, 0x2f, BIN, V128, 0, 0, 0) \
  X(I16X8_LT_U, 0x30, BIN, V128, 0, 0, 0) \
  X(I16X8_GT_S, 0x31, BIN, V128, 0, 0, 0) \
  X(I16X8_GT_U, 0x32, BIN, V128, 0, 0, 0) \
  X(I16X8_LE_S, 0x33, BIN, V128, 0, 0, 0) \
  X(I16X8_LE_U, 0x34, BIN, V128, 0, 0, 0) \
  X(I16X8_GE_S, 0x35, BIN, V128, 0, 0, 0) \
  X(I16X8_GE_U, 0x36, BIN, V128, 0, 0, 0) \
  X(I32X4_EQ, 0x37, BIN, V128, 0, 0, 0) \
  X(I32X4_NE, 0x38, BIN, V128, 0, 0, 0) \
  X(I32X4_LT_S, 0x39, BIN, V128, 0, 0, 0) \
  X(I32X4_LT_U, 0x3a, BIN, V128, 0, 0, 0) \
  X(I32X4_GT_S, 0x3b, BIN, V128, 0, 0, 0) \
  X(I32X4_GT_U, 0x3c, BIN, V128, 0, 0, 0) \
  X(I32X4_LE_S, 0x3d, BIN, V128, 0, 0, 0) \
  X(I32X4_LE_U, 0x3e, BIN, V128, 0, 0, 0) \
  X(I32X4_GE_S, 0x3f, BIN, V128, 0, 0, 0) \
  X(I32X4_GE_U, 0x40, BIN, V128, 0, 0, 0) \
  X(F32X4_EQ, 0x41, BIN, V128, 0, 0, 0) \
  X(F32X4_NE, 0x42, BIN, V128, 0, 0, 0) \
  X(F32X4_LT, 0x43, BIN, V128, 0, 0, 0) \
  X(F32X4_GT, 0x44, BIN, V128, 0, 0, 0) \
  X(F32X4_LE, 0x45, BIN, V128, 0, 0, 0) \
  X(F32X4_GE, 0x46, BIN, V128, 0, 0, 0) \
  X(F64X2_EQ, 0x47, BIN, V128, 0, 0, 0) \
  X(F64X2_NE, 0x48, BIN, V128, 0, 0, 0) \
  X(F64X2_LT, 0x49, BIN, V128, 0, 0, 0) \
  X(F64X2_GT, 0x4a, BIN, V128, 0, 0, 0) \
  X(F64X2_LE, 0x4b, BIN, V128, 0, 0, 0) \
  X(F64X2_GE, 0x4c, BIN, V128, 0, 0, 0) \
  X(V128_NOT, 0x4d, UN, V128, 0, 0, 0) \
  X(V128_AND, 0x4e, BIN, V128, 0, 0, 0) \
  X(V128_ANDNOT, 0x4f, BIN, V128, 0, 0, 0) \
  X(V128_OR, 0x50, BIN, V128, 0, 0, 0) \
  X(V128_XOR, 0x51, BIN, V128, 0, 0, 0) \
  X(V128_BITSELECT, 0x52, TERN, V128, 0, 0, 0) \
  X(V128_ANY_TRUE, 0x53, TEST, V128, 0, 0, 0) \
  X(V128_LOAD8_LANE, 0x54, LOADLANE, V128, 16, 0, 0) \
  X(V128_LOAD16_LANE, 0x55, LOADLANE, V128, 8, 1, 0) \
  X(V128_LOAD32_LANE, 0x56, LOADLANE, V128, 4, 2, 0) \
  X(V128_LOAD64_LANE, 0x57, LOADLANE, V128, 2, 3, 0) \
  X(V128_STORE8_LANE, 0x58, STORELANE, V128, 16, 0, 0) \
  X(V128_STORE16_LANE, 0x59, STORELANE, V128, 8, 1, 0) \
  X(V128_STORE32_LANE, 0x5a, STORELANE, V128, 4, 2, 0) \
  X(V128_STORE64_LANE, 0x5b, STORELANE, V128, 2, 3, 0) \
  X(V128_LOAD32_ZERO, 0x5c, LOAD, V128, 0, 2, 0) \
  X(V128_LOAD64_ZERO, 0x5d, LOAD, V128, 0, 3, 0) \
  X(F32X4_DEMOTE_F64X2_ZERO, 0x5e, UN, V128, 0, 0, 32) \
  X(F64X2_PROMOTE_LOW_F32X4, 0x5f, UN, V128, 0, 0, 64) \
  X(I8X16_ABS, 0x60, UN, V128, 0, 0, 0) \
  X(I8X16_NEG, 0x61, UN, V128, 0, 0, 0) \
  X(I8X16_POPCNT, 0x62, UN, V128, 0, 0, 0) \
  X(I8X16_ALL_TRUE, 0x63, TEST, V128, 0, 0, 0) \
  X(I8X16_BITMASK, 0x64, TEST, V128, 0, 0, 0) \
  X(I8X16_NARROW_I16X8_S, 0x65, BIN, V128, 0, 0, 0) \
  X(I8X16_NARROW_I16X8_U, 0x66, BIN, V128, 0, 0, 0) \
  X(F32X4_CEIL, 0x67, UN, V128, 0, 0, 32) \
  X(F32X4_FLOOR, 0x68, UN, V128, 0, 0, 32) \
  X(F32X4_TRUNC, 0x69, UN, V128, 0, 0, 32) \
  X(F32X4_NEAREST, 0x6a, UN, V128, 0, 0, 32) \
  X(I8X16_SHL, 0x6b, SHIFT, V128, 0, 0, 0) \
  X(I8X16_SHR_S, 0x6c, SHIFT, V128, 0, 0, 0) \
  X(I8X16_SHR_U, 0x6d, SHIFT, V128, 0, 0, 0) \
  X(I8X16_ADD, 0x6e, BIN, V128, 0, 0, 0) \
  X(I8X16_ADD_SAT_S, 0x6f, BIN, V128, 0, 0, 0) \
  X(I8X16_ADD_SAT_U, 0x70, BIN, V128, 0, 0, 0) \
  X(I8X16_SUB, 0x71, BIN, V128, 0, 0, 0) \
  X(I8X16_SUB_SAT_S, 0x72, BIN, V128, 0, 0, 0) \
  X(I8X16_SUB_SAT_U, 0x73, BIN, V128, 0, 0, 0) \
  X(F64X2_CEIL, 0x74, UN, V128, 0, 0, 64) \
  X(F64X2_FLOOR, 0x75, UN, V128, 0, 0, 64) \
  X(I8X16_MIN_S, 0x76, BIN, V128, 0, 0, 0) \
  X(I8X16_MIN_U, 0x77, BIN, V128, 0, 0, 0) \
  X(I8X16_MAX_S, 0x78, BIN, V128, 0, 0, 0) \
  X(I8X16_MAX_U, 0x79, BIN, V128, 0, 0, 0) \
  X(F64X2_TRUNC, 0x7a, UN, V128, 0, 0, 64) \
  X(I8X16_AVGR_U, 0x7b, BIN, V128, 0, 0, 0) \
  X(I16X8_EXTADD_PAIRWISE_I8X16_S, 0x7c, UN, V128, 0, 0, 0) \
  X(I16X8_EXTADD_PAIRWISE_I8X16_U, 0x7d, UN, V128, 0, 0, 0) \
  X(I32X4_EXTADD_PAIRWISE_I16X8_S, 0x7e, UN, V128, 0, 0, 0) \
  X(I32X4_EXTADD_PAIRWISE_I16X8_U, 0x7f, UN, V128, 0, 0, 0) \
  X(I16X8_ABS, 0x80, UN, V128, 0, 0, 0) \
  X(I16X8_NEG, 0x81, UN, V128, 0, 0, 0) \
  X(I16X8_Q15MULR_SAT_S, 0x82, BIN, V128, 0, 0, 0) \
  X(I16X8_ALL_TRUE, 0x83, TEST, V128, 0, 0, 0) \
  X(I16X8_BITMASK, 0x84, TEST, V128, 0, 0, 0) \
  X(I16X8_NARROW_I32X4_S, 0x85, BIN, V128, 0, 0, 0) \
  X(I16X8_NARROW_I32X4_U, 0x86, BIN, V128, 0, 0, 0) \
  X(I16X8_EXTEND_LOW_I8X16_S, 0x87, UN, V128, 0, 0, 0) \
  X(I16X8_EXTEND_HIGH_I8X16_S, 0x88, UN, V128, 0, 0, 0) \
  X(I16X8_EXTEND_LOW_I8X16_U, 0x89, UN, V128, 0, 0, 0) \
  X(I16X8_EXTEND_HIGH_I8X16_U, 0x8a, UN, V128, 0, 0, 0) \
  X(I16X8_SHL, 0x8b, SHIFT, V128, 0, 0, 0) \
  X(I16X8_SHR_S, 0x8c, SHIFT, V128, 0, 0, 0) \
  X(I16X8_SHR_U, 0x8d, SHIFT, V128, 0, 0, 0) \
  X(I16X8_ADD, 0x8e, BIN, V128, 0, 0, 0) \
  X(I16X8_ADD_SAT_S, 0x8f, BIN, V128, 0, 0, 0) \
  X(I16X8_ADD_SAT_U, 0x90, BIN, V128, 0, 0, 0) \
  X(I16X8_SUB, 0x91, BIN, V128, 0, 0, 0) \
  X(I16X8_SUB_SAT_S, 0x92, BIN, V128, 0, 0, 0) \
  X(I16X8_SUB_SAT_U, 0x93, BIN, V128, 0, 0, 0) \
  X(F64X2_NEAREST, 0x94, UN, V128, 0, 0, 64) \
  X(I16X8_MUL, 0x95, BIN, V128, 0, 0, 0) \
  X(I16X8_MIN_S, 0x96, BIN, V128, 0, 0, 0) \
  X(I16X8_MIN_U, 0x97, BIN, V128, 0, 0, 0) \
  X(I16X8_MAX_S, 0x98, BIN, V128, 0, 0, 0) \
  X(I16X8_MAX_U, 0x99, BIN, V128, 0, 0, 0) \
  X(I16X8_AVGR_U, 0x9b, BIN, V128, 0, 0, 0) \
  X(I16X8_EXTMUL_LOW_I8X16_S, 0x9c, BIN, V128, 0, 0, 0) \
  X(I16X8_EXTMUL_HIGH_I8X16_S, 0x9d, BIN, V128, 0, 0, 0) \
  X(I16X8_EXTMUL_LOW_I8X16_U, 0x9e, BIN, V128, 0, 0, 0) \
  X(I16X8_EXTMUL_HIGH_I8X16_U, 0x9f, BIN, V128, 0, 0, 0) \
  X(I32X4_ABS, 0xa0, UN, V128, 0, 0, 0) \
  X(I32X4_NEG, 0xa1, UN, V128, 0, 0, 0) \
  X(I32X4_ALL_TRUE, 0xa3, TEST, V128, 0, 0, 0) \
  X(I32X4_BITMASK, 0xa4, TEST, V128, 0, 0, 0) \
  X(I32X4_EXTEND_LOW_I16X8_S, 0xa7, UN, V128, 0, 0, 0) \
  X(I32X4_EXTEND_HIGH_I16X8_S, 0xa8, UN, V128, 0, 0, 0) \
  X(I32X4_EXTEND_LOW_I16X8_U, 0xa9, UN, V128, 0, 0, 0) \
  X(I32X4_EXTEND_HIGH_I16X8_U, 0xaa, UN, V128, 0, 0, 0) \
  X(I32X4_SHL, 0xab, SHIFT, V128, 0, 0, 0) \
  X(I32X4_SHR_S, 0xac, SHIFT, V128, 0, 0, 0) \
  X(I32X4_SHR_U, 0xad, SHIFT, V128, 0, 0, 0) \
  X(I32X4_ADD, 0xae, BIN, V128, 0, 0, 0) \
  X(I32X4_SUB, 0xb1, BIN, V128, 0, 0, 0) \
  X(I32X4_MUL, 0xb5, BIN, V128, 0, 0, 0) \
  X(I32X4_MIN_S, 0xb6, BIN, V128, 0, 0, 0) \
  X(I32X4_MIN_U, 0xb7, BIN, V128, 0, 0, 0) \
  X(I32X4_MAX_S, 0xb8, BIN, V128, 0, 0, 0) \
  X(I32X4_MAX_U, 0xb9, BIN, V128, 0, 0, 0) \
  X(I32X4_DOT_I16X8_S, 0xba, BIN, V128, 0, 0, 0) \
  X(I32X4_EXTMUL_LOW_I16X8_S, 0xbc, BIN, V128, 0, 0, 0) \
  X(I32X4_EXTMUL_HIGH_I16X8_S, 0xbd, BIN, V128, 0, 0, 0) \
  X(I32X4_EXTMUL_LOW_I16X8_U, 0xbe, BIN, V128, 0, 0, 0) \
  X(I32X4_EXTMUL_HIGH_I16X8_U, 0xbf, BIN, V128, 0, 0, 0) \
  X(I64X2_ABS, 0xc0, UN, V128, 0, 0, 0) \
  X(I64X2_NEG, 0xc1, UN, V128, 0, 0, 0) \
  X(I64X2_ALL_TRUE, 0xc3, TEST, V128, 0, 0, 0) \
  X(I64X2_BITMASK, 0xc4, TEST, V128, 0, 0, 0) \
  X(I64X2_EXTEND_LOW_I32X4_S, 0xc7, UN, V128, 0, 0, 0) \
  X(I64X2_EXTEND_HIGH_I32X4_S, 0xc8, UN, V128, 0, 0, 0) \
  X(I64X2_EXTEND_LOW_I32X4_U, 0xc9, UN, V128, 0, 0, 0) \
  X(I64X2_EXTEND_HIGH_I32X4_U, 0xca, UN, V128, 0, 0, 0) \
  X(I64X2_SHL, 0xcb, SHIFT, V128, 0, 0, 0) \
  X(I64X2_SHR_S, 0xcc, SHIFT, V128, 0, 0, 0) \
  X(I64X2_SHR_U, 0xcd, SHIFT, V128, 0, 0, 0) \
  X(I64X2_ADD, 0xce, BIN, V128, 0, 0, 0) \
  X(I64X2_SUB, 0xd1, BIN, V128, 0, 0, 0) \
  X(I64X2_MUL, 0xd5, BIN, V128, 0, 0, 0) \
  X(I64X2_EQ, 0xd6, BIN, V128, 0, 0, 0) \
  X(I64X2_NE, 0xd7, BIN, V128, 0, 0, 0) \
  X(I64X2_LT_S, 0xd8, BIN, V128, 0, 0, 0) \
  X(I64X2_GT_S, 0xd9, BIN, V128, 0, 0, 0) \
  X(I64X2_LE_S, 0xda, BIN, V128, 0, 0, 0) \
  X(I64X2_GE_S, 0xdb, BIN, V128, 0, 0, 0) \
  X(I64X2_EXTMUL_LOW_I32X4_S, 0xdc, BIN, V128, 0, 0, 0) \
  X(I64X2_EXTMUL_HIGH_I32X4_S, 0xdd, BIN, V128, 0, 0, 0) \
  X(I64X2_EXTMUL_LOW_I32X4_U, 0xde, BIN, V128, 0, 0, 0) \
  X(I64X2_EXTMUL_HIGH_I32X4_U, 0xdf, BIN, V128, 0, 0, 0) \
  X(F32X4_ABS, 0xe0, UN, V128, 0, 0, 0) \
  X(F32X4_NEG, 0xe1, UN, V128, 0, 0, 0) \
  X(F32X4_SQRT, 0xe3, UN, V128, 0, 0, 32) \
  X(F32X4_ADD, 0xe4, BIN, V128, 0, 0, 32) \
  X(F32X4_SUB, 0xe5, BIN, V128, 0, 0, 32) \
  X(F32X4_MUL, 0xe6, BIN, V128, 0, 0, 32) \
  X(F32X4_DIV, 0xe7, BIN, V128, 0, 0, 32) \
  X(F32X4_MIN, 0xe8, BIN, V128, 0, 0, 32) \
  X(F32X4_MAX, 0xe9, BIN, V128, 0, 0, 32) \
  X(F32X4_PMIN, 0xea, BIN, V128, 0, 0, 0) \
  X(F32X4_PMAX, 0xeb, BIN, V128, 0, 0, 0) \
  X(F64X2_ABS, 0xec, UN, V128, 0, 0, 0) \
  X(F64X2_NEG, 0xed, UN, V128, 0, 0, 0) \
  X(F64X2_SQRT, 0xef, UN, V128, 0, 0, 64) \
  X(F64X2_ADD, 0xf0, BIN, V128, 0, 0, 64) \
  X(F64X2_SUB, 0xf1, BIN, V128, 0, 0, 64) \
  X(F64X2_MUL, 0xf2, BIN, V128, 0, 0, 64) \
  X(F64X2_DIV, 0xf3, BIN, V128, 0, 0, 64) \
  X(F64X2_MIN, 0xf4, BIN, V128, 0, 0, 64) \
  X(F64X2_MAX, 0xf5, BIN, V128, 0, 0, 64) \
  X(F64X2_PMIN, 0xf6, BIN, V128, 0, 0, 0) \
  X(F64X2_PMAX, 0xf7, BIN, V128, 0, 0, 0) \
  X(I32X4_TRUNC_SAT_F32X4_S, 0xf8, UN, V128, 0, 0, 0) \
  X(I32X4_TRUNC_SAT_F32X4_U, 0xf9, UN, V128, 0, 0, 0) \
  X(F32X4_CONVERT_I32X4_S, 0xfa, UN, V128, 0, 0, 0) \
  X(F32X4_CONVERT_I32X4_U, 0xfb, UN, V128, 0, 0, 0) \
  X(I32X4_TRUNC_SAT_F64X2_S_ZERO, 0xfc, UN, V128, 0, 0, 0) \
  X(I32X4_TRUNC_SAT_F64X2_U_ZERO, 0xfd, UN, V128, 0, 0, 0) \
  X(F64X2_CONVERT_LOW_I32X4_S, 0xfe, UN, V128, 0, 0, 0) \
  X(F64X2_CONVERT_LOW_I32X4_U, 0xff, UN, V128, 0, 0, 0)

#define TEA_SIMDW_UN 2
#define TEA_SIMDW_BIN 3
#define TEA_SIMDW_TERN 4
#define TEA_SIMDW_TEST 2
#define TEA_SIMDW_SHIFT 3
#define TEA_SIMDW_SPLAT 2
#define TEA_SIMDW_EXTRACT 3
#define TEA_SIMDW_REPLACE 4
#define TEA_SIMDW_LOAD 3
#define TEA_SIMDW_STORE 3
#define TEA_SIMDW_LOADLANE 5
#define TEA_SIMDW_STORELANE 4
#define TEA_SIMDW_SHUFFLE 7
#define TEA_SIMDW_CONST 5

/* Shifts by a constant count get an immediate form, NAME_IMM (a k d): the
 * count is almost always a constant, and this saves materializing it.
 * TEA_SIMD_SHIFT_ONLY(kind, ...) keeps its tail for the SHIFT entries of
 * TEA_SIMD_OPS only, so these lists derive from the one table. */
#define TEA_SIMD_SHIFT_ONLY(kind, ...) TEA_SIMD_SHIFT_ONLY_##kind(__VA_ARGS__)
#define TEA_SIMD_SHIFT_ONLY_SHIFT(...) __VA_ARGS__
#define TEA_SIMD_SHIFT_ONLY_UN(...)
#define TEA_SIMD_SHIFT_ONLY_BIN(...)
#define TEA_SIMD_SHIFT_ONLY_TERN(...)
#define TEA_SIMD_SHIFT_ONLY_TEST(...)
#define TEA_SIMD_SHIFT_ONLY_SPLAT(...)
#define TEA_SIMD_SHIFT_ONLY_EXTRACT(...)
#define TEA_SIMD_SHIFT_ONLY_REPLACE(...)
#define TEA_SIMD_SHIFT_ONLY_LOAD(...)
#define TEA_SIMD_SHIFT_ONLY_STORE(...)
#define TEA_SIMD_SHIFT_ONLY_LOADLANE(...)
#define TEA_SIMD_SHIFT_ONLY_STORELANE(...)
#define TEA_SIMD_SHIFT_ONLY_SHUFFLE(...)
#define TEA_SIMD_SHIFT_ONLY_CONST(...)

/* Likewise, loads and stores (LOAD and STORE kinds) whose address is an
 * i32.add computed just for them get NAME_ADD (a b offset d / a b v offset)
 * and NAME_ADDK (a k offset d / a k v offset) forms, as the scalar ones do. */
#define TEA_SIMD_MEM_ONLY(kind, ...) TEA_SIMD_MEM_ONLY_##kind(__VA_ARGS__)
#define TEA_SIMD_MEM_ONLY_LOAD(...) __VA_ARGS__
#define TEA_SIMD_MEM_ONLY_STORE(...) __VA_ARGS__
#define TEA_SIMD_MEM_ONLY_SHIFT(...)
#define TEA_SIMD_MEM_ONLY_UN(...)
#define TEA_SIMD_MEM_ONLY_BIN(...)
#define TEA_SIMD_MEM_ONLY_TERN(...)
#define TEA_SIMD_MEM_ONLY_TEST(...)
#define TEA_SIMD_MEM_ONLY_SPLAT(...)
#define TEA_SIMD_MEM_ONLY_EXTRACT(...)
#define TEA_SIMD_MEM_ONLY_REPLACE(...)
#define TEA_SIMD_MEM_ONLY_LOADLANE(...)
#define TEA_SIMD_MEM_ONLY_STORELANE(...)
#define TEA_SIMD_MEM_ONLY_SHUFFLE(...)
#define TEA_SIMD_MEM_ONLY_CONST(...)

#define TEA_OP_ENUM_CTL(name, n) TEA_OP_##name,
#define TEA_OP_ENUM_SIMD(name, sub, kind, t, l, sz, canon) TEA_OP_##name,
#define TEA_OP_ENUM_SIMD_IMM(name, sub, kind, t, l, sz, canon) \
  TEA_SIMD_SHIFT_ONLY(kind, TEA_OP_##name##_IMM,)
#define TEA_OP_ENUM_SIMD_ADD(name, sub, kind, t, l, sz, canon) \
  TEA_SIMD_MEM_ONLY(kind, TEA_OP_##name##_ADD, TEA_OP_##name##_ADDK,)
#define TEA_OP_ENUM_ADD(name, wop, ctype, m) TEA_OP_##name##_ADD,
#define TEA_OP_ENUM_ADDK(name, wop, ctype, m) TEA_OP_##name##_ADDK,
#define TEA_OP_ENUM_ADDT(name, wop, ctype, m) TEA_OP_##name##_ADDT,
#define TEA_OP_ENUM_ADDKT(name, wop, ctype, m) TEA_OP_##name##_ADDKT,
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
  TEA_LOAD_OPS(TEA_OP_ENUM_ADDT)
  TEA_LOAD_OPS(TEA_OP_ENUM_ADDKT)
  TEA_SIMD_OPS(TEA_OP_ENUM_SIMD)
  TEA_SIMD_OPS(TEA_OP_ENUM_SIMD_IMM)
  TEA_SIMD_OPS(TEA_OP_ENUM_SIMD_ADD)
  TEA_OP_COUNT
} tea_op;
#undef TEA_OP_ENUM_CTL
#undef TEA_OP_ENUM_MEM
#undef TEA_OP_ENUM_NUM
#undef TEA_OP_ENUM_ADD
#undef TEA_OP_ENUM_ADDK
#undef TEA_OP_ENUM_ADDT
#undef TEA_OP_ENUM_ADDKT
#undef TEA_OP_ENUM_SIMD
#undef TEA_OP_ENUM_SIMD_IMM
#undef TEA_OP_ENUM_SIMD_ADD

/* Operand words of each opcode (BR_TABLE adds n+1 targets). */
#define TEA_OP_WORDS_INIT                                          \
  {                                                                \
    TEA_CONTROL_OPS(TEA_W_CTL) TEA_LOAD_OPS(TEA_W3) TEA_STORE_OPS(TEA_W3) \
    TEA_UNARY_OPS(TEA_W2) TEA_BINARY_OPS(TEA_W3) TEA_LOAD_OPS(TEA_W4)      \
    TEA_LOAD_OPS(TEA_W4) TEA_STORE_OPS(TEA_W4) TEA_STORE_OPS(TEA_W4)       \
    TEA_LOAD_OPS(TEA_W5) TEA_LOAD_OPS(TEA_W5)                              \
    TEA_SIMD_OPS(TEA_W_SIMD) TEA_SIMD_OPS(TEA_W_SIMD_IMM)                  \
    TEA_SIMD_OPS(TEA_W_SIMD_ADD)                                           \
  }
#define TEA_W_SIMD(name, sub, kind, t, l, sz, canon) TEA_SIMDW_##kind,
#define TEA_W_SIMD_IMM(name, sub, kind, t, l, sz, canon) TEA_SIMD_SHIFT_ONLY(kind, 3,)
#define TEA_W_SIMD_ADD(name, sub, kind, t, l, sz, canon) TEA_SIMD_MEM_ONLY(kind, 4, 4,)
#define TEA_W_CTL(name, n) n,
#define TEA_W2(name, ...) 2,
#define TEA_W3(name, ...) 3,
#define TEA_W4(name, ...) 4,
#define TEA_W5(name, ...) 5,
#define TEA_OP_NAME_CTL(name, n) #name,
#define TEA_OP_NAME(name, ...) #name,
#define TEA_OP_NAME_ADD(name, ...) #name "_ADD",
#define TEA_OP_NAME_ADDK(name, ...) #name "_ADDK",
#define TEA_OP_NAME_ADDT(name, ...) #name "_ADDT",
#define TEA_OP_NAME_ADDKT(name, ...) #name "_ADDKT",
#define TEA_OP_NAME_SIMD_IMM(name, sub, kind, ...) TEA_SIMD_SHIFT_ONLY(kind, #name "_IMM",)
#define TEA_OP_NAME_SIMD_ADD(name, sub, kind, ...) \
  TEA_SIMD_MEM_ONLY(kind, #name "_ADD", #name "_ADDK",)
#define TEA_OP_NAMES_INIT                                                          \
  {                                                                                \
    TEA_CONTROL_OPS(TEA_OP_NAME_CTL) TEA_LOAD_OPS(TEA_OP_NAME) TEA_STORE_OPS(TEA_OP_NAME) \
    TEA_UNARY_OPS(TEA_OP_NAME) TEA_BINARY_OPS(TEA_OP_NAME) TEA_LOAD_OPS(TEA_OP_NAME_ADD)   \
    TEA_LOAD_OPS(TEA_OP_NAME_ADDK) TEA_STORE_OPS(TEA_OP_NAME_ADD)                          \
    TEA_STORE_OPS(TEA_OP_NAME_ADDK) TEA_LOAD_OPS(TEA_OP_NAME_ADDT)                         \
    TEA_LOAD_OPS(TEA_OP_NAME_ADDKT) TEA_SIMD_OPS(TEA_OP_NAME)                              \
    TEA_SIMD_OPS(TEA_OP_NAME_SIMD_IMM) TEA_SIMD_OPS(TEA_OP_NAME_SIMD_ADD)                  \
  }

#endif
