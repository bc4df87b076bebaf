/* The interpreter's loop, included twice by interp.c: TEA_RUN names the
 * function, MARK_WRITE(mem, ea) and MARK_RANGE(mem, off, len) mark what a
 * write touched, or nothing (runtime.h, "Write tracking"). Not a header to
 * include anywhere else. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline)) /* never merged with the sigsetjmp in tea_interp_call */
#endif
static tea_code TEA_RUN(tea_wasm_store *store, tea_wasm_func *func, tea_wasm_slot *slots,
                        tea_error *err GUARD_PARAM) {
  const char *trap = NULL;
  tea_code rc = TEA_OK;
  uint32_t entry_depth = store->depth;
  tea_wasm_slot *saved_top = store->stack_top;

  if (func->host) {
    tea_wasm_host_call call = {store, NULL, func->env, err};
    uint32_t need = func->type->param_slots > func->type->result_slots ? func->type->param_slots
                                                                        : func->type->result_slots;
    store->stack_top = slots + need;
    rc = func->host(&call, slots);
    store->stack_top = saved_top;
    return rc;
  }

  tea_wasm_instance *inst = func->instance;
  const tea_compiled *code = func->code;
  tea_wasm_slot *fp = slots;
  const uint32_t *ip;
  uint8_t *mem = NULL;
  uint64_t mem_size = 0;
  int64_t fuel = store->fuel;
  tea_wasm_func *callee;
  const uint32_t *next_ip;
  tea_wasm_slot *new_fp;

#define RELOAD_MEMORY()                       \
  do {                                        \
    if (inst->memory) {                       \
      mem = inst->memory->data;               \
      mem_size = inst->memory->size;          \
    } else {                                  \
      mem = NULL;                             \
      mem_size = 0;                           \
    }                                         \
    GUARD_MEM(mem);                           \
  } while (0)
#define TRAP(msg)   \
  do {              \
    trap = (msg);   \
    goto trapped;   \
  } while (0)

  if (UNLIKELY(store->depth >= store->limits.max_call_depth ||
               fp + code->frame_size > store->stack_end))
    TRAP(TEA_TRAP_STACK);
  memset(fp + code->nparams, 0, (size_t)code->nlocals * sizeof *fp);
  store->depth++;
  ip = code->code;
  RELOAD_MEMORY();

#ifdef TEA_COMPUTED_GOTO
#define L_CTL(name, n) &&L_##name,
#define L_MEM(name, w, t, m) &&L_##name,
#define L_NUM(name, w, ti, to) &&L_##name,
#define L_ADD(name, w, t, m) &&L_##name##_ADD,
#define L_ADDK(name, w, t, m) &&L_##name##_ADDK,
#define L_ADDT(name, w, t, m) &&L_##name##_ADDT,
#define L_ADDKT(name, w, t, m) &&L_##name##_ADDKT,
#define L_SIMD(name, sub, kind, t, l, sz, canon) &&L_##name,
#define L_SIMD_IMM(name, sub, kind, t, l, sz, canon) TEA_SIMD_SHIFT_ONLY(kind, &&L_##name##_IMM,)
#define L_SIMD_ADD(name, sub, kind, t, l, sz, canon) \
  TEA_SIMD_MEM_ONLY(kind, &&L_##name##_ADD, &&L_##name##_ADDK,)
  static const void *const labels[TEA_OP_COUNT] = {
      TEA_CONTROL_OPS(L_CTL) TEA_LOAD_OPS(L_MEM) TEA_STORE_OPS(L_MEM) TEA_UNARY_OPS(L_NUM)
          TEA_BINARY_OPS(L_NUM) TEA_LOAD_OPS(L_ADD) TEA_LOAD_OPS(L_ADDK) TEA_STORE_OPS(L_ADD)
              TEA_STORE_OPS(L_ADDK) TEA_LOAD_OPS(L_ADDT) TEA_LOAD_OPS(L_ADDKT)
                  TEA_SIMD_OPS(L_SIMD) TEA_SIMD_OPS(L_SIMD_IMM)
                  TEA_SIMD_OPS(L_SIMD_ADD)};
#undef L_SIMD
#undef L_SIMD_IMM
#undef L_SIMD_ADD
#undef L_ADD
#undef L_ADDK
#undef L_ADDT
#undef L_ADDKT
#undef L_CTL
#undef L_MEM
#undef L_NUM
#define CASE(name) L_##name:
#define NEXT() goto *labels[*ip]
  NEXT();
#else
#define CASE(name) case TEA_OP_##name:
#define NEXT() goto dispatch
dispatch:
  switch ((tea_op)*ip) {
#endif

#define A(i) fp[ip[i]]
/* A result is built in a local and written with one whole-slot store: two
   stores (zero, then the member) cost a store and, because the code words
   may alias the frame as far as the compiler knows, a reload of ip[i]. */
#define PUT(i, member, v)   \
  do {                      \
    tea_wasm_slot r_;       \
    r_.u64 = 0;             \
    r_.member = (v);        \
    A(i) = r_;              \
  } while (0)
/* Charges k units of fuel and polls the interrupt flag. */
#define CHARGE(k)                                                                    \
  do {                                                                               \
    fuel -= (k);                                                                     \
    GUARD_SYNC_FUEL();                                                               \
    if (UNLIKELY(fuel < 0 || atomic_load_explicit(&store->interrupt, memory_order_relaxed))) \
      goto out_of_fuel;                                                              \
  } while (0)
/* A backward branch always lands just past a loop's FUEL (the compiler's
   loop_entry) and charges it here, which saves a dispatch per iteration.
   Offset 0 is backward too: `(loop (br 0))` lands on the branch itself. */
#define JUMP(k)                        \
  do {                                 \
    int32_t off_ = (int32_t)ip[k];     \
    ip += off_;                        \
    if (off_ <= 0) CHARGE(ip[-1]);     \
  } while (0)

  CASE(UNREACHABLE) TRAP(TEA_TRAP_UNREACHABLE);
  CASE(BR) { JUMP(1); NEXT(); }
  CASE(BR_IF) {
    if (A(1).u32) JUMP(2); else ip += 3;
    NEXT();
  }
  CASE(BR_UNLESS) {
    if (!A(1).u32) JUMP(2); else ip += 3;
    NEXT();
  }
  CASE(BR_TABLE) {
    uint32_t i = A(1).u32, n = ip[2];
    if (i > n) i = n;
    JUMP(3 + i);
    NEXT();
  }
  CASE(RETURN) {
    store->depth--;
    if (UNLIKELY(store->depth == entry_depth)) goto finished;
    tea_frame *f = &store->frames[store->depth];
    ip = f->ret_ip;
    fp = f->ret_fp;
    inst = f->ret_instance;
    RELOAD_MEMORY();
    NEXT();
  }
  CASE(CALL) {
    callee = inst->funcs[ip[1]];
    new_fp = fp + ip[2];
    next_ip = ip + 3;
    goto call;
  }
  CASE(CALL_INDIRECT) {
    tea_wasm_table *t = inst->tables[ip[2]];
    uint32_t i = A(4).u32;
    if (UNLIKELY(i >= t->size)) TRAP(TEA_TRAP_UNDEFINED_ELEM);
    callee = t->elems[i];
    if (UNLIKELY(!callee)) TRAP(TEA_TRAP_UNINIT_ELEM);
    const tea_functype *want = &inst->module->types[ip[1]];
    if (UNLIKELY(callee->type != want && !tea_functype_equal(callee->type, want)))
      TRAP(TEA_TRAP_INDIRECT_TYPE);
    new_fp = fp + ip[3];
    next_ip = ip + 5;
    goto call;
  }
  CASE(FUEL) {
    CHARGE(ip[1]);
    ip += 2;
    NEXT();
  }
  CASE(COPY) { A(2) = A(1); ip += 3; NEXT(); }
  CASE(COPY2) { A(2) = A(1); A(4) = A(3); ip += 5; NEXT(); }
  CASE(CONST32) { A(2).u64 = W32(ip[1]); ip += 3; NEXT(); }
  CASE(CONST64) { A(3).u64 = (uint64_t)ip[1] | (uint64_t)ip[2] << 32; ip += 4; NEXT(); }
  CASE(SELECT) { A(4) = A(3).u32 ? A(1) : A(2); ip += 5; NEXT(); }
  CASE(GLOBAL_GET) { A(2) = inst->globals[ip[1]]->value; ip += 3; NEXT(); }
  CASE(GLOBAL_SET) { inst->globals[ip[1]]->value = A(2); ip += 3; NEXT(); }
  CASE(CANON_F32) {
    if (A(1).f32 != A(1).f32) A(1).u64 = W32(0x7fc00000u);
    ip += 2;
    NEXT();
  }
  CASE(CANON_F64) {
    if (A(1).f64 != A(1).f64) A(1).u64 = 0x7ff8000000000000ull;
    ip += 2;
    NEXT();
  }
  CASE(MEMORY_SIZE) { A(1).u64 = W32(mem_size / TEA_WASM_PAGE_SIZE); ip += 2; NEXT(); }
  CASE(MEMORY_GROW) {
    int64_t old = tea_memory_grow(inst->memory, A(1).u32);
    A(2).u64 = W32(old);
    RELOAD_MEMORY();
    ip += 3;
    NEXT();
  }
  CASE(MEMORY_FILL) {
    uint64_t d = A(1).u32, n = A(3).u32;
    if (UNLIKELY(d + n > mem_size)) TRAP(TEA_TRAP_MEMORY);
    memset(mem + d, (int)(A(2).u32 & 0xff), n);
    MARK_RANGE(mem, d, n);
    ip += 4;
    NEXT();
  }
  CASE(MEMORY_COPY) {
    uint64_t d = A(1).u32, s = A(2).u32, n = A(3).u32;
    if (UNLIKELY(d + n > mem_size || s + n > mem_size)) TRAP(TEA_TRAP_MEMORY);
    memmove(mem + d, mem + s, n);
    MARK_RANGE(mem, d, n);
    ip += 4;
    NEXT();
  }
  CASE(MEMORY_INIT) {
    uint64_t d = A(2).u32, s = A(3).u32, n = A(4).u32;
    uint32_t len = inst->data_len[ip[1]];
    if (UNLIKELY(d + n > mem_size || s + n > len)) TRAP(TEA_TRAP_MEMORY);
    if (n) memcpy(mem + d, inst->module->datas[ip[1]].bytes + s, n);
    MARK_RANGE(mem, d, n);
    ip += 5;
    NEXT();
  }
  CASE(DATA_DROP) { inst->data_len[ip[1]] = 0; ip += 2; NEXT(); }
  CASE(TABLE_GET) {
    tea_wasm_table *t = inst->tables[ip[1]];
    uint32_t i = A(2).u32;
    if (UNLIKELY(i >= t->size)) TRAP(TEA_TRAP_TABLE);
    A(3).ref = t->elems[i];
    ip += 4;
    NEXT();
  }
  CASE(TABLE_SET) {
    tea_wasm_table *t = inst->tables[ip[1]];
    uint32_t i = A(2).u32;
    if (UNLIKELY(i >= t->size)) TRAP(TEA_TRAP_TABLE);
    t->elems[i] = A(3).ref;
    ip += 4;
    NEXT();
  }
  CASE(TABLE_SIZE) { A(2).u64 = W32(inst->tables[ip[1]]->size); ip += 3; NEXT(); }
  CASE(TABLE_GROW) {
    int64_t old = tea_table_grow(inst->tables[ip[1]], A(3).u32, A(2).ref);
    A(4).u64 = W32(old);
    ip += 5;
    NEXT();
  }
  CASE(TABLE_FILL) {
    tea_wasm_table *t = inst->tables[ip[1]];
    uint64_t i = A(2).u32, n = A(4).u32;
    if (UNLIKELY(i + n > t->size)) TRAP(TEA_TRAP_TABLE);
    for (uint64_t k = 0; k < n; k++) t->elems[i + k] = A(3).ref;
    ip += 5;
    NEXT();
  }
  CASE(TABLE_COPY) {
    tea_wasm_table *td = inst->tables[ip[1]], *ts = inst->tables[ip[2]];
    uint64_t d = A(3).u32, s = A(4).u32, n = A(5).u32;
    if (UNLIKELY(d + n > td->size || s + n > ts->size)) TRAP(TEA_TRAP_TABLE);
    memmove(td->elems + d, ts->elems + s, n * sizeof *td->elems);
    ip += 6;
    NEXT();
  }
  CASE(TABLE_INIT) {
    tea_wasm_table *t = inst->tables[ip[1]];
    uint32_t seg = ip[2];
    uint64_t d = A(3).u32, s = A(4).u32, n = A(5).u32;
    if (UNLIKELY(d + n > t->size || s + n > inst->elem_len[seg])) TRAP(TEA_TRAP_TABLE);
    if (n) memcpy(t->elems + d, inst->elem_items[seg] + s, n * sizeof *t->elems);
    ip += 6;
    NEXT();
  }
  CASE(ELEM_DROP) { inst->elem_len[ip[1]] = 0; ip += 2; NEXT(); }
  CASE(REF_FUNC) { A(2).ref = inst->funcs[ip[1]]; ip += 3; NEXT(); }
  CASE(REF_IS_NULL) { A(2).u64 = W32(A(1).ref == NULL); ip += 3; NEXT(); }
  CASE(COPY_V128) {
    tea_wasm_slot lo = A(1), hi = fp[ip[1] + 1];
    A(2) = lo;
    fp[ip[2] + 1] = hi;
    ip += 3;
    NEXT();
  }
  CASE(SELECT_V128) {
    uint32_t s = A(3).u32 ? ip[1] : ip[2];
    tea_wasm_slot lo = fp[s], hi = fp[s + 1];
    A(4) = lo;
    fp[ip[4] + 1] = hi;
    ip += 5;
    NEXT();
  }
  CASE(GLOBAL_GET_V128) {
    const tea_wasm_global *g = inst->globals[ip[1]];
    A(2) = g->value;
    fp[ip[2] + 1] = g->value_hi;
    ip += 3;
    NEXT();
  }
  CASE(GLOBAL_SET_V128) {
    tea_wasm_global *g = inst->globals[ip[1]];
    g->value = A(2);
    g->value_hi = fp[ip[2] + 1];
    ip += 3;
    NEXT();
  }

#define IMM32(name, expr)              \
  CASE(name) {                         \
    uint32_t x = A(1).u32, k = ip[2];  \
    A(3).u64 = W32(expr);              \
    ip += 4;                           \
    NEXT();                            \
  }
  IMM32(I32_ADD_IMM, x + k)
  IMM32(I32_SUB_IMM, x - k)
  IMM32(I32_AND_IMM, x & k)
  IMM32(I32_OR_IMM, x | k)
  IMM32(I32_XOR_IMM, x ^ k)
  IMM32(I32_SHL_IMM, x << (k & 31))
  IMM32(I32_SHR_S_IMM, (uint32_t)((int32_t)x >> (k & 31)))
  IMM32(I32_SHR_U_IMM, x >> (k & 31))
  IMM32(I32_MUL_IMM, x * k)
  IMM32(I32_ROTL_IMM, rotl32(x, k))
  IMM32(I32_ROTR_IMM, rotr32(x, k))
#define IMM64(name, expr)                                       \
  CASE(name) {                                                  \
    uint64_t x = A(1).u64, k = (uint64_t)(int64_t)(int32_t)ip[2]; \
    A(3).u64 = (expr);                                          \
    ip += 4;                                                    \
    NEXT();                                                     \
  }
  IMM64(I64_ADD_IMM, x + k)
  IMM64(I64_AND_IMM, x & k)
  IMM64(I64_SHL_IMM, x << (k & 63))
  IMM64(I64_SHR_U_IMM, x >> (k & 63))
  IMM64(I64_SHR_S_IMM, (uint64_t)((int64_t)x >> (k & 63)))
  IMM64(I64_OR_IMM, x | k)
  IMM64(I64_XOR_IMM, x ^ k)
  IMM64(I64_ROTL_IMM, rotl64(x, k))

  /* the ten i32 comparisons: X(suffix, operand type, condition on a and b) */
#define I32_CMPS(X)                                                              \
  X(EQ, uint32_t, a == b) X(NE, uint32_t, a != b) X(LT_S, int32_t, a < b)         \
  X(LT_U, uint32_t, a < b) X(GT_S, int32_t, a > b) X(GT_U, uint32_t, a > b)       \
  X(LE_S, int32_t, a <= b) X(LE_U, uint32_t, a <= b) X(GE_S, int32_t, a >= b)     \
  X(GE_U, uint32_t, a >= b)
#define BRCMP(name, type, member, cmp)                    \
  CASE(name) {                                            \
    type a = A(1).member, b = A(2).member;                \
    if (cmp) JUMP(3); else ip += 4;                       \
    NEXT();                                               \
  }
#define BR32_SLOTS(c, type, cmp) BRCMP(BR_I32_##c, type, u32, cmp)
  I32_CMPS(BR32_SLOTS)
  BRCMP(BR_I64_EQ, uint64_t, u64, a == b)
  BRCMP(BR_I64_NE, uint64_t, u64, a != b)
  BRCMP(BR_I64_LT_S, int64_t, i64, a < b)
  BRCMP(BR_I64_LT_U, uint64_t, u64, a < b)
  BRCMP(BR_I64_GT_S, int64_t, i64, a > b)
  BRCMP(BR_I64_GT_U, uint64_t, u64, a > b)
  BRCMP(BR_I64_LE_S, int64_t, i64, a <= b)
  BRCMP(BR_I64_LE_U, uint64_t, u64, a <= b)
  BRCMP(BR_I64_GE_S, int64_t, i64, a >= b)
  BRCMP(BR_I64_GE_U, uint64_t, u64, a >= b)
#define BRIMM(c, type, cmp)                            \
  CASE(BR_I32_##c##_IMM) {                             \
    type a = (type)A(1).u32, b = (type)ip[2];          \
    if (cmp) JUMP(3); else ip += 4;                    \
    NEXT();                                            \
  }
  I32_CMPS(BRIMM)
  /* the add's result is written before the test reads its operands, as the
     two instructions would */
#define INCBR(c, type, cmp)                               \
  CASE(INC_BR_I32_##c) {                                  \
    uint32_t s = A(1).u32 + ip[2];                        \
    A(3).u64 = W32(s);                                    \
    type a = (type)s, b = (type)A(4).u32;                 \
    if (cmp) JUMP(5); else ip += 6;                       \
    NEXT();                                               \
  }                                                       \
  CASE(INC_BR_I32_##c##_IMM) {                            \
    uint32_t s = A(1).u32 + ip[2];                        \
    A(3).u64 = W32(s);                                    \
    type a = (type)s, b = (type)ip[4];                    \
    if (cmp) JUMP(5); else ip += 6;                       \
    NEXT();                                               \
  }
  I32_CMPS(INCBR)
  CASE(INC_BR_I32_EQZ) {
    uint32_t s = A(1).u32 + ip[2];
    A(3).u64 = W32(s);
    if (s == 0) JUMP(4); else ip += 5;
    NEXT();
  }
  CASE(INC_BR_I32_NEZ) {
    uint32_t s = A(1).u32 + ip[2];
    A(3).u64 = W32(s);
    if (s != 0) JUMP(4); else ip += 5;
    NEXT();
  }
  /* the product is rounded on its own (a variable of its type), then added */
#define MADD(name, member, ctype, expr)                 \
  CASE(name) {                                          \
    tea_wasm_slot x = A(1), y = A(2), z = A(3);         \
    ctype p = x.member * y.member;                      \
    PUT(4, member, expr);                               \
    ip += 5;                                            \
    NEXT();                                             \
  }
  MADD(F32_MADD, f32, float, z.f32 + p)
  MADD(F32_MADDR, f32, float, p + z.f32)
  MADD(F64_MADD, f64, double, z.f64 + p)
  MADD(F64_MADDR, f64, double, p + z.f64)
  /* computed first, then the store's bounds check, as the two instructions */
#define MADD_STORE(name, member, ctype, bits, utype, expr)            \
  CASE(name) {                                                        \
    tea_wasm_slot x = A(1), y = A(2), z = A(3), r;                    \
    ctype p = x.member * y.member;                                    \
    r.u64 = 0;                                                        \
    r.member = (expr);                                                \
    uint64_t ea = (uint64_t)A(4).u32 + ip[5];                         \
    if (OOB(ea, sizeof(utype))) TRAP(TEA_TRAP_MEMORY); \
    utype v = LEFOR(utype, r.bits);                                   \
    memcpy(mem + ea, &v, sizeof v);                                   \
    MARK_WRITE(mem, ea);                                                \
    ip += 6;                                                          \
    NEXT();                                                           \
  }
  MADD_STORE(F32_MADD_STORE, f32, float, u32, uint32_t, z.f32 + p)
  MADD_STORE(F32_MADDR_STORE, f32, float, u32, uint32_t, p + z.f32)
  MADD_STORE(F64_MADD_STORE, f64, double, u64, uint64_t, z.f64 + p)
  MADD_STORE(F64_MADDR_STORE, f64, double, u64, uint64_t, p + z.f64)
  CASE(BR_I32_EQZ) { if (A(1).u32 == 0) JUMP(2); else ip += 3; NEXT(); }
  CASE(BR_I32_NEZ) { if (A(1).u32 != 0) JUMP(2); else ip += 3; NEXT(); }
  CASE(BR_I64_EQZ) { if (A(1).u64 == 0) JUMP(2); else ip += 3; NEXT(); }
  CASE(BR_I64_NEZ) { if (A(1).u64 != 0) JUMP(2); else ip += 3; NEXT(); }

  /* memory: the effective address is 33 bits at most, so u64 cannot wrap */
#define LOAD(name, w, ctype, member)                                  \
  CASE(name) {                                                        \
    uint64_t ea = (uint64_t)A(1).u32 + ip[2];                         \
    if (OOB(ea, sizeof(ctype))) TRAP(TEA_TRAP_MEMORY); \
    ctype v;                                                          \
    memcpy(&v, mem + ea, sizeof v);                                   \
    v = LEFOR(ctype, v);                                              \
    PUT(3, member, v);                                                \
    ip += 4;                                                          \
    NEXT();                                                           \
  }
  TEA_LOAD_OPS(LOAD)
#define STORE(name, w, ctype, member)                                 \
  CASE(name) {                                                        \
    uint64_t ea = (uint64_t)A(1).u32 + ip[3];                         \
    if (OOB(ea, sizeof(ctype))) TRAP(TEA_TRAP_MEMORY); \
    ctype v = (ctype)A(2).member;                                     \
    v = LEFOR(ctype, v);                                              \
    memcpy(mem + ea, &v, sizeof v);                                   \
    MARK_WRITE(mem, ea);                                                \
    ip += 4;                                                          \
    NEXT();                                                           \
  }
  TEA_STORE_OPS(STORE)

/* tee: the sum also goes to local ip[5] (the _ADDT forms), before the load
   writes its result, as local.tee then the load would */
#define ACCESS(name, base, ctype, member, load, tee)                     \
  CASE(name) {                                                          \
    uint32_t sum = (base);                                              \
    if (tee) A(5).u64 = W32(sum);                                       \
    uint64_t ea = (uint64_t)sum + ip[load ? 3 : 4];                     \
    if (OOB(ea, sizeof(ctype))) TRAP(TEA_TRAP_MEMORY); \
    ctype v;                                                            \
    if (load) {                                                         \
      memcpy(&v, mem + ea, sizeof v);                                   \
      v = LEFOR(ctype, v);                                              \
      PUT(4, member, v);                                                \
    } else {                                                            \
      v = LEFOR(ctype, (ctype)A(3).member);                             \
      memcpy(mem + ea, &v, sizeof v);                                   \
      MARK_WRITE(mem, ea);                                                \
    }                                                                   \
    ip += 5 + tee;                                                      \
    NEXT();                                                             \
  }
#define LOAD_ADD(name, w, ctype, member) ACCESS(name##_ADD, A(1).u32 + A(2).u32, ctype, member, 1, 0)
#define LOAD_ADDK(name, w, ctype, member) ACCESS(name##_ADDK, A(1).u32 + ip[2], ctype, member, 1, 0)
#define LOAD_ADDT(name, w, ctype, member) ACCESS(name##_ADDT, A(1).u32 + A(2).u32, ctype, member, 1, 1)
#define LOAD_ADDKT(name, w, ctype, member) ACCESS(name##_ADDKT, A(1).u32 + ip[2], ctype, member, 1, 1)
#define STORE_ADD(name, w, ctype, member) ACCESS(name##_ADD, A(1).u32 + A(2).u32, ctype, member, 0, 0)
#define STORE_ADDK(name, w, ctype, member) ACCESS(name##_ADDK, A(1).u32 + ip[2], ctype, member, 0, 0)
  TEA_LOAD_OPS(LOAD_ADD)
  TEA_LOAD_OPS(LOAD_ADDK)
  TEA_LOAD_OPS(LOAD_ADDT)
  TEA_LOAD_OPS(LOAD_ADDKT)
  TEA_STORE_OPS(STORE_ADD)
  TEA_STORE_OPS(STORE_ADDK)

#define UN(name, out, expr)   \
  CASE(name) {                \
    tea_wasm_slot x = A(1);   \
    (void)x;                  \
    PUT(2, out, (expr));      \
    ip += 3;                  \
    NEXT();                   \
  }
/* A float-to-int truncation that traps: NaN is a conversion error, any
   other value out of range an overflow (from: f32 or f64). */
#define UNTRAP(name, out, from, check, expr)      \
  CASE(name) {                                    \
    tea_wasm_slot x = A(1);                       \
    if (UNLIKELY(!(check))) {                     \
      if (x.from != x.from) TRAP(TEA_TRAP_CONVERSION); \
      TRAP(TEA_TRAP_OVERFLOW);                    \
    }                                             \
    PUT(2, out, (expr));                          \
    ip += 3;                                      \
    NEXT();                                       \
  }
  UN(I32_EQZ, u32, x.u32 == 0)
  UN(I64_EQZ, u32, x.u64 == 0)
  UN(I32_CLZ, u32, x.u32 ? (uint32_t)__builtin_clz(x.u32) : 32)
  UN(I32_CTZ, u32, x.u32 ? (uint32_t)__builtin_ctz(x.u32) : 32)
  UN(I32_POPCNT, u32, (uint32_t)__builtin_popcount(x.u32))
  UN(I64_CLZ, u64, x.u64 ? (uint64_t)__builtin_clzll(x.u64) : 64)
  UN(I64_CTZ, u64, x.u64 ? (uint64_t)__builtin_ctzll(x.u64) : 64)
  UN(I64_POPCNT, u64, (uint64_t)__builtin_popcountll(x.u64))
  UN(F32_ABS, u32, x.u32 & 0x7fffffffu)
  UN(F32_NEG, u32, x.u32 ^ 0x80000000u)
  UN(F32_CEIL, f32, round32(x.f32, ceilf))
  UN(F32_FLOOR, f32, round32(x.f32, floorf))
  UN(F32_TRUNC, f32, round32(x.f32, truncf))
  UN(F32_NEAREST, f32, round32(x.f32, nearbyintf))
  UN(F32_SQRT, f32, sqrtf(x.f32))
  UN(F64_ABS, u64, x.u64 & 0x7fffffffffffffffull)
  UN(F64_NEG, u64, x.u64 ^ 0x8000000000000000ull)
  UN(F64_CEIL, f64, round64(x.f64, ceil))
  UN(F64_FLOOR, f64, round64(x.f64, floor))
  UN(F64_TRUNC, f64, round64(x.f64, trunc))
  UN(F64_NEAREST, f64, round64(x.f64, nearbyint))
  UN(F64_SQRT, f64, sqrt(x.f64))
  UN(I32_WRAP_I64, u32, (uint32_t)x.u64)
  UNTRAP(I32_TRUNC_F32_S, i32, f32, in_i32(x.f32), (int32_t)x.f32)
  UNTRAP(I32_TRUNC_F32_U, u32, f32, in_u32(x.f32), (uint32_t)x.f32)
  UNTRAP(I32_TRUNC_F64_S, i32, f64, in_i32(x.f64), (int32_t)x.f64)
  UNTRAP(I32_TRUNC_F64_U, u32, f64, in_u32(x.f64), (uint32_t)x.f64)
  UN(I64_EXTEND_I32_S, i64, (int64_t)x.i32)
  UN(I64_EXTEND_I32_U, u64, (uint64_t)x.u32)
  UNTRAP(I64_TRUNC_F32_S, i64, f32, in_i64(x.f32), (int64_t)x.f32)
  UNTRAP(I64_TRUNC_F32_U, u64, f32, in_u64(x.f32), (uint64_t)x.f32)
  UNTRAP(I64_TRUNC_F64_S, i64, f64, in_i64(x.f64), (int64_t)x.f64)
  UNTRAP(I64_TRUNC_F64_U, u64, f64, in_u64(x.f64), (uint64_t)x.f64)
  UN(F32_CONVERT_I32_S, f32, (float)x.i32)
  UN(F32_CONVERT_I32_U, f32, (float)x.u32)
  UN(F32_CONVERT_I64_S, f32, (float)x.i64)
  UN(F32_CONVERT_I64_U, f32, (float)x.u64)
  UN(F32_DEMOTE_F64, f32, (float)x.f64)
  UN(F64_CONVERT_I32_S, f64, (double)x.i32)
  UN(F64_CONVERT_I32_U, f64, (double)x.u32)
  UN(F64_CONVERT_I64_S, f64, (double)x.i64)
  UN(F64_CONVERT_I64_U, f64, (double)x.u64)
  UN(F64_PROMOTE_F32, f64, (double)x.f32)
  UN(I32_REINTERPRET_F32, u32, x.u32)
  UN(I64_REINTERPRET_F64, u64, x.u64)
  UN(F32_REINTERPRET_I32, u32, x.u32)
  UN(F64_REINTERPRET_I64, u64, x.u64)
  UN(I32_EXTEND8_S, i32, (int32_t)(int8_t)x.u32)
  UN(I32_EXTEND16_S, i32, (int32_t)(int16_t)x.u32)
  UN(I64_EXTEND8_S, i64, (int64_t)(int8_t)x.u64)
  UN(I64_EXTEND16_S, i64, (int64_t)(int16_t)x.u64)
  UN(I64_EXTEND32_S, i64, (int64_t)(int32_t)x.u64)
  UN(I32_TRUNC_SAT_F32_S, i32, sat_i32(x.f32))
  UN(I32_TRUNC_SAT_F32_U, u32, sat_u32(x.f32))
  UN(I32_TRUNC_SAT_F64_S, i32, sat_i32(x.f64))
  UN(I32_TRUNC_SAT_F64_U, u32, sat_u32(x.f64))
  UN(I64_TRUNC_SAT_F32_S, i64, sat_i64(x.f32))
  UN(I64_TRUNC_SAT_F32_U, u64, sat_u64(x.f32))
  UN(I64_TRUNC_SAT_F64_S, i64, sat_i64(x.f64))
  UN(I64_TRUNC_SAT_F64_U, u64, sat_u64(x.f64))

#define BIN(name, out, expr)          \
  CASE(name) {                        \
    tea_wasm_slot x = A(1), y = A(2); \
    PUT(3, out, (expr));              \
    ip += 4;                          \
    NEXT();                           \
  }
  BIN(I32_EQ, u32, x.u32 == y.u32)
  BIN(I32_NE, u32, x.u32 != y.u32)
  BIN(I32_LT_S, u32, x.i32 < y.i32)
  BIN(I32_LT_U, u32, x.u32 < y.u32)
  BIN(I32_GT_S, u32, x.i32 > y.i32)
  BIN(I32_GT_U, u32, x.u32 > y.u32)
  BIN(I32_LE_S, u32, x.i32 <= y.i32)
  BIN(I32_LE_U, u32, x.u32 <= y.u32)
  BIN(I32_GE_S, u32, x.i32 >= y.i32)
  BIN(I32_GE_U, u32, x.u32 >= y.u32)
  BIN(I64_EQ, u32, x.u64 == y.u64)
  BIN(I64_NE, u32, x.u64 != y.u64)
  BIN(I64_LT_S, u32, x.i64 < y.i64)
  BIN(I64_LT_U, u32, x.u64 < y.u64)
  BIN(I64_GT_S, u32, x.i64 > y.i64)
  BIN(I64_GT_U, u32, x.u64 > y.u64)
  BIN(I64_LE_S, u32, x.i64 <= y.i64)
  BIN(I64_LE_U, u32, x.u64 <= y.u64)
  BIN(I64_GE_S, u32, x.i64 >= y.i64)
  BIN(I64_GE_U, u32, x.u64 >= y.u64)
  BIN(F32_EQ, u32, x.f32 == y.f32)
  BIN(F32_NE, u32, x.f32 != y.f32)
  BIN(F32_LT, u32, x.f32 < y.f32)
  BIN(F32_GT, u32, x.f32 > y.f32)
  BIN(F32_LE, u32, x.f32 <= y.f32)
  BIN(F32_GE, u32, x.f32 >= y.f32)
  BIN(F64_EQ, u32, x.f64 == y.f64)
  BIN(F64_NE, u32, x.f64 != y.f64)
  BIN(F64_LT, u32, x.f64 < y.f64)
  BIN(F64_GT, u32, x.f64 > y.f64)
  BIN(F64_LE, u32, x.f64 <= y.f64)
  BIN(F64_GE, u32, x.f64 >= y.f64)
  BIN(I32_ADD, u32, x.u32 + y.u32)
  BIN(I32_SUB, u32, x.u32 - y.u32)
  BIN(I32_MUL, u32, x.u32 * y.u32)
  CASE(I32_DIV_S) {
    int32_t x = A(1).i32, y = A(2).i32;
    if (UNLIKELY(y == 0)) TRAP(TEA_TRAP_DIV_ZERO);
    if (UNLIKELY(x == INT32_MIN && y == -1)) TRAP(TEA_TRAP_OVERFLOW);
    A(3).u64 = W32(x / y);
    ip += 4;
    NEXT();
  }
  CASE(I32_DIV_U) {
    uint32_t x = A(1).u32, y = A(2).u32;
    if (UNLIKELY(y == 0)) TRAP(TEA_TRAP_DIV_ZERO);
    A(3).u64 = W32(x / y);
    ip += 4;
    NEXT();
  }
  CASE(I32_REM_S) {
    int32_t x = A(1).i32, y = A(2).i32;
    if (UNLIKELY(y == 0)) TRAP(TEA_TRAP_DIV_ZERO);
    A(3).u64 = W32(y == -1 ? 0 : x % y);
    ip += 4;
    NEXT();
  }
  CASE(I32_REM_U) {
    uint32_t x = A(1).u32, y = A(2).u32;
    if (UNLIKELY(y == 0)) TRAP(TEA_TRAP_DIV_ZERO);
    A(3).u64 = W32(x % y);
    ip += 4;
    NEXT();
  }
  BIN(I32_AND, u32, x.u32 & y.u32)
  BIN(I32_OR, u32, x.u32 | y.u32)
  BIN(I32_XOR, u32, x.u32 ^ y.u32)
  BIN(I32_SHL, u32, x.u32 << (y.u32 & 31))
  BIN(I32_SHR_S, i32, x.i32 >> (y.u32 & 31))
  BIN(I32_SHR_U, u32, x.u32 >> (y.u32 & 31))
  BIN(I32_ROTL, u32, rotl32(x.u32, y.u32))
  BIN(I32_ROTR, u32, rotr32(x.u32, y.u32))
  BIN(I64_ADD, u64, x.u64 + y.u64)
  BIN(I64_SUB, u64, x.u64 - y.u64)
  BIN(I64_MUL, u64, x.u64 * y.u64)
  CASE(I64_DIV_S) {
    int64_t x = A(1).i64, y = A(2).i64;
    if (UNLIKELY(y == 0)) TRAP(TEA_TRAP_DIV_ZERO);
    if (UNLIKELY(x == INT64_MIN && y == -1)) TRAP(TEA_TRAP_OVERFLOW);
    A(3).i64 = x / y;
    ip += 4;
    NEXT();
  }
  CASE(I64_DIV_U) {
    uint64_t x = A(1).u64, y = A(2).u64;
    if (UNLIKELY(y == 0)) TRAP(TEA_TRAP_DIV_ZERO);
    A(3).u64 = x / y;
    ip += 4;
    NEXT();
  }
  CASE(I64_REM_S) {
    int64_t x = A(1).i64, y = A(2).i64;
    if (UNLIKELY(y == 0)) TRAP(TEA_TRAP_DIV_ZERO);
    A(3).i64 = y == -1 ? 0 : x % y;
    ip += 4;
    NEXT();
  }
  CASE(I64_REM_U) {
    uint64_t x = A(1).u64, y = A(2).u64;
    if (UNLIKELY(y == 0)) TRAP(TEA_TRAP_DIV_ZERO);
    A(3).u64 = x % y;
    ip += 4;
    NEXT();
  }
  BIN(I64_AND, u64, x.u64 & y.u64)
  BIN(I64_OR, u64, x.u64 | y.u64)
  BIN(I64_XOR, u64, x.u64 ^ y.u64)
  BIN(I64_SHL, u64, x.u64 << (y.u64 & 63))
  BIN(I64_SHR_S, i64, x.i64 >> (y.u64 & 63))
  BIN(I64_SHR_U, u64, x.u64 >> (y.u64 & 63))
  BIN(I64_ROTL, u64, rotl64(x.u64, y.u64))
  BIN(I64_ROTR, u64, rotr64(x.u64, y.u64))
  BIN(F32_ADD, f32, x.f32 + y.f32)
  BIN(F32_SUB, f32, x.f32 - y.f32)
  BIN(F32_MUL, f32, x.f32 * y.f32)
  BIN(F32_DIV, f32, x.f32 / y.f32)
  BIN(F32_MIN, f32, fmin32(x.f32, y.f32))
  BIN(F32_MAX, f32, fmax32(x.f32, y.f32))
  BIN(F32_COPYSIGN, u32, (x.u32 & 0x7fffffffu) | (y.u32 & 0x80000000u))
  BIN(F64_ADD, f64, x.f64 + y.f64)
  BIN(F64_SUB, f64, x.f64 - y.f64)
  BIN(F64_MUL, f64, x.f64 * y.f64)
  BIN(F64_DIV, f64, x.f64 / y.f64)
  BIN(F64_MIN, f64, fmin64(x.f64, y.f64))
  BIN(F64_MAX, f64, fmax64(x.f64, y.f64))
  BIN(F64_COPYSIGN, u64, (x.u64 & 0x7fffffffffffffffull) | (y.u64 & 0x8000000000000000ull))

  /* ---- SIMD: lane arithmetic runs in the handlers above; memory access stays
     here, where the memory base, size and the trap path live ---- */
  CASE(CANON_F32X4) { h_canon_f32x4(fp, ip); ip += 2; NEXT(); }
  CASE(CANON_F64X2) { h_canon_f64x2(fp, ip); ip += 2; NEXT(); }
#define SIMD_CALL(name, words) \
  CASE(name) {                 \
    h_##name(fp, ip);          \
    ip += 1 + words;           \
    NEXT();                    \
  }
#define SIMD_UN(name, sz) SIMD_CALL(name, 2)
#define SIMD_BIN(name, sz) SIMD_CALL(name, 3)
#define SIMD_TERN(name, sz) SIMD_CALL(name, 4)
#define SIMD_TEST(name, sz) SIMD_CALL(name, 2)
#define SIMD_SHIFT(name, sz) SIMD_CALL(name, 3)
#define SIMD_SPLAT(name, sz) SIMD_CALL(name, 2)
#define SIMD_EXTRACT(name, sz) SIMD_CALL(name, 3)
#define SIMD_REPLACE(name, sz) SIMD_CALL(name, 4)
#define SIMD_SHUFFLE(name, sz) SIMD_CALL(name, 7)
#define SIMD_CONST(name, sz) SIMD_CALL(name, 5)
  /* bounds as for scalar accesses; the access size is 1 << sz bytes */
#define SIMD_LOAD(name, sz)                                                  \
  CASE(name) {                                                               \
    uint64_t ea = (uint64_t)A(1).u32 + ip[2];                                \
    if (OOB(ea, 1u << sz)) TRAP(TEA_TRAP_MEMORY);         \
    h_##name(&fp[ip[3]], mem + ea);                                          \
    ip += 4;                                                                 \
    NEXT();                                                                  \
  }
#define SIMD_STORE(name, sz)                                                 \
  CASE(name) {                                                               \
    uint64_t ea = (uint64_t)A(1).u32 + ip[3];                                \
    if (OOB(ea, 16)) TRAP(TEA_TRAP_MEMORY);                 \
    memcpy(mem + ea, &fp[ip[2]], 16);                                        \
    MARK_WRITE(mem, ea);                                                       \
    ip += 4;                                                                 \
    NEXT();                                                                  \
  }
  /* lanes are bytes [k*size, k*size+size) in WebAssembly order: byte copies
     straight between the frame slots and memory */
#define SIMD_LOADLANE(name, sz)                                              \
  CASE(name) {                                                               \
    uint64_t ea = (uint64_t)A(1).u32 + ip[2];                                \
    if (OOB(ea, 1u << sz)) TRAP(TEA_TRAP_MEMORY);         \
    memmove(&fp[ip[5]], &fp[ip[3]], 16); /* the result starts as the vector */ \
    memcpy((uint8_t *)&fp[ip[5]] + (ip[4] << sz), mem + ea, 1u << sz);       \
    ip += 6;                                                                 \
    NEXT();                                                                  \
  }
#define SIMD_STORELANE(name, sz)                                             \
  CASE(name) {                                                               \
    uint64_t ea = (uint64_t)A(1).u32 + ip[3];                                \
    if (OOB(ea, 1u << sz)) TRAP(TEA_TRAP_MEMORY);         \
    memcpy(mem + ea, (const uint8_t *)&fp[ip[2]] + (ip[4] << sz), 1u << sz); \
    MARK_WRITE(mem, ea);                                                       \
    ip += 5;                                                                 \
    NEXT();                                                                  \
  }
#define SIMD_CASE(name, sub, kind, t, l, sz, canon) SIMD_##kind(name, sz)
  TEA_SIMD_OPS(SIMD_CASE)
#define SIMD_CASE_IMM(name, sub, kind, t, l, sz, canon) TEA_SIMD_SHIFT_ONLY(kind, SIMD_CALL(name##_IMM, 3))
  TEA_SIMD_OPS(SIMD_CASE_IMM)
  /* fused address forms: the i32.add wraps at 32 bits before the offset is
     added in 64, exactly as the two instructions would */
#define SIMD_MEM_ADD_LOAD(name, sz, tag, base)                               \
  CASE(name##tag) {                                                          \
    uint64_t ea = (uint64_t)(uint32_t)(base) + ip[3];                        \
    if (OOB(ea, 1u << sz)) TRAP(TEA_TRAP_MEMORY);         \
    h_##name(&fp[ip[4]], mem + ea);                                          \
    ip += 5;                                                                 \
    NEXT();                                                                  \
  }
#define SIMD_MEM_ADD_STORE(name, sz, tag, base)                              \
  CASE(name##tag) {                                                          \
    uint64_t ea = (uint64_t)(uint32_t)(base) + ip[4];                        \
    if (OOB(ea, 16)) TRAP(TEA_TRAP_MEMORY);                 \
    memcpy(mem + ea, &fp[ip[3]], 16);                                        \
    MARK_WRITE(mem, ea);                                                       \
    ip += 5;                                                                 \
    NEXT();                                                                  \
  }
#define SIMD_CASE_ADD(name, sub, kind, t, l, sz, canon)                      \
  TEA_SIMD_MEM_ONLY(kind, SIMD_MEM_ADD_##kind(name, sz, _ADD, A(1).u32 + A(2).u32) \
                              SIMD_MEM_ADD_##kind(name, sz, _ADDK, A(1).u32 + ip[2]))
  TEA_SIMD_OPS(SIMD_CASE_ADD)

  /* F64_MADD_STORE with b loaded first, as the load then the MADD_STORE
     would: the tee (if any) and the load, then the operands, the sum and the
     store. (Placed last: where a handler sits moves the others, and the
     dispatch is sensitive to that; see docs/performance.md.) */
#define MADD_STORE_FROM(name, nlw, tee, addr)                         \
  CASE(name) {                                                        \
    uint32_t s = (addr);                                              \
    if (tee) A(4).u64 = W32(s);                                       \
    uint64_t bea = (uint64_t)s + ip[nlw - tee];                       \
    if (OOB(bea, 8)) TRAP(TEA_TRAP_MEMORY);                           \
    tea_wasm_slot y, r;                                               \
    memcpy(&y.u64, mem + bea, 8);                                     \
    y.u64 = LE64(y.u64);                                              \
    const uint32_t *q = ip + nlw;                                     \
    tea_wasm_slot x = fp[q[1]], z = fp[q[2]];                         \
    double p = x.f64 * y.f64;                                         \
    r.f64 = z.f64 + p;                                                \
    uint64_t ea = (uint64_t)fp[q[3]].u32 + q[4];                      \
    if (OOB(ea, 8)) TRAP(TEA_TRAP_MEMORY);                            \
    uint64_t v = LE64(r.u64);                                         \
    memcpy(mem + ea, &v, 8);                                          \
    MARK_WRITE(mem, ea);                                                \
    ip = q + 5;                                                       \
    NEXT();                                                           \
  }
  MADD_STORE_FROM(F64_MADD_STORE_L, 2, 0, A(1).u32)
  MADD_STORE_FROM(F64_MADD_STORE_LK, 3, 0, A(1).u32 + ip[2])
  MADD_STORE_FROM(F64_MADD_STORE_LT, 4, 1, A(1).u32 + A(2).u32)
#ifndef TEA_COMPUTED_GOTO
  default:
    TRAP("invalid internal instruction");
  }
#endif

call:
  if (callee->host) {
    const tea_functype *t = callee->type;
    uint32_t need = t->param_slots > t->result_slots ? t->param_slots : t->result_slots;
    tea_wasm_host_call hc = {store, inst, callee->env, err};
    store->stack_top = new_fp + need;
    store->fuel = fuel;
    GUARD_MEM(NULL); /* a fault in host code is not a guest trap */
    rc = callee->host(&hc, new_fp);
    fuel = store->fuel;
    store->stack_top = saved_top;
    if (rc != TEA_OK) goto failed;
    RELOAD_MEMORY();
    ip = next_ip;
    NEXT();
  }
  {
    const tea_compiled *cc = callee->code;
    if (UNLIKELY(store->depth >= store->limits.max_call_depth ||
                 new_fp + cc->frame_size > store->stack_end))
      TRAP(TEA_TRAP_STACK);
    /* frames[d] holds where the function at depth d+1 returns to */
    tea_frame *f = &store->frames[store->depth];
    f->ret_ip = next_ip;
    f->ret_fp = fp;
    f->ret_instance = inst;
    store->depth++;
    memset(new_fp + cc->nparams, 0, (size_t)cc->nlocals * sizeof *new_fp);
    fp = new_fp;
    ip = cc->code;
    if (callee->instance != inst) {
      inst = callee->instance;
      RELOAD_MEMORY();
    }
    NEXT();
  }

finished:
  store->fuel = fuel;
  return TEA_OK;

out_of_fuel:
  if (atomic_load_explicit(&store->interrupt, memory_order_relaxed)) TRAP(TEA_TRAP_INTERRUPT);
  fuel = 0;
  TRAP(TEA_TRAP_FUEL);

trapped:
  rc = tea_fail(err, TEA_ERR_TRAP, "%s", trap);
failed:
  store->fuel = fuel;
  store->depth = entry_depth;
  store->stack_top = saved_top;
  return rc;
}
