/* SIMD (0xFD-prefixed) instructions: validation and translation. Internal:
 * a part of compile.c (it uses the compiler's operand stack), included by it
 * once. The table comes from ops.h's TEA_SIMD_OPS, so the opcode, its
 * operand shape, and the interpreter's case stay in one list. */
#ifndef TEA_WASM_COMPILE_SIMD_H
#define TEA_WASM_COMPILE_SIMD_H

enum { SK_UN = 1, SK_BIN, SK_TERN, SK_TEST, SK_SHIFT, SK_SPLAT, SK_EXTRACT, SK_REPLACE, SK_LOAD,
       SK_STORE, SK_LOADLANE, SK_STORELANE, SK_SHUFFLE, SK_CONST };

typedef struct simdinfo {
  uint16_t op;
  uint8_t kind;  /* 0: no such instruction */
  uint8_t type;  /* the scalar operand/result of SPLAT, EXTRACT, REPLACE */
  uint8_t lanes; /* lane immediates must be below this */
  uint8_t sz;    /* log2 of the memory access size (the alignment limit) */
  uint8_t canon; /* 32/64: float lanes whose NaN bits the CPU picks */
} simdinfo;

#define SIMD_ENTRY(name, sub, kind, t, l, sz, canon) \
  [sub] = {TEA_OP_##name, SK_##kind, TEA_WASM_##t, l, sz, canon},
static const simdinfo simd_table[256] = {TEA_SIMD_OPS(SIMD_ENTRY)};
#undef SIMD_ENTRY

/* The immediate-count form of a shift (ops.h, NAME_IMM). */
static tea_op simd_shift_imm(tea_op o) {
  switch (o) {
#define SHIFT_IMM_CASE(name, sub, kind, t, l, sz, canon) \
  TEA_SIMD_SHIFT_ONLY(kind, case TEA_OP_##name: return TEA_OP_##name##_IMM;)
    TEA_SIMD_OPS(SHIFT_IMM_CASE)
#undef SHIFT_IMM_CASE
  default: return o;
  }
}

/* The fused-address forms of a v128 load or store (ops.h, NAME_ADD/_ADDK). */
static tea_op simd_mem_add(tea_op o, bool with_const) {
  switch (o) {
#define MEM_ADD_CASE(name, sub, kind, t, l, sz, canon) \
  TEA_SIMD_MEM_ONLY(kind, case TEA_OP_##name:           \
                    return with_const ? TEA_OP_##name##_ADDK : TEA_OP_##name##_ADD;)
    TEA_SIMD_OPS(MEM_ADD_CASE)
#undef MEM_ADD_CASE
  default: return o;
  }
}

/* Reads a lane immediate (one byte) and checks it against the shape. */
static tea_code simd_lane(cc *c, uint32_t lanes, uint32_t *lane) {
  uint8_t b;
  READ(tea_rd_u8(&c->r, &b));
  if (b >= lanes) INVALID("invalid lane index");
  *lane = b;
  return TEA_OK;
}

/* Reads 16 immediate bytes into 4 code words, in memory order. */
static tea_code simd_bytes(cc *c, uint32_t w[4], const uint8_t **raw) {
  const uint8_t *p;
  READ(tea_rd_bytes(&c->r, 16, &p));
  memcpy(w, p, 16);
  if (raw) *raw = p;
  return TEA_OK;
}

/* The instruction just emitted computed into its last word: a following
 * local.set may retarget it. */
static void simd_result_last(cc *c, uint32_t start) {
  c->last_pc = start;
  c->last_dst = c->ncode - 1;
}

static tea_code do_simd(cc *c) {
  uint32_t sub;
  READ(tea_rd_u32(&c->r, &sub));
  if (sub > 255 || !simd_table[sub].kind) MALFORMED("illegal opcode");
  const simdinfo *si = &simd_table[sub];
  const uint8_t V = TEA_WASM_V128;
  tea_op o = (tea_op)si->op;
  uint32_t a = 0, b = 0, s = 0, d = 0, lane = 0, offset = 0, w[4];
  tea_code rc = TEA_OK;
  switch (si->kind) {
  case SK_UN:
  case SK_TEST:
    CHECK(pop_slot(c, V, &a));
    d = push_result(c, si->kind == SK_TEST ? TEA_WASM_I32 : V, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    op(c, o);
    emit(c, a);
    emit(c, d);
    simd_result_last(c, c->ncode - 3);
    break;
  case SK_SHIFT:
    /* a constant count becomes an immediate (the handler masks it) */
    if (c->nvals > c->ctrls[c->nctrls - 1].height && c->vals[c->nvals - 1].kind == V_CONST &&
        c->vals[c->nvals - 1].type == TEA_WASM_I32) {
      b = (uint32_t)c->vals[--c->nvals].bits;
      o = simd_shift_imm(o);
    } else {
      CHECK(pop_slot(c, TEA_WASM_I32, &b));
    }
    CHECK(pop_slot(c, V, &a));
    d = push_result(c, V, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    op(c, o);
    emit(c, a);
    emit(c, b);
    emit(c, d);
    simd_result_last(c, c->ncode - 4);
    break;
  case SK_BIN:
    CHECK(pop_slot(c, V, &b));
    CHECK(pop_slot(c, V, &a));
    d = push_result(c, V, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    op(c, o);
    emit(c, a);
    emit(c, b);
    emit(c, d);
    simd_result_last(c, c->ncode - 4);
    break;
  case SK_TERN:
    CHECK(pop_slot(c, V, &s));
    CHECK(pop_slot(c, V, &b));
    CHECK(pop_slot(c, V, &a));
    d = push_result(c, V, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    op(c, o);
    emit(c, a);
    emit(c, b);
    emit(c, s);
    emit(c, d);
    simd_result_last(c, c->ncode - 5);
    break;
  case SK_SPLAT:
    CHECK(pop_slot(c, si->type, &a));
    d = push_result(c, V, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    op(c, o);
    emit(c, a);
    emit(c, d);
    simd_result_last(c, c->ncode - 3);
    break;
  case SK_EXTRACT:
    CHECK(simd_lane(c, si->lanes, &lane));
    CHECK(pop_slot(c, V, &a));
    d = push_result(c, si->type, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    op(c, o);
    emit(c, a);
    emit(c, lane);
    emit(c, d);
    simd_result_last(c, c->ncode - 4);
    break;
  case SK_REPLACE:
    CHECK(simd_lane(c, si->lanes, &lane));
    CHECK(pop_slot(c, si->type, &s));
    CHECK(pop_slot(c, V, &a));
    d = push_result(c, V, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    op(c, o);
    emit(c, a);
    emit(c, lane);
    emit(c, s);
    emit(c, d);
    simd_result_last(c, c->ncode - 5);
    break;
  case SK_LOAD: {
    CHECK(memarg(c, si->sz, &offset));
    /* an address computed by the i32.add just emitted: do the add here */
    bool with_const = false;
    uint32_t fa = 0, fb = 0;
    bool fused = take_address_add(c, 0, &with_const, &fa, &fb);
    CHECK(pop_slot(c, TEA_WASM_I32, &a));
    d = push_result(c, V, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    if (fused) {
      op(c, simd_mem_add(o, with_const));
      emit(c, fa);
      emit(c, fb);
      emit(c, offset);
      emit(c, d);
      simd_result_last(c, c->ncode - 5);
      break;
    }
    op(c, o);
    emit(c, a);
    emit(c, offset);
    emit(c, d);
    simd_result_last(c, c->ncode - 4);
    break;
  }
  case SK_STORE: {
    CHECK(memarg(c, si->sz, &offset));
    /* as for scalar stores, but a v128 value is never a deferred constant:
       nothing is emitted between the add and the store */
    bool with_const = false;
    uint32_t fa = 0, fb = 0;
    bool fused = c->nvals > c->ctrls[c->nctrls - 1].height &&
                 c->vals[c->nvals - 1].kind != V_CONST &&
                 take_address_add(c, 1, &with_const, &fa, &fb);
    CHECK(pop_slot(c, V, &s));
    CHECK(pop_slot(c, TEA_WASM_I32, &a));
    if (!live(c)) return TEA_OK;
    if (fused) {
      op(c, simd_mem_add(o, with_const));
      emit(c, fa);
      emit(c, fb);
      emit(c, s);
      emit(c, offset);
      break;
    }
    op(c, o);
    emit(c, a);
    emit(c, s);
    emit(c, offset);
    break;
  }
  case SK_LOADLANE:
    CHECK(memarg(c, si->sz, &offset));
    CHECK(simd_lane(c, si->lanes, &lane));
    CHECK(pop_slot(c, V, &s));
    CHECK(pop_slot(c, TEA_WASM_I32, &a));
    d = push_result(c, V, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    op(c, o);
    emit(c, a);
    emit(c, offset);
    emit(c, s);
    emit(c, lane);
    emit(c, d);
    simd_result_last(c, c->ncode - 6);
    break;
  case SK_STORELANE:
    CHECK(memarg(c, si->sz, &offset));
    CHECK(simd_lane(c, si->lanes, &lane));
    CHECK(pop_slot(c, V, &s));
    CHECK(pop_slot(c, TEA_WASM_I32, &a));
    if (!live(c)) return TEA_OK;
    op(c, o);
    emit(c, a);
    emit(c, s);
    emit(c, offset);
    emit(c, lane);
    break;
  case SK_SHUFFLE: {
    const uint8_t *raw = NULL;
    CHECK(simd_bytes(c, w, &raw));
    for (int i = 0; i < 16; i++)
      if (raw[i] >= 32) INVALID("invalid lane index");
    CHECK(pop_slot(c, V, &b));
    CHECK(pop_slot(c, V, &a));
    d = push_result(c, V, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    op(c, o);
    emit(c, a);
    emit(c, b);
    for (int i = 0; i < 4; i++) emit(c, w[i]);
    emit(c, d);
    simd_result_last(c, c->ncode - 8);
    break;
  }
  case SK_CONST:
    CHECK(simd_bytes(c, w, NULL));
    d = push_result(c, V, &rc);
    CHECK(rc);
    if (!live(c)) return TEA_OK;
    op(c, o);
    for (int i = 0; i < 4; i++) emit(c, w[i]);
    emit(c, d);
    simd_result_last(c, c->ncode - 6);
    break;
  }
  if (c->m->config.deterministic && si->canon) {
    op(c, si->canon == 32 ? TEA_OP_CANON_F32X4 : TEA_OP_CANON_F64X2);
    emit(c, d);
  }
  return TEA_OK;
}

#endif
