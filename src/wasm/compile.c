/* Function bodies: validation and translation to internal code, in one pass.
 *
 * The validator's operand stack (the spec's algorithm, appendix "Validation
 * Algorithm") doubles as the compiler's model of where each value lives:
 *   STACK  in its canonical slot (`slot`: base + the widths of the values
 *          below it; a v128 takes two slots, everything else one);
 *   LOCAL  still in local slot n (local.get emits nothing);
 *   CONST  a constant not yet written anywhere (i32.const emits nothing).
 * A value is written to its canonical slot ("materialized") only when an
 * instruction needs it there: calls (arguments must be contiguous), block
 * boundaries (every path must leave results in the same slots), or before a
 * local.set would change a local that a deferred LOCAL still names.
 * The last instruction's destination is remembered so that `local.set x`
 * right after it rewrites the destination to x instead of emitting a copy. */
#include <stdlib.h>
#include <string.h>

#include "wasm/ops.h"
#include "wasm/reader.h"
#include "wasm/runtime.h"

#define T_UNKNOWN 0 /* the bottom type of unreachable code */
#define NONE UINT32_MAX

enum { V_STACK, V_LOCAL, V_CONST };
typedef struct val {
  uint8_t type;
  uint8_t kind;
  uint32_t local; /* V_LOCAL: the local's first slot */
  uint64_t bits;
  uint32_t slot;  /* the canonical slot, fixed when pushed */
} val;

enum { C_BLOCK, C_LOOP, C_IF, C_ELSE, C_FUNC };
typedef struct ctrl {
  uint8_t kind;
  bool unreachable; /* validation: the rest of the block is stack-polymorphic */
  bool dead;        /* emission: the block was entered in unreachable code */
  uint32_t nparams, nresults;
  const uint8_t *params, *results;
  uint8_t single;   /* storage for a one-value block type */
  uint32_t height;  /* operand stack height below the params */
  uint32_t loop_pc; /* loop: its FUEL instruction (branches land after it) */
  uint32_t patch;   /* forward branches to patch at `end` (a chain through the code) */
  uint32_t else_pc; /* if: the code word holding the else target */
} ctrl;

typedef struct cc {
  tea_wasm_module *m;
  const tea_functype *ft;
  uint32_t func_index;
  tea_reader r;
  const uint8_t *body_start;
  uint32_t body_offset;
  tea_error *err;
  uint8_t *local_types;
  uint32_t *local_slot; /* local index -> first frame slot (prefix sums of widths) */
  uint32_t nlocals; /* params + declared locals */
  uint32_t base;    /* first operand-stack slot */
  val *vals;
  uint32_t nvals, cap_vals;
  ctrl *ctrls;
  uint32_t nctrls, cap_ctrls;
  uint32_t *code;
  uint32_t ncode, cap_code;
  uint32_t max_height;
  uint32_t last_pc;  /* start of the last instruction, when it may be fused */
  uint32_t last_dst; /* code word of its destination slot */
  uint32_t const_pc; /* start of the last CONST32 materialization */
  uint32_t add_pc;   /* start of the last I32_ADD or I32_ADD_IMM, until a label follows it */
  uint32_t copy_pc;  /* start of the last COPY, likewise */
  uint32_t load_pc;  /* start of the last load, likewise */
  uint32_t fuel_pc;  /* code word of the open FUEL charge */
  uint32_t fuel_count;
  bool oom;
} cc;

/* ---- errors -------------------------------------------------------------- */

static tea_code fail_at(cc *c, tea_code code, const char *why) {
  size_t off = c->body_offset + (size_t)(c->r.p - c->body_start);
  return tea_fail(c->err, code, "code section, function %u, offset %zu: %s", c->func_index, off,
                  why);
}
#define MALFORMED(why) return fail_at(c, TEA_ERR_MALFORMED, why)
#define INVALID(why) return fail_at(c, TEA_ERR_INVALID, why)
#define CHECK(x)                 \
  do {                           \
    tea_code rc_ = (x);          \
    if (rc_ != TEA_OK) return rc_; \
  } while (0)
#define READ(x)                                        \
  do {                                                 \
    const char *why_ = (x);                            \
    if (why_) return fail_at(c, TEA_ERR_MALFORMED, why_); \
  } while (0)

static bool grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
  if (need <= *cap) return true;
  uint32_t ncap = *cap ? *cap * 2 : 64;
  while (ncap < need) ncap *= 2;
  void *q = realloc(*p, (size_t)ncap * elem);
  if (!q) return false;
  *p = q;
  *cap = ncap;
  return true;
}

/* ---- emission -------------------------------------------------------------- */

static bool live(const cc *c) {
  const ctrl *f = &c->ctrls[c->nctrls - 1];
  return !f->unreachable && !f->dead;
}

static void emit(cc *c, uint32_t w) {
  if (!grow((void **)&c->code, &c->cap_code, c->ncode + 1, sizeof *c->code)) {
    c->oom = true;
    return;
  }
  c->code[c->ncode++] = w;
}

static void forget_last(cc *c) { c->last_pc = c->last_dst = c->const_pc = NONE; }

/* Starts an instruction whose operands follow. */
static void op(cc *c, tea_op o) {
  c->last_pc = c->last_dst = NONE;
  if (c->add_pc != NONE && c->ncode <= c->add_pc) c->add_pc = NONE; /* code taken back */
  if (c->copy_pc != NONE && c->ncode <= c->copy_pc) c->copy_pc = NONE;
  if (c->load_pc != NONE && c->ncode <= c->load_pc) c->load_pc = NONE;
  emit(c, (uint32_t)o);
}

/* Copies a value of type t (a v128 is two slots, copied as one unit so
 * overlapping ranges are safe). */
static void emit_copy(cc *c, uint32_t from, uint32_t to, uint8_t t) {
  if (from == to) return;
  if (t != TEA_WASM_V128 && c->copy_pc != NONE && c->copy_pc + 3 == c->ncode &&
      c->code[c->copy_pc] == TEA_OP_COPY) {
    /* a copy right after a copy (a loop's rotating variables, arguments):
       one COPY2 does both in order, in one dispatch */
    c->code[c->copy_pc] = TEA_OP_COPY2;
    c->copy_pc = NONE;
    emit(c, from);
    emit(c, to);
    return;
  }
  op(c, t == TEA_WASM_V128 ? TEA_OP_COPY_V128 : TEA_OP_COPY);
  emit(c, from);
  emit(c, to);
  if (t != TEA_WASM_V128) c->copy_pc = c->ncode - 3;
}

static void emit_const(cc *c, uint8_t type, uint64_t bits, uint32_t to) {
  if (type == TEA_WASM_I64 || type == TEA_WASM_F64 || bits > UINT32_MAX) {
    op(c, TEA_OP_CONST64);
    emit(c, (uint32_t)bits);
    emit(c, (uint32_t)(bits >> 32));
  } else {
    op(c, TEA_OP_CONST32);
    c->const_pc = c->ncode - 1;
    emit(c, (uint32_t)bits);
  }
  emit(c, to);
}

/* A label here: fused peepholes must not reach across it. */
static uint32_t here(cc *c) {
  forget_last(c);
  c->add_pc = c->copy_pc = c->load_pc = NONE; /* nothing may be fused across a branch target */
  return c->ncode;
}

/* ---- the operand stack ----------------------------------------------------- */

/* The canonical slot of a value pushed at height h: the slots of the values
 * below it are fixed, so this is known at compile time and costs nothing
 * at run time. */
static uint32_t slot_at(const cc *c, uint32_t h) {
  if (h == 0) return c->base;
  const val *v = &c->vals[h - 1];
  return v->slot + tea_slot_width(v->type);
}

static tea_code push(cc *c, uint8_t type, uint8_t kind, uint32_t local, uint64_t bits) {
  if (!grow((void **)&c->vals, &c->cap_vals, c->nvals + 1, sizeof *c->vals)) {
    c->oom = true;
    return tea_fail(c->err, TEA_ERR_NOMEM, "out of memory compiling function %u", c->func_index);
  }
  uint32_t slot = slot_at(c, c->nvals);
  c->vals[c->nvals++] = (val){type, kind, local, bits, slot};
  uint32_t top = slot + tea_slot_width(type) - c->base;
  if (top > c->max_height) c->max_height = top;
  return TEA_OK;
}

/* Pushes a value computed into its canonical slot; returns that slot. */
static uint32_t push_result(cc *c, uint8_t type, tea_code *rc) {
  uint32_t slot = slot_at(c, c->nvals);
  *rc = push(c, type, V_STACK, 0, 0);
  return slot;
}

/* Writes vals[i] to its canonical slot. */
static void materialize(cc *c, uint32_t i) {
  val *v = &c->vals[i];
  if (v->kind == V_STACK) return;
  if (live(c)) {
    if (v->kind == V_LOCAL)
      emit_copy(c, v->local, v->slot, v->type);
    else
      emit_const(c, v->type, v->bits, v->slot);
  }
  v->kind = V_STACK;
}

static void materialize_locals(cc *c) {
  for (uint32_t i = 0; i < c->nvals; i++)
    if (c->vals[i].kind == V_LOCAL) materialize(c, i);
}

static tea_code pop_val(cc *c, uint8_t expect, val *out, uint32_t *height) {
  ctrl *f = &c->ctrls[c->nctrls - 1];
  *out = (val){T_UNKNOWN, V_STACK, 0, 0, slot_at(c, c->nvals)};
  *height = c->nvals;
  if (c->nvals == f->height) {
    if (f->unreachable) {
      *height = c->nvals;
      return TEA_OK;
    }
    INVALID("type mismatch");
  }
  *out = c->vals[--c->nvals];
  *height = c->nvals;
  if (expect != T_UNKNOWN && out->type != T_UNKNOWN && out->type != expect) INVALID("type mismatch");
  return TEA_OK;
}

/* Pops a value and returns a slot it can be read from. */
static tea_code pop_slot(cc *c, uint8_t expect, uint32_t *slot) {
  val v;
  uint32_t h;
  CHECK(pop_val(c, expect, &v, &h));
  if (v.kind == V_LOCAL) {
    *slot = v.local;
  } else {
    (void)h;
    *slot = v.slot;
    if (v.kind == V_CONST && live(c)) emit_const(c, v.type, v.bits, *slot);
  }
  return TEA_OK;
}

/* Checks that the top values have `types` and writes them to their canonical
 * slots, leaving them on the stack. */
static tea_code settle(cc *c, const uint8_t *types, uint32_t n) {
  ctrl *f = &c->ctrls[c->nctrls - 1];
  for (uint32_t i = 0; i < n; i++) {
    uint8_t t = types[n - 1 - i];
    if (c->nvals - f->height <= i) {
      if (!f->unreachable) INVALID("type mismatch");
      continue;
    }
    val *v = &c->vals[c->nvals - 1 - i];
    if (v->type != T_UNKNOWN && v->type != t) INVALID("type mismatch");
  }
  uint32_t avail = c->nvals - f->height;
  for (uint32_t i = (n < avail ? n : avail); i > 0; i--) materialize(c, c->nvals - i);
  return TEA_OK;
}

/* Pops n values of `types` (already settled). */
static tea_code pop_types(cc *c, const uint8_t *types, uint32_t n) {
  for (uint32_t i = n; i > 0; i--) {
    val v;
    uint32_t h;
    CHECK(pop_val(c, types[i - 1], &v, &h));
  }
  return TEA_OK;
}

static tea_code push_types(cc *c, const uint8_t *types, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) CHECK(push(c, types[i], V_STACK, 0, 0));
  return TEA_OK;
}

/* ---- control ----------------------------------------------------------------- */

static tea_code push_ctrl(cc *c, uint8_t kind, const uint8_t *params, uint32_t np,
                          const uint8_t *results, uint32_t nr) {
  if (!grow((void **)&c->ctrls, &c->cap_ctrls, c->nctrls + 1, sizeof *c->ctrls)) {
    c->oom = true;
    return tea_fail(c->err, TEA_ERR_NOMEM, "out of memory compiling function %u", c->func_index);
  }
  bool dead = c->nctrls ? !live(c) : false;
  ctrl *f = &c->ctrls[c->nctrls++];
  memset(f, 0, sizeof *f);
  f->kind = kind;
  f->dead = dead;
  f->params = params;
  f->nparams = np;
  f->results = results;
  f->nresults = nr;
  f->height = c->nvals - np;
  f->patch = NONE;
  f->else_pc = NONE;
  return TEA_OK;
}

static void mark_unreachable(cc *c) {
  ctrl *f = &c->ctrls[c->nctrls - 1];
  c->nvals = f->height;
  f->unreachable = true;
}

/* Reads a block type; single-value types are kept in f->single by the caller. */
static tea_code read_blocktype(cc *c, uint8_t *single, const uint8_t **params, uint32_t *np,
                               const uint8_t **results, uint32_t *nr) {
  if (c->r.p >= c->r.end) MALFORMED(TEA_RD_EOF);
  uint8_t b = *c->r.p;
  *np = *nr = 0;
  *params = *results = NULL;
  if (b == 0x40) {
    c->r.p++;
    return TEA_OK;
  }
  if (b == TEA_WASM_I32 || b == TEA_WASM_I64 || b == TEA_WASM_F32 || b == TEA_WASM_F64 ||
      b == TEA_WASM_V128 || b == TEA_WASM_FUNCREF || b == TEA_WASM_EXTERNREF) {
    c->r.p++;
    *single = b;
    *results = single;
    *nr = 1;
    return TEA_OK;
  }
  int64_t idx;
  READ(tea_rd_sleb(&c->r, 33, &idx));
  if (idx < 0) MALFORMED("malformed value type");
  if ((uint64_t)idx >= c->m->ntypes) INVALID("unknown type");
  const tea_functype *t = &c->m->types[idx];
  *params = tea_functype_params(t);
  *np = t->nparams;
  *results = tea_functype_results(t);
  *nr = t->nresults;
  return TEA_OK;
}

static const uint8_t *label_types(const ctrl *f, uint32_t *n) {
  if (f->kind == C_LOOP) {
    *n = f->nparams;
    return f->params;
  }
  *n = f->nresults;
  return f->results;
}

/* Emits copies that return the top n values (types checked) from the function. */
static void emit_return(cc *c, uint32_t n) {
  if (!live(c)) return;
  /* local sources could be overwritten by earlier copies: settle them first */
  const uint8_t *rt = tea_functype_results(c->ft);
  for (uint32_t i = 0; i < n; i++) {
    val *v = &c->vals[c->nvals - n + i];
    if (v->kind == V_LOCAL && v->local < c->ft->result_slots) materialize(c, c->nvals - n + i);
  }
  /* result i goes to the sum of the widths before it; every source sits at
     or above its destination, so copying in order never clobbers one */
  uint32_t to = 0;
  for (uint32_t i = 0; i < n; i++) {
    val *v = &c->vals[c->nvals - n + i];
    if (v->kind == V_CONST)
      emit_const(c, v->type, v->bits, to);
    else
      emit_copy(c, v->kind == V_LOCAL ? v->local : v->slot, to, rt[i]);
    to += tea_slot_width(rt[i]);
  }
  op(c, TEA_OP_RETURN);
}

/* Does a branch to f need value copies? */
static bool branch_copies(const cc *c, const ctrl *f) {
  if (f->kind == C_FUNC) return true;
  uint32_t n;
  label_types(f, &n);
  for (uint32_t i = 0; i < n; i++) {
    const val *v = &c->vals[c->nvals - n + i];
    if (v->kind != V_STACK || c->nvals - n + i != f->height + i) return true;
  }
  return false;
}

/* Where a branch to loop f lands: just past the FUEL at its head. Every
 * backward branch targets a loop, and the interpreter charges the loop's fuel
 * (the word before the landing point) when it takes one, so a loop iteration
 * costs no separate FUEL dispatch. Entering the loop from above runs the FUEL
 * itself; either way the same k is charged at the same point. */
static uint32_t loop_entry(const ctrl *f) { return f->loop_pc + 2; }

/* Emits a jump word to f (a loop's start, or a forward chain link). */
static void emit_target(cc *c, ctrl *f) {
  if (f->kind == C_LOOP) {
    emit(c, loop_entry(f));
  } else {
    emit(c, f->patch);
    f->patch = c->ncode - 1;
  }
}

/* Unconditional branch to f with the top values; the caller checked types. */
static void emit_branch(cc *c, ctrl *f) {
  if (!live(c)) return;
  if (f->kind == C_FUNC) {
    emit_return(c, f->nresults);
    return;
  }
  uint32_t n;
  const uint8_t *lt = label_types(f, &n);
  uint32_t to = slot_at(c, f->height);
  for (uint32_t i = 0; i < n; i++) {
    val *v = &c->vals[c->nvals - n + i];
    if (v->kind == V_CONST)
      emit_const(c, v->type, v->bits, to);
    else
      emit_copy(c, v->kind == V_LOCAL ? v->local : v->slot, to, lt[i]);
    to += tea_slot_width(lt[i]);
  }
  op(c, TEA_OP_BR);
  emit_target(c, f);
}

static tea_code label_at(cc *c, uint32_t depth, ctrl **out) {
  if (depth >= c->nctrls) INVALID("unknown label");
  *out = &c->ctrls[c->nctrls - 1 - depth];
  return TEA_OK;
}

/* Checks the top values against a label's types without popping. */
static tea_code check_label_values(cc *c, const ctrl *f) {
  uint32_t n;
  const uint8_t *types = label_types(f, &n);
  const ctrl *top = &c->ctrls[c->nctrls - 1];
  for (uint32_t i = 0; i < n; i++) {
    if (c->nvals - top->height <= i) {
      if (!top->unreachable) INVALID("type mismatch");
      continue;
    }
    const val *v = &c->vals[c->nvals - 1 - i];
    if (v->type != T_UNKNOWN && v->type != types[n - 1 - i]) INVALID("type mismatch");
  }
  /* in unreachable code missing values are polymorphic: make them concrete
     entries so the copy logic below can index them */
  while (c->nvals - top->height < n) {
    uint32_t missing = n - (c->nvals - top->height);
    /* insert at the bottom of the frame's part of the stack */
    CHECK(push(c, T_UNKNOWN, V_STACK, 0, 0));
    memmove(&c->vals[top->height + 1], &c->vals[top->height],
            (c->nvals - 1 - top->height) * sizeof *c->vals);
    (void)missing;
    c->vals[top->height] = (val){T_UNKNOWN, V_STACK, 0, 0, 0};
  }
  return TEA_OK;
}

/* Forward branch words form a chain through the code; point them all here. */
static void resolve(cc *c, uint32_t chain, uint32_t target) {
  while (chain != NONE) {
    uint32_t next = c->code[chain];
    c->code[chain] = target;
    chain = next;
  }
}

/* ---- fusion ----------------------------------------------------------------- */

/* If the last instruction computed the condition on top of the stack with an
 * integer comparison, removes it and returns the fused branch opcode (negated
 * if `negate`), with its operands in a/b. */
static bool take_compare(cc *c, bool negate, tea_op *fused, uint32_t *a, uint32_t *b, bool *binary) {
  if (c->last_pc == NONE || c->nvals == 0) return false;
  const val *top = &c->vals[c->nvals - 1];
  if (top->kind != V_STACK || c->code[c->last_dst] != top->slot) return false;
  static const struct { tea_op cmp, br, neg; } map[] = {
      {TEA_OP_I32_EQ, TEA_OP_BR_I32_EQ, TEA_OP_BR_I32_NE},
      {TEA_OP_I32_NE, TEA_OP_BR_I32_NE, TEA_OP_BR_I32_EQ},
      {TEA_OP_I32_LT_S, TEA_OP_BR_I32_LT_S, TEA_OP_BR_I32_GE_S},
      {TEA_OP_I32_LT_U, TEA_OP_BR_I32_LT_U, TEA_OP_BR_I32_GE_U},
      {TEA_OP_I32_GT_S, TEA_OP_BR_I32_GT_S, TEA_OP_BR_I32_LE_S},
      {TEA_OP_I32_GT_U, TEA_OP_BR_I32_GT_U, TEA_OP_BR_I32_LE_U},
      {TEA_OP_I32_LE_S, TEA_OP_BR_I32_LE_S, TEA_OP_BR_I32_GT_S},
      {TEA_OP_I32_LE_U, TEA_OP_BR_I32_LE_U, TEA_OP_BR_I32_GT_U},
      {TEA_OP_I32_GE_S, TEA_OP_BR_I32_GE_S, TEA_OP_BR_I32_LT_S},
      {TEA_OP_I32_GE_U, TEA_OP_BR_I32_GE_U, TEA_OP_BR_I32_LT_U},
      {TEA_OP_I64_EQ, TEA_OP_BR_I64_EQ, TEA_OP_BR_I64_NE},
      {TEA_OP_I64_NE, TEA_OP_BR_I64_NE, TEA_OP_BR_I64_EQ},
      {TEA_OP_I64_LT_S, TEA_OP_BR_I64_LT_S, TEA_OP_BR_I64_GE_S},
      {TEA_OP_I64_LT_U, TEA_OP_BR_I64_LT_U, TEA_OP_BR_I64_GE_U},
      {TEA_OP_I64_GT_S, TEA_OP_BR_I64_GT_S, TEA_OP_BR_I64_LE_S},
      {TEA_OP_I64_GT_U, TEA_OP_BR_I64_GT_U, TEA_OP_BR_I64_LE_U},
      {TEA_OP_I64_LE_S, TEA_OP_BR_I64_LE_S, TEA_OP_BR_I64_GT_S},
      {TEA_OP_I64_LE_U, TEA_OP_BR_I64_LE_U, TEA_OP_BR_I64_GT_U},
      {TEA_OP_I64_GE_S, TEA_OP_BR_I64_GE_S, TEA_OP_BR_I64_LT_S},
      {TEA_OP_I64_GE_U, TEA_OP_BR_I64_GE_U, TEA_OP_BR_I64_LT_U},
      {TEA_OP_I32_EQZ, TEA_OP_BR_I32_EQZ, TEA_OP_BR_I32_NEZ},
      {TEA_OP_I64_EQZ, TEA_OP_BR_I64_EQZ, TEA_OP_BR_I64_NEZ},
  };
  uint32_t last = c->code[c->last_pc];
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
    if (last != (uint32_t)map[i].cmp) continue;
    *fused = negate ? map[i].neg : map[i].br;
    *binary = !(map[i].cmp == TEA_OP_I32_EQZ || map[i].cmp == TEA_OP_I64_EQZ);
    *a = c->code[c->last_pc + 1];
    *b = *binary ? c->code[c->last_pc + 2] : 0;
    c->ncode = c->last_pc;
    /* an i32 constant materialized just for this comparison becomes an
       immediate (the BR_I32_*_IMM block mirrors BR_I32_EQ..GE_U) */
    if (*fused >= TEA_OP_BR_I32_EQ && *fused <= TEA_OP_BR_I32_GE_U && c->const_pc != NONE &&
        c->const_pc + 3 == c->last_pc && c->code[c->const_pc] == TEA_OP_CONST32 &&
        c->code[c->const_pc + 2] == *b && *b != *a) {
      *b = c->code[c->const_pc + 1];
      *fused = (tea_op)(*fused - TEA_OP_BR_I32_EQ + TEA_OP_BR_I32_EQ_IMM);
      c->ncode = c->const_pc;
    }
    forget_last(c);
    return true;
  }
  return false;
}

/* A loop counter's step: when the instruction just before the branch being
 * emitted is an I32_ADD_IMM whose result the branch tests (operand a), takes
 * it back and returns the INC_BR form of the branch `br`, which does both (the
 * add's result is still written first, so every later read sees it). */
static bool take_increment(cc *c, tea_op br, uint32_t a, tea_op *inc, uint32_t *ops) {
  if (c->add_pc == NONE || c->add_pc + 4 != c->ncode ||
      c->code[c->add_pc] != TEA_OP_I32_ADD_IMM || c->code[c->add_pc + 3] != a)
    return false;
  if (br == TEA_OP_BR_IF) br = TEA_OP_BR_I32_NEZ;
  if (br == TEA_OP_BR_UNLESS) br = TEA_OP_BR_I32_EQZ;
  /* the INC_BR block mirrors BR_I32_EQ..BR_I32_NEZ, then the _IMM forms */
  if (br >= TEA_OP_BR_I32_EQ && br <= TEA_OP_BR_I32_NEZ)
    *inc = (tea_op)(br - TEA_OP_BR_I32_EQ + TEA_OP_INC_BR_I32_EQ);
  else if (br >= TEA_OP_BR_I32_EQ_IMM && br <= TEA_OP_BR_I32_GE_U_IMM)
    *inc = (tea_op)(br - TEA_OP_BR_I32_EQ_IMM + TEA_OP_INC_BR_I32_EQ_IMM);
  else
    return false;
  memcpy(ops, &c->code[c->add_pc + 1], 3 * sizeof *ops);
  c->ncode = c->add_pc;
  c->add_pc = NONE;
  return true;
}

/* Emits branch `br` testing a (and b when binary) with an open target word. */
static void emit_test_jump(cc *c, tea_op br, uint32_t a, uint32_t b, bool binary,
                           uint32_t *target_word) {
  tea_op inc;
  uint32_t add[3];
  if (take_increment(c, br, a, &inc, add)) {
    op(c, inc);
    for (int i = 0; i < 3; i++) emit(c, add[i]);
  } else {
    op(c, br);
    emit(c, a);
  }
  if (binary) emit(c, b);
  emit(c, NONE);
  *target_word = c->ncode - 1;
}

/* Pops an i32 condition and emits "jump to ... if cond (or !cond)", leaving
 * the target word for the caller to fill; returns its code position. */
static tea_code emit_cond_jump(cc *c, bool jump_if_true, uint32_t *target_word) {
  tea_op fused;
  uint32_t a, b;
  bool binary;
  *target_word = NONE;
  if (live(c) && take_compare(c, !jump_if_true, &fused, &a, &b, &binary)) {
    c->nvals--;
    emit_test_jump(c, fused, a, b, binary, target_word);
    return TEA_OK;
  }
  uint32_t cond;
  CHECK(pop_slot(c, TEA_WASM_I32, &cond));
  if (live(c))
    emit_test_jump(c, jump_if_true ? TEA_OP_BR_IF : TEA_OP_BR_UNLESS, cond, 0, false, target_word);
  return TEA_OK;
}

/* ---- the numeric lookup table -------------------------------------------------- */

typedef struct numinfo {
  uint16_t op;
  uint8_t in, out; /* in == 0: not a numeric operator */
} numinfo;

#define NUM_ENTRY(name, w, ti, to) [w] = {TEA_OP_##name, TEA_WASM_##ti, TEA_WASM_##to},
static const numinfo unary_table[0x108] = {TEA_UNARY_OPS(NUM_ENTRY)};
static const numinfo binary_table[0x108] = {TEA_BINARY_OPS(NUM_ENTRY)};
#undef NUM_ENTRY

/* ---- instructions -------------------------------------------------------------- */

static tea_code do_block(cc *c, uint8_t kind) {
  uint8_t single;
  const uint8_t *params, *results;
  uint32_t np, nr;
  CHECK(read_blocktype(c, &single, &params, &np, &results, &nr));
  uint32_t cond_word = NONE;
  bool has_cond = false;
  val cond = {TEA_WASM_I32, V_STACK, 0, 0, 0};
  if (kind == C_IF && c->nvals > c->ctrls[c->nctrls - 1].height) {
    cond = c->vals[--c->nvals]; /* set aside while the params settle */
    has_cond = true;
  }
  CHECK(settle(c, params, np));
  /* a deferred local could be changed inside the block, and a copy emitted
     there would run only on some paths: settle them all on entry (before
     the if's jump, so both arms see them) */
  if (live(c)) materialize_locals(c);
  if (kind == C_IF) {
    if (has_cond) CHECK(push(c, cond.type, cond.kind, cond.local, cond.bits));
    CHECK(emit_cond_jump(c, false, &cond_word));
  }
  CHECK(pop_types(c, params, np));
  CHECK(push_types(c, params, np));
  CHECK(push_ctrl(c, kind, params, np, results, nr));
  ctrl *f = &c->ctrls[c->nctrls - 1];
  if (nr == 1 && results == &single) {
    f->single = single;
    f->results = &f->single;
  }
  f->else_pc = cond_word;
  if (kind == C_LOOP) {
    f->loop_pc = here(c);
    if (live(c)) {
      c->code[c->fuel_pc] = c->fuel_count;
      op(c, TEA_OP_FUEL);
      emit(c, 0);
      c->fuel_pc = c->ncode - 1;
      c->fuel_count = 0;
    }
  }
  return TEA_OK;
}

static tea_code do_else(cc *c) {
  ctrl *f = &c->ctrls[c->nctrls - 1];
  if (f->kind != C_IF) MALFORMED("else without if");
  CHECK(settle(c, f->results, f->nresults));
  CHECK(pop_types(c, f->results, f->nresults));
  if (c->nvals != f->height) INVALID("type mismatch");
  if (live(c)) {
    op(c, TEA_OP_BR);
    emit_target(c, f);
  }
  if (f->else_pc != NONE) c->code[f->else_pc] = here(c);
  f->else_pc = NONE;
  f->kind = C_ELSE;
  f->unreachable = false;
  return push_types(c, f->params, f->nparams);
}

/* Returns true when the function's final `end` was reached. */
static tea_code do_end(cc *c, bool *done) {
  ctrl *f = &c->ctrls[c->nctrls - 1];
  CHECK(settle(c, f->results, f->nresults));
  if (f->kind == C_FUNC) {
    if (c->nvals - f->height > f->nresults) INVALID("type mismatch");
    if (live(c)) emit_return(c, f->nresults);
    *done = true;
    return TEA_OK;
  }
  if (f->kind == C_IF) {
    /* no else: the false path passes the params through, so types must agree */
    if (f->nparams != f->nresults ||
        (f->nparams && memcmp(f->params, f->results, f->nparams)))
      INVALID("type mismatch");
  }
  CHECK(pop_types(c, f->results, f->nresults));
  if (c->nvals != f->height) INVALID("type mismatch");
  uint32_t pc = here(c);
  resolve(c, f->patch, pc);
  if (f->else_pc != NONE) c->code[f->else_pc] = pc;
  uint8_t kind = f->kind;
  const uint8_t *results = f->results;
  uint32_t nr = f->nresults;
  uint8_t single = f->single;
  c->nctrls--;
  if (results == &f->single) results = &single;
  CHECK(push_types(c, results, nr));
  if (kind == C_LOOP && live(c)) {
    /* charge what follows the loop separately, not on every iteration */
    c->code[c->fuel_pc] = c->fuel_count;
    op(c, TEA_OP_FUEL);
    emit(c, 0);
    c->fuel_pc = c->ncode - 1;
    c->fuel_count = 0;
  }
  return TEA_OK;
}

static tea_code do_br(cc *c, uint32_t depth) {
  ctrl *f = NULL;
  CHECK(label_at(c, depth, &f));
  CHECK(check_label_values(c, f));
  emit_branch(c, f);
  mark_unreachable(c);
  return TEA_OK;
}

static tea_code do_br_if(cc *c, uint32_t depth) {
  ctrl *f = NULL;
  CHECK(label_at(c, depth, &f));
  ctrl *top = &c->ctrls[c->nctrls - 1];
  val cond = {T_UNKNOWN, V_STACK, 0, 0, 0};
  if (c->nvals > top->height) {
    cond = c->vals[--c->nvals];
    if (cond.type != T_UNKNOWN && cond.type != TEA_WASM_I32) INVALID("type mismatch");
  } else if (!top->unreachable) {
    INVALID("type mismatch");
  }
  /* the label values sit below the condition */
  CHECK(check_label_values(c, f));
  uint32_t n;
  const uint8_t *types = label_types(f, &n);
  for (uint32_t i = 0; i < n; i++) c->vals[c->nvals - n + i].type = types[i];
  bool copies = live(c) && branch_copies(c, f);
  CHECK(push(c, cond.type, cond.kind, cond.local, cond.bits));
  if (!copies) {
    uint32_t w;
    CHECK(emit_cond_jump(c, true, &w));
    if (w != NONE) {
      if (f->kind == C_LOOP) {
        c->code[w] = loop_entry(f);
      } else {
        c->code[w] = f->patch;
        f->patch = w;
      }
    }
    return TEA_OK;
  }
  uint32_t skip;
  CHECK(emit_cond_jump(c, false, &skip));
  emit_branch(c, f);
  if (skip != NONE) c->code[skip] = here(c);
  return TEA_OK;
}

static tea_code do_br_table(cc *c) {
  uint32_t n;
  READ(tea_rd_u32(&c->r, &n));
  if (n > (uint32_t)(c->r.end - c->r.p)) MALFORMED(TEA_RD_EOF);
  uint32_t *depths = malloc(((size_t)n + 1) * sizeof *depths);
  if (!depths) return tea_fail(c->err, TEA_ERR_NOMEM, "out of memory");
  tea_code rc = TEA_OK;
  for (uint32_t i = 0; i <= n && rc == TEA_OK; i++) {
    const char *why = tea_rd_u32(&c->r, &depths[i]);
    if (why) rc = fail_at(c, TEA_ERR_MALFORMED, why);
  }
  uint32_t cond = 0;
  if (rc == TEA_OK) rc = pop_slot(c, TEA_WASM_I32, &cond);
  /* every label must accept the values; arities must agree */
  ctrl *deflt = NULL;
  if (rc == TEA_OK) rc = label_at(c, depths[n], &deflt);
  uint32_t arity = 0;
  if (rc == TEA_OK) label_types(deflt, &arity);
  for (uint32_t i = 0; i <= n && rc == TEA_OK; i++) {
    ctrl *f = NULL;
    rc = label_at(c, depths[i], &f);
    if (rc != TEA_OK) break;
    uint32_t a;
    label_types(f, &a);
    if (a != arity) {
      rc = fail_at(c, TEA_ERR_INVALID, "type mismatch");
      break;
    }
    rc = check_label_values(c, f);
  }
  if (rc == TEA_OK && live(c)) {
    op(c, TEA_OP_BR_TABLE);
    emit(c, cond);
    emit(c, n);
    uint32_t table = c->ncode;
    for (uint32_t i = 0; i <= n; i++) emit(c, NONE);
    /* targets that need copies get a stub after the table; one per depth */
    for (uint32_t i = 0; i <= n && !c->oom; i++) {
      ctrl *f = &c->ctrls[c->nctrls - 1 - depths[i]];
      uint32_t same = NONE;
      for (uint32_t j = 0; j < i; j++)
        if (depths[j] == depths[i]) {
          same = j;
          break;
        }
      if (same != NONE && branch_copies(c, f)) {
        c->code[table + i] = c->code[table + same];
        continue;
      }
      if (branch_copies(c, f)) {
        c->code[table + i] = here(c);
        emit_branch(c, f);
      } else if (f->kind == C_LOOP) {
        c->code[table + i] = loop_entry(f);
      } else {
        c->code[table + i] = f->patch;
        f->patch = table + i;
      }
    }
  }
  free(depths);
  if (rc == TEA_OK) mark_unreachable(c);
  return rc;
}

static tea_code do_call(cc *c, const tea_functype *t, bool indirect, uint32_t typeidx,
                        uint32_t table) {
  uint32_t idx_slot = 0;
  if (indirect) CHECK(pop_slot(c, TEA_WASM_I32, &idx_slot));
  CHECK(settle(c, tea_functype_params(t), t->nparams));
  CHECK(pop_types(c, tea_functype_params(t), t->nparams));
  uint32_t args = slot_at(c, c->nvals);
  if (live(c)) {
    if (indirect) {
      op(c, TEA_OP_CALL_INDIRECT);
      emit(c, typeidx);
      emit(c, table);
      emit(c, args);
      emit(c, idx_slot);
    } else {
      op(c, TEA_OP_CALL);
      emit(c, typeidx); /* the function index, for direct calls */
      emit(c, args);
    }
  }
  CHECK(push_types(c, tea_functype_results(t), t->nresults));
  return TEA_OK;
}


/* A float add whose operand is the product the last instruction computed
 * (and nothing else reads): takes the multiply back and returns its operands
 * and which side of the add the product was on. Not in deterministic mode,
 * where a CANON separates the two anyway. */
static bool take_product(cc *c, tea_op add, uint32_t *x, uint32_t *y, bool *left) {
  const ctrl *f = &c->ctrls[c->nctrls - 1];
  if (c->m->config.deterministic || !live(c) || c->last_pc == NONE || c->nvals < f->height + 2)
    return false;
  uint8_t t = add == TEA_OP_F64_ADD ? TEA_WASM_F64 : TEA_WASM_F32;
  if (c->code[c->last_pc] != (add == TEA_OP_F64_ADD ? TEA_OP_F64_MUL : TEA_OP_F32_MUL)) return false;
  const val *va = &c->vals[c->nvals - 2], *vb = &c->vals[c->nvals - 1];
  if (va->type != t || vb->type != t) return false;
  uint32_t prod = c->code[c->last_dst];
  if (vb->kind == V_STACK && vb->slot == prod) {
    *left = false;
  } else if (va->kind == V_STACK && va->slot == prod && vb->kind == V_LOCAL) {
    *left = true; /* the other operand was not computed after the product */
  } else {
    return false;
  }
  *x = c->code[c->last_pc + 1];
  *y = c->code[c->last_pc + 2];
  c->ncode = c->last_pc;
  forget_last(c);
  return true;
}

static tea_code do_numeric(cc *c, tea_op o, uint8_t in, uint8_t out, bool binary) {
  static const struct { tea_op plain, imm; bool wide; } imms[] = {
      {TEA_OP_I32_ADD, TEA_OP_I32_ADD_IMM, false}, {TEA_OP_I32_SUB, TEA_OP_I32_SUB_IMM, false},
      {TEA_OP_I32_AND, TEA_OP_I32_AND_IMM, false}, {TEA_OP_I32_OR, TEA_OP_I32_OR_IMM, false},
      {TEA_OP_I32_XOR, TEA_OP_I32_XOR_IMM, false}, {TEA_OP_I32_SHL, TEA_OP_I32_SHL_IMM, false},
      {TEA_OP_I32_SHR_S, TEA_OP_I32_SHR_S_IMM, false},
      {TEA_OP_I32_SHR_U, TEA_OP_I32_SHR_U_IMM, false},
      {TEA_OP_I32_MUL, TEA_OP_I32_MUL_IMM, false}, {TEA_OP_I64_ADD, TEA_OP_I64_ADD_IMM, true},
      {TEA_OP_I32_ROTL, TEA_OP_I32_ROTL_IMM, false}, {TEA_OP_I32_ROTR, TEA_OP_I32_ROTR_IMM, false},
      {TEA_OP_I64_OR, TEA_OP_I64_OR_IMM, true}, {TEA_OP_I64_XOR, TEA_OP_I64_XOR_IMM, true},
      {TEA_OP_I64_ROTL, TEA_OP_I64_ROTL_IMM, true},
      {TEA_OP_I64_AND, TEA_OP_I64_AND_IMM, true}, {TEA_OP_I64_SHL, TEA_OP_I64_SHL_IMM, true},
      {TEA_OP_I64_SHR_U, TEA_OP_I64_SHR_U_IMM, true},
      {TEA_OP_I64_SHR_S, TEA_OP_I64_SHR_S_IMM, true},
  };
  tea_code rc;
  if (binary && c->nvals > c->ctrls[c->nctrls - 1].height) {
    const val *top = &c->vals[c->nvals - 1];
    if (top->kind == V_CONST && top->type == in) {
      for (size_t i = 0; i < sizeof imms / sizeof imms[0]; i++) {
        if (imms[i].plain != o) continue;
        int64_t k = (int64_t)top->bits;
        if (imms[i].wide && (k < INT32_MIN || k > INT32_MAX)) break;
        uint32_t a, kw = (uint32_t)top->bits;
        c->nvals--;
        CHECK(pop_slot(c, in, &a));
        uint32_t d = push_result(c, out, &rc);
        CHECK(rc);
        if (live(c)) {
          op(c, imms[i].imm);
          emit(c, a);
          emit(c, kw);
          emit(c, d);
          c->last_pc = c->ncode - 4;
          c->last_dst = c->ncode - 1;
          if (imms[i].imm == TEA_OP_I32_ADD_IMM) c->add_pc = c->last_pc;
        }
        return TEA_OK;
      }
    }
  }
  uint32_t x, y;
  bool left;
  if ((o == TEA_OP_F64_ADD || o == TEA_OP_F32_ADD) && take_product(c, o, &x, &y, &left)) {
    uint32_t a, b;
    CHECK(pop_slot(c, in, &b));
    CHECK(pop_slot(c, in, &a));
    uint32_t d = push_result(c, out, &rc);
    CHECK(rc);
    bool f64 = o == TEA_OP_F64_ADD;
    op(c, left ? (f64 ? TEA_OP_F64_MADDR : TEA_OP_F32_MADDR) : (f64 ? TEA_OP_F64_MADD : TEA_OP_F32_MADD));
    emit(c, x);
    emit(c, y);
    emit(c, left ? b : a);
    emit(c, d);
    c->last_pc = c->ncode - 5;
    c->last_dst = c->ncode - 1;
    return TEA_OK;
  }
  uint32_t a, b = 0;
  if (binary) CHECK(pop_slot(c, in, &b));
  CHECK(pop_slot(c, in, &a));
  uint32_t d = push_result(c, out, &rc);
  CHECK(rc);
  if (!live(c)) return TEA_OK;
  op(c, o);
  uint32_t start = c->ncode - 1;
  emit(c, a);
  if (binary) emit(c, b);
  emit(c, d);
  c->last_pc = start;
  c->last_dst = c->ncode - 1;
  if (o == TEA_OP_I32_ADD) c->add_pc = start;
  if (c->m->config.deterministic && (out == TEA_WASM_F32 || out == TEA_WASM_F64)) {
    /* only arithmetic can produce a NaN whose bits the CPU chooses */
    bool bitwise = o == TEA_OP_F32_ABS || o == TEA_OP_F32_NEG || o == TEA_OP_F32_COPYSIGN ||
                   o == TEA_OP_F64_ABS || o == TEA_OP_F64_NEG || o == TEA_OP_F64_COPYSIGN ||
                   o == TEA_OP_F32_REINTERPRET_I32 || o == TEA_OP_F64_REINTERPRET_I64;
    if (!bitwise) {
      op(c, out == TEA_WASM_F32 ? TEA_OP_CANON_F32 : TEA_OP_CANON_F64);
      emit(c, d);
    }
  }
  return TEA_OK;
}

static bool is_num(uint8_t t) {
  return t == TEA_WASM_I32 || t == TEA_WASM_I64 || t == TEA_WASM_F32 || t == TEA_WASM_F64;
}
static bool is_ref(uint8_t t) { return t == TEA_WASM_FUNCREF || t == TEA_WASM_EXTERNREF; }
/* numeric or vector: what an untyped select accepts */
static bool is_numvec(uint8_t t) { return is_num(t) || t == TEA_WASM_V128; }

static tea_code do_local_set(cc *c, uint32_t x, bool tee) {
  if (x >= c->nlocals) INVALID("unknown local");
  uint8_t t = c->local_types[x];
  val v;
  uint32_t h;
  CHECK(pop_val(c, t, &v, &h));
  x = c->local_slot[x]; /* from here on, the local's slot */
  bool aliased = false;
  for (uint32_t i = 0; i < c->nvals; i++)
    if (c->vals[i].kind == V_LOCAL && c->vals[i].local == x) aliased = true;
  if (live(c)) {
    if (!aliased && v.kind == V_STACK && c->last_dst != NONE && c->code[c->last_dst] == v.slot) {
      /* retarget the producer: the value goes straight into the local */
      c->code[c->last_dst] = x;
      forget_last(c);
      if (tee) return push(c, t, V_LOCAL, x, 0);
      return TEA_OK;
    }
    if (aliased)
      for (uint32_t i = 0; i < c->nvals; i++)
        if (c->vals[i].kind == V_LOCAL && c->vals[i].local == x) materialize(c, i);
    if (v.kind == V_CONST)
      emit_const(c, v.type, v.bits, x);
    else
      emit_copy(c, v.kind == V_LOCAL ? v.local : v.slot, x, t);
  }
  if (tee) {
    v.type = t;
    return push(c, t, v.kind == V_CONST ? V_CONST : V_LOCAL, x, v.bits);
  }
  return TEA_OK;
}

static tea_code memarg(cc *c, uint32_t natural_log2, uint32_t *offset) {
  uint32_t align;
  READ(tea_rd_u32(&c->r, &align));
  READ(tea_rd_u32(&c->r, offset));
  if (c->m->nmemories == 0) INVALID("unknown memory 0");
  if (align > natural_log2) INVALID("alignment must not be larger than natural");
  return TEA_OK;
}

static uint32_t log2_size(int bytes) { return bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3; }

/* If the address operand (at stack depth `depth` from the top) was computed
 * by the instruction just emitted with i32.add or i32.add-immediate, removes
 * that instruction and returns its operands, so the access can do the add. */
static bool take_address_add(cc *c, uint32_t depth, bool *with_const, uint32_t *a, uint32_t *b) {
  if (c->last_pc == NONE || c->nvals < depth + 1 || !live(c)) return false;
  const val *addr = &c->vals[c->nvals - 1 - depth];
  if (addr->kind != V_STACK || c->code[c->last_dst] != addr->slot) return false;
  uint32_t o = c->code[c->last_pc];
  if (o != TEA_OP_I32_ADD && o != TEA_OP_I32_ADD_IMM) return false;
  *with_const = o == TEA_OP_I32_ADD_IMM;
  *a = c->code[c->last_pc + 1];
  *b = c->code[c->last_pc + 2];
  c->ncode = c->last_pc;
  forget_last(c);
  return true;
}

/* The same for an address that is a local a local.tee just set from an
 * i32.add (a pointer stepped and used at once): the add is taken back and
 * the load writes the local itself (its `t` word). */
static bool take_address_tee(cc *c, bool *with_const, uint32_t *a, uint32_t *b, uint32_t *t) {
  if (c->add_pc == NONE || c->add_pc + 4 != c->ncode || c->nvals == 0 || !live(c)) return false;
  const val *addr = &c->vals[c->nvals - 1];
  uint32_t o = c->code[c->add_pc];
  if (addr->kind != V_LOCAL || (o != TEA_OP_I32_ADD && o != TEA_OP_I32_ADD_IMM) ||
      c->code[c->add_pc + 3] != addr->local)
    return false;
  *with_const = o == TEA_OP_I32_ADD_IMM;
  *a = c->code[c->add_pc + 1];
  *b = c->code[c->add_pc + 2];
  *t = addr->local;
  c->ncode = c->add_pc;
  c->add_pc = NONE;
  forget_last(c);
  return true;
}

/* A float store of the value a MADD/MADDR just computed (of type t): takes
 * the MADD back and returns the fused store opcode and the MADD's operands.
 * The address sits below the value, so materializing it (a constant) cannot
 * overwrite them. */
static bool take_madd(cc *c, uint8_t t, tea_op *fused, uint32_t ops[3]) {
  if (c->last_pc == NONE || !live(c) || c->nvals < c->ctrls[c->nctrls - 1].height + 2) return false;
  const val *v = &c->vals[c->nvals - 1];
  if (v->kind != V_STACK || v->type != t || c->code[c->last_dst] != v->slot) return false;
  tea_op o = (tea_op)c->code[c->last_pc];
  if (o == TEA_OP_F32_MADD) *fused = TEA_OP_F32_MADD_STORE;
  else if (o == TEA_OP_F32_MADDR) *fused = TEA_OP_F32_MADDR_STORE;
  else if (o == TEA_OP_F64_MADD) *fused = TEA_OP_F64_MADD_STORE;
  else if (o == TEA_OP_F64_MADDR) *fused = TEA_OP_F64_MADDR_STORE;
  else return false;
  memcpy(ops, &c->code[c->last_pc + 1], 3 * sizeof *ops);
  c->ncode = c->last_pc;
  forget_last(c);
  return true;
}

/* After take_madd: when the multiplicand b of an F64_MADD was loaded by the
 * instruction right before it (c[j] += a * b[j]), takes that load back too
 * and returns the F64_MADD_STORE form that loads b itself, with the load's
 * operand words (all but its destination) in lw[0..*nlw). */
static bool take_madd_load(cc *c, tea_op *fused, const uint32_t ops[3], uint32_t lw[4],
                           uint32_t *nlw) {
  uint32_t lp = c->load_pc;
  if (*fused != TEA_OP_F64_MADD_STORE || lp == NONE) return false;
  uint32_t o = c->code[lp], d;
  if (o == TEA_OP_F64_LOAD) {
    *fused = TEA_OP_F64_MADD_STORE_L; /* a offset d */
    *nlw = 2;
    d = lp + 3;
  } else if (o == TEA_OP_F64_LOAD_ADDK) {
    *fused = TEA_OP_F64_MADD_STORE_LK; /* a k offset d */
    *nlw = 3;
    d = lp + 4;
  } else if (o == TEA_OP_F64_LOAD_ADDT) {
    *fused = TEA_OP_F64_MADD_STORE_LT; /* a b offset d t */
    *nlw = 4;
    d = lp + 4;
  } else {
    return false;
  }
  uint32_t len = *nlw + 2;
  /* the MADD started where the load ended, and only it read the loaded value */
  if (lp + len != c->ncode || c->code[d] != ops[1] || ops[0] == ops[1] || ops[2] == ops[1]) {
    *fused = TEA_OP_F64_MADD_STORE;
    return false;
  }
  for (uint32_t i = 0, k = lp + 1; i < *nlw; i++, k++) {
    if (k == d) k++;
    lw[i] = c->code[k];
  }
  c->ncode = lp;
  c->load_pc = NONE;
  return true;
}

static tea_code do_memory_op(cc *c, uint32_t wop) {
  uint32_t offset;
  tea_code rc;
  bool fused, teed = false, with_const;
  uint32_t fa = 0, fb = 0, ft = 0;
#define LOAD_CASE(name, w, ctype, member)                                  \
  case w: {                                                                \
    CHECK(memarg(c, log2_size(sizeof(ctype)), &offset));                   \
    uint32_t a;                                                            \
    fused = take_address_add(c, 0, &with_const, &fa, &fb);                 \
    if (!fused) teed = take_address_tee(c, &with_const, &fa, &fb, &ft);    \
    CHECK(pop_slot(c, TEA_WASM_I32, &a));                                  \
    uint8_t t = (w == 0x29 || (w >= 0x30 && w <= 0x35))   ? TEA_WASM_I64   \
                : w == 0x2a                               ? TEA_WASM_F32   \
                : w == 0x2b                               ? TEA_WASM_F64   \
                                                          : TEA_WASM_I32;  \
    uint32_t d = push_result(c, t, &rc);                                   \
    CHECK(rc);                                                             \
    if (live(c) && (fused || teed)) {                                      \
      op(c, teed ? (with_const ? TEA_OP_##name##_ADDKT : TEA_OP_##name##_ADDT) \
                 : (with_const ? TEA_OP_##name##_ADDK : TEA_OP_##name##_ADD)); \
      emit(c, fa);                                                         \
      emit(c, fb);                                                         \
      emit(c, offset);                                                     \
      emit(c, d);                                                          \
      if (teed) emit(c, ft);                                               \
      c->last_pc = c->ncode - (teed ? 6 : 5);                              \
      c->last_dst = c->ncode - (teed ? 2 : 1);                             \
    } else if (live(c)) {                                                  \
      op(c, TEA_OP_##name);                                                \
      emit(c, a);                                                          \
      emit(c, offset);                                                     \
      emit(c, d);                                                          \
      c->last_pc = c->ncode - 4;                                           \
      c->last_dst = c->ncode - 1;                                          \
    }                                                                      \
    c->load_pc = c->last_pc;                                               \
    return TEA_OK;                                                         \
  }
#define STORE_CASE(name, w, ctype, member)                                 \
  case w: {                                                                \
    CHECK(memarg(c, log2_size(sizeof(ctype)), &offset));                   \
    uint8_t t = (w == 0x37 || w >= 0x3c)   ? TEA_WASM_I64                  \
                : w == 0x38                ? TEA_WASM_F32                  \
                : w == 0x39                ? TEA_WASM_F64                  \
                                           : TEA_WASM_I32;                 \
    uint32_t a, v;                                                         \
    tea_op mo;                                                             \
    uint32_t mops[3];                                                      \
    if ((w == 0x38 || w == 0x39) && take_madd(c, t, &mo, mops)) {          \
      uint32_t lw[4], nlw = 0;                                             \
      bool from_load = take_madd_load(c, &mo, mops, lw, &nlw);             \
      CHECK(pop_slot(c, t, &v));                                           \
      CHECK(pop_slot(c, TEA_WASM_I32, &a));                                \
      op(c, mo);                                                           \
      for (uint32_t i = 0; i < nlw; i++) emit(c, lw[i]);                   \
      for (int i = 0; i < 3; i++)                                          \
        if (!from_load || i != 1) emit(c, mops[i]);                        \
      emit(c, a);                                                          \
      emit(c, offset);                                                     \
      return TEA_OK;                                                       \
    }                                                                      \
    /* a constant value would be written between the add and the store, \
       possibly over the add's operand: fuse only other values */          \
    fused = c->nvals > c->ctrls[c->nctrls - 1].height &&                   \
            c->vals[c->nvals - 1].kind == V_LOCAL &&                       \
            take_address_add(c, 1, &with_const, &fa, &fb);                 \
    CHECK(pop_slot(c, t, &v));                                             \
    CHECK(pop_slot(c, TEA_WASM_I32, &a));                                  \
    if (live(c) && fused) {                                                \
      op(c, with_const ? TEA_OP_##name##_ADDK : TEA_OP_##name##_ADD);      \
      emit(c, fa);                                                         \
      emit(c, fb);                                                         \
      emit(c, v);                                                          \
      emit(c, offset);                                                     \
    } else if (live(c)) {                                                  \
      op(c, TEA_OP_##name);                                                \
      emit(c, a);                                                          \
      emit(c, v);                                                          \
      emit(c, offset);                                                     \
    }                                                                      \
    return TEA_OK;                                                         \
  }
  switch (wop) {
    TEA_LOAD_OPS(LOAD_CASE)
    TEA_STORE_OPS(STORE_CASE)
  }
#undef LOAD_CASE
#undef STORE_CASE
  MALFORMED("illegal opcode");
}

static tea_code check_table(cc *c, uint32_t t) {
  if (t >= c->m->ntables) INVALID("unknown table");
  return TEA_OK;
}

static tea_code zero_byte(cc *c) {
  uint8_t b;
  READ(tea_rd_u8(&c->r, &b));
  if (b != 0) MALFORMED("zero byte expected");
  return TEA_OK;
}

/* Emits op with operand slots popped from the stack (listed bottom first). */
static tea_code emit_popped(cc *c, tea_op o, const uint32_t *imm, uint32_t nimm,
                            const uint8_t *types, uint32_t n, uint8_t result) {
  uint32_t slots[4];
  for (uint32_t i = n; i > 0; i--) CHECK(pop_slot(c, types[i - 1], &slots[i - 1]));
  uint32_t d = 0;
  tea_code rc = TEA_OK;
  if (result) d = push_result(c, result, &rc);
  CHECK(rc);
  if (!live(c)) return TEA_OK;
  op(c, o);
  for (uint32_t i = 0; i < nimm; i++) emit(c, imm[i]);
  for (uint32_t i = 0; i < n; i++) emit(c, slots[i]);
  if (result) emit(c, d);
  return TEA_OK;
}

static tea_code do_prefixed(cc *c) {
  uint32_t sub;
  READ(tea_rd_u32(&c->r, &sub));
  static const uint8_t I32_3[3] = {TEA_WASM_I32, TEA_WASM_I32, TEA_WASM_I32};
  tea_wasm_module *m = c->m;
  if (sub <= 7) {
    const numinfo *n = &unary_table[0x100 + sub];
    return do_numeric(c, (tea_op)n->op, n->in, n->out, false);
  }
  switch (sub) {
  case 8: { /* memory.init */
    uint32_t seg;
    READ(tea_rd_u32(&c->r, &seg));
    CHECK(zero_byte(c));
    if (m->nmemories == 0) INVALID("unknown memory 0");
    if (!m->has_data_count) INVALID("data count section required");
    if (seg >= m->data_count) INVALID("unknown data segment");
    return emit_popped(c, TEA_OP_MEMORY_INIT, &seg, 1, I32_3, 3, 0);
  }
  case 9: { /* data.drop */
    uint32_t seg;
    READ(tea_rd_u32(&c->r, &seg));
    if (!m->has_data_count) INVALID("data count section required");
    if (seg >= m->data_count) INVALID("unknown data segment");
    if (live(c)) {
      op(c, TEA_OP_DATA_DROP);
      emit(c, seg);
    }
    return TEA_OK;
  }
  case 10: /* memory.copy */
    CHECK(zero_byte(c));
    CHECK(zero_byte(c));
    if (m->nmemories == 0) INVALID("unknown memory 0");
    return emit_popped(c, TEA_OP_MEMORY_COPY, NULL, 0, I32_3, 3, 0);
  case 11: { /* memory.fill */
    CHECK(zero_byte(c));
    if (m->nmemories == 0) INVALID("unknown memory 0");
    return emit_popped(c, TEA_OP_MEMORY_FILL, NULL, 0, I32_3, 3, 0);
  }
  case 12: { /* table.init seg table */
    uint32_t imm[2];
    READ(tea_rd_u32(&c->r, &imm[1]));
    READ(tea_rd_u32(&c->r, &imm[0]));
    CHECK(check_table(c, imm[0]));
    if (imm[1] >= m->nelems) INVALID("unknown elem segment");
    if (m->elems[imm[1]].type != m->tables[imm[0]].elem) INVALID("type mismatch");
    return emit_popped(c, TEA_OP_TABLE_INIT, imm, 2, I32_3, 3, 0);
  }
  case 13: { /* elem.drop */
    uint32_t seg;
    READ(tea_rd_u32(&c->r, &seg));
    if (seg >= m->nelems) INVALID("unknown elem segment");
    if (live(c)) {
      op(c, TEA_OP_ELEM_DROP);
      emit(c, seg);
    }
    return TEA_OK;
  }
  case 14: { /* table.copy dst src */
    uint32_t imm[2];
    READ(tea_rd_u32(&c->r, &imm[0]));
    READ(tea_rd_u32(&c->r, &imm[1]));
    CHECK(check_table(c, imm[0]));
    CHECK(check_table(c, imm[1]));
    if (m->tables[imm[0]].elem != m->tables[imm[1]].elem) INVALID("type mismatch");
    return emit_popped(c, TEA_OP_TABLE_COPY, imm, 2, I32_3, 3, 0);
  }
  case 15: { /* table.grow */
    uint32_t t;
    READ(tea_rd_u32(&c->r, &t));
    CHECK(check_table(c, t));
    uint8_t types[2] = {m->tables[t].elem, TEA_WASM_I32};
    return emit_popped(c, TEA_OP_TABLE_GROW, &t, 1, types, 2, TEA_WASM_I32);
  }
  case 16: { /* table.size */
    uint32_t t;
    READ(tea_rd_u32(&c->r, &t));
    CHECK(check_table(c, t));
    return emit_popped(c, TEA_OP_TABLE_SIZE, &t, 1, NULL, 0, TEA_WASM_I32);
  }
  case 17: { /* table.fill */
    uint32_t t;
    READ(tea_rd_u32(&c->r, &t));
    CHECK(check_table(c, t));
    uint8_t types[3] = {TEA_WASM_I32, m->tables[t].elem, TEA_WASM_I32};
    return emit_popped(c, TEA_OP_TABLE_FILL, &t, 1, types, 3, 0);
  }
  }
  MALFORMED("illegal opcode");
}

#include "wasm/compile_simd.h"

/* ---- the main loop ---------------------------------------------------------------- */

static tea_code read_valtype(cc *c, uint8_t *t) {
  READ(tea_rd_u8(&c->r, t));
  if (!is_numvec(*t) && !is_ref(*t)) MALFORMED("malformed value type");
  return TEA_OK;
}

static tea_code compile_body(cc *c) {
  tea_wasm_module *m = c->m;
  tea_code rc;
  bool done = false;
  while (!done) {
    if (c->oom) return tea_fail(c->err, TEA_ERR_NOMEM, "out of memory compiling function %u", c->func_index);
    uint8_t b;
    if (c->r.p >= c->r.end) MALFORMED("unexpected end of section or function");
    b = *c->r.p++;
    c->fuel_count++;
    switch (b) {
    case 0x00:
      if (live(c)) op(c, TEA_OP_UNREACHABLE);
      mark_unreachable(c);
      break;
    case 0x01: break;
    case 0x02: CHECK(do_block(c, C_BLOCK)); break;
    case 0x03: CHECK(do_block(c, C_LOOP)); break;
    case 0x04: CHECK(do_block(c, C_IF)); break;
    case 0x05: CHECK(do_else(c)); break;
    case 0x0b: CHECK(do_end(c, &done)); break;
    case 0x0c: {
      uint32_t d;
      READ(tea_rd_u32(&c->r, &d));
      CHECK(do_br(c, d));
      break;
    }
    case 0x0d: {
      uint32_t d;
      READ(tea_rd_u32(&c->r, &d));
      CHECK(do_br_if(c, d));
      break;
    }
    case 0x0e: CHECK(do_br_table(c)); break;
    case 0x0f:
      CHECK(do_br(c, c->nctrls - 1));
      break;
    case 0x10: {
      uint32_t f;
      READ(tea_rd_u32(&c->r, &f));
      if (f >= m->nfuncs) INVALID("unknown function");
      CHECK(do_call(c, &m->types[m->func_types[f]], false, f, 0));
      break;
    }
    case 0x11: {
      uint32_t ti, table;
      READ(tea_rd_u32(&c->r, &ti));
      READ(tea_rd_u32(&c->r, &table));
      if (table >= m->ntables) INVALID("unknown table");
      if (ti >= m->ntypes) INVALID("unknown type");
      if (m->tables[table].elem != TEA_WASM_FUNCREF) INVALID("type mismatch");
      CHECK(do_call(c, &m->types[ti], true, ti, table));
      break;
    }
    case 0x1a: {
      val v;
      uint32_t h;
      CHECK(pop_val(c, T_UNKNOWN, &v, &h));
      break;
    }
    case 0x1b:
    case 0x1c: {
      uint8_t t = T_UNKNOWN;
      if (b == 0x1c) {
        uint32_t n;
        READ(tea_rd_u32(&c->r, &n));
        if (n != 1) INVALID("invalid result arity");
        CHECK(read_valtype(c, &t));
      }
      uint32_t cond, sa, sb;
      CHECK(pop_slot(c, TEA_WASM_I32, &cond));
      val vb, va;
      uint32_t hb, ha;
      CHECK(pop_val(c, t, &vb, &hb));
      CHECK(pop_val(c, t, &va, &ha));
      if (b == 0x1b) {
        if ((va.type != T_UNKNOWN && !is_numvec(va.type)) ||
            (vb.type != T_UNKNOWN && !is_numvec(vb.type)))
          INVALID("type mismatch");
        if (va.type != T_UNKNOWN && vb.type != T_UNKNOWN && va.type != vb.type) INVALID("type mismatch");
        t = va.type != T_UNKNOWN ? va.type : vb.type;
      }
      /* operands in slots: constants get written to their canonical slots */
      (void)ha;
      (void)hb;
      sa = va.kind == V_LOCAL ? va.local : va.slot;
      sb = vb.kind == V_LOCAL ? vb.local : vb.slot;
      if (live(c)) {
        if (va.kind == V_CONST) emit_const(c, va.type, va.bits, sa);
        if (vb.kind == V_CONST) emit_const(c, vb.type, vb.bits, sb);
      }
      uint32_t d = push_result(c, t, &rc);
      CHECK(rc);
      if (live(c)) {
        op(c, t == TEA_WASM_V128 ? TEA_OP_SELECT_V128 : TEA_OP_SELECT);
        emit(c, sa);
        emit(c, sb);
        emit(c, cond);
        emit(c, d);
        c->last_pc = c->ncode - 5;
        c->last_dst = c->ncode - 1;
      }
      break;
    }
    case 0x20: {
      uint32_t x;
      READ(tea_rd_u32(&c->r, &x));
      if (x >= c->nlocals) INVALID("unknown local");
      CHECK(push(c, c->local_types[x], V_LOCAL, c->local_slot[x], 0));
      break;
    }
    case 0x21:
    case 0x22: {
      uint32_t x;
      READ(tea_rd_u32(&c->r, &x));
      CHECK(do_local_set(c, x, b == 0x22));
      break;
    }
    case 0x23: {
      uint32_t g;
      READ(tea_rd_u32(&c->r, &g));
      if (g >= m->nglobals) INVALID("unknown global");
      uint32_t d = push_result(c, m->global_types[g].type, &rc);
      CHECK(rc);
      if (live(c)) {
        op(c, m->global_types[g].type == TEA_WASM_V128 ? TEA_OP_GLOBAL_GET_V128 : TEA_OP_GLOBAL_GET);
        emit(c, g);
        emit(c, d);
        c->last_pc = c->ncode - 3;
        c->last_dst = c->ncode - 1;
      }
      break;
    }
    case 0x24: {
      uint32_t g, a;
      READ(tea_rd_u32(&c->r, &g));
      if (g >= m->nglobals) INVALID("unknown global");
      if (!m->global_types[g].mutable_) INVALID("global is immutable");
      CHECK(pop_slot(c, m->global_types[g].type, &a));
      if (live(c)) {
        op(c, m->global_types[g].type == TEA_WASM_V128 ? TEA_OP_GLOBAL_SET_V128 : TEA_OP_GLOBAL_SET);
        emit(c, g);
        emit(c, a);
      }
      break;
    }
    case 0x25: { /* table.get */
      uint32_t t;
      READ(tea_rd_u32(&c->r, &t));
      CHECK(check_table(c, t));
      static const uint8_t I32_1[1] = {TEA_WASM_I32};
      CHECK(emit_popped(c, TEA_OP_TABLE_GET, &t, 1, I32_1, 1, m->tables[t].elem));
      break;
    }
    case 0x26: { /* table.set */
      uint32_t t;
      READ(tea_rd_u32(&c->r, &t));
      CHECK(check_table(c, t));
      uint8_t types[2] = {TEA_WASM_I32, m->tables[t].elem};
      CHECK(emit_popped(c, TEA_OP_TABLE_SET, &t, 1, types, 2, 0));
      break;
    }
    case 0x3f: {
      CHECK(zero_byte(c));
      if (m->nmemories == 0) INVALID("unknown memory 0");
      CHECK(emit_popped(c, TEA_OP_MEMORY_SIZE, NULL, 0, NULL, 0, TEA_WASM_I32));
      break;
    }
    case 0x40: {
      CHECK(zero_byte(c));
      if (m->nmemories == 0) INVALID("unknown memory 0");
      static const uint8_t I32_1[1] = {TEA_WASM_I32};
      CHECK(emit_popped(c, TEA_OP_MEMORY_GROW, NULL, 0, I32_1, 1, TEA_WASM_I32));
      break;
    }
    case 0x41: {
      int64_t k;
      READ(tea_rd_sleb(&c->r, 32, &k));
      CHECK(push(c, TEA_WASM_I32, V_CONST, 0, (uint32_t)k));
      break;
    }
    case 0x42: {
      int64_t k;
      READ(tea_rd_sleb(&c->r, 64, &k));
      CHECK(push(c, TEA_WASM_I64, V_CONST, 0, (uint64_t)k));
      break;
    }
    case 0x43: {
      const uint8_t *p;
      READ(tea_rd_bytes(&c->r, 4, &p));
      uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
      CHECK(push(c, TEA_WASM_F32, V_CONST, 0, k));
      break;
    }
    case 0x44: {
      const uint8_t *p;
      READ(tea_rd_bytes(&c->r, 8, &p));
      uint64_t k = 0;
      for (int i = 7; i >= 0; i--) k = k << 8 | p[i];
      CHECK(push(c, TEA_WASM_F64, V_CONST, 0, k));
      break;
    }
    case 0xd0: { /* ref.null */
      uint8_t t;
      READ(tea_rd_u8(&c->r, &t));
      if (!is_ref(t)) MALFORMED("malformed reference type");
      CHECK(push(c, t, V_CONST, 0, 0));
      break;
    }
    case 0xd1: { /* ref.is_null */
      if (c->nvals > c->ctrls[c->nctrls - 1].height) {
        uint8_t t = c->vals[c->nvals - 1].type;
        if (t != T_UNKNOWN && !is_ref(t)) INVALID("type mismatch");
      }
      uint32_t a;
      CHECK(pop_slot(c, T_UNKNOWN, &a));
      uint32_t d = push_result(c, TEA_WASM_I32, &rc);
      CHECK(rc);
      if (live(c)) {
        op(c, TEA_OP_REF_IS_NULL);
        emit(c, a);
        emit(c, d);
      }
      break;
    }
    case 0xd2: { /* ref.func */
      uint32_t f;
      READ(tea_rd_u32(&c->r, &f));
      if (f >= m->nfuncs) INVALID("unknown function");
      if (!m->func_declared[f]) INVALID("undeclared function reference");
      uint32_t d = push_result(c, TEA_WASM_FUNCREF, &rc);
      CHECK(rc);
      if (live(c)) {
        op(c, TEA_OP_REF_FUNC);
        emit(c, f);
        emit(c, d);
      }
      break;
    }
    case 0xfc: CHECK(do_prefixed(c)); break;
    case 0xfd: CHECK(do_simd(c)); break;
    default:
      if (b >= 0x28 && b <= 0x3e) {
        CHECK(do_memory_op(c, b));
      } else if (binary_table[b].in) {
        CHECK(do_numeric(c, (tea_op)binary_table[b].op, binary_table[b].in, binary_table[b].out, true));
      } else if (unary_table[b].in) {
        CHECK(do_numeric(c, (tea_op)unary_table[b].op, unary_table[b].in, unary_table[b].out, false));
      } else {
        MALFORMED("illegal opcode");
      }
    }
  }
  if (c->r.p != c->r.end) MALFORMED("section size mismatch");
  return TEA_OK;
}

/* Branch words hold absolute code positions while compiling (forward ones are
 * patched late); the interpreter wants them relative to their instruction, so
 * it needs no code base register. */
static void relocate(uint32_t *code, uint32_t n) {
  static const uint8_t words[TEA_OP_COUNT] = TEA_OP_WORDS_INIT;
  for (uint32_t pc = 0; pc < n;) {
    uint32_t o = code[pc];
    uint32_t len = 1u + words[o];
    if (o == TEA_OP_BR) {
      code[pc + 1] -= pc;
    } else if (o == TEA_OP_BR_IF || o == TEA_OP_BR_UNLESS) {
      code[pc + 2] -= pc;
    } else if (o == TEA_OP_BR_TABLE) {
      uint32_t k = code[pc + 2];
      for (uint32_t i = 0; i <= k; i++) code[pc + 3 + i] -= pc;
      len += k + 1;
    } else if (o >= TEA_OP_BR_I32_EQ && o <= TEA_OP_INC_BR_I32_GE_U_IMM) {
      code[pc + words[o]] -= pc;
    }
    pc += len;
  }
}

tea_code tea_compile_function(tea_wasm_module *m, uint32_t index, tea_error *err) {
  tea_func_def *fn = &m->funcs[index];
  const tea_functype *ft = &m->types[fn->type];
  cc c;
  memset(&c, 0, sizeof c);
  c.m = m;
  c.ft = ft;
  c.func_index = m->nfunc_imports + index;
  c.r.p = fn->body;
  c.r.end = fn->body + fn->body_len;
  c.body_start = fn->body;
  c.body_offset = fn->body_offset;
  c.err = err;
  c.last_pc = c.last_dst = c.const_pc = c.add_pc = c.copy_pc = c.load_pc = NONE;
  uint64_t nlocals = ft->nparams + fn->nlocals;
  if (nlocals > TEA_MAX_FUNC_LOCALS + 1000u) return fail_at(&c, TEA_ERR_MALFORMED, "too many locals");
  c.nlocals = (uint32_t)nlocals;
  c.base = c.nlocals;
  c.local_types = malloc(nlocals ? nlocals : 1);
  c.local_slot = malloc((nlocals ? nlocals : 1) * sizeof *c.local_slot);
  tea_compiled *out = calloc(1, sizeof *out);
  tea_code rc = TEA_OK;
  if (!c.local_types || !c.local_slot || !out) {
    rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory compiling function %u", c.func_index);
    goto done;
  }
  if (ft->nparams) memcpy(c.local_types, tea_functype_params(ft), ft->nparams);
  {
    uint32_t at = ft->nparams;
    for (uint32_t i = 0; i < fn->nlocal_runs; i++) {
      uint8_t t = fn->local_runs[i].type;
      memset(c.local_types + at, t, fn->local_runs[i].count);
      at += fn->local_runs[i].count;
    }
    /* locals are addressed by slot: a v128 takes two */
    uint32_t slot = 0;
    for (uint32_t i = 0; i < c.nlocals; i++) {
      c.local_slot[i] = slot;
      slot += tea_slot_width(c.local_types[i]);
    }
    c.base = slot;
  }
  rc = push_ctrl(&c, C_FUNC, NULL, 0, tea_functype_results(ft), ft->nresults);
  if (rc != TEA_OK) goto done;
  op(&c, TEA_OP_FUEL);
  emit(&c, 0);
  c.fuel_pc = c.ncode - 1;
  rc = compile_body(&c);
  if (rc == TEA_OK && c.oom) rc = tea_fail(err, TEA_ERR_NOMEM, "out of memory compiling function %u", c.func_index);
  if (rc != TEA_OK) goto done;
  c.code[c.fuel_pc] = c.fuel_count;
  relocate(c.code, c.ncode);
  out->code = c.code;
  out->ncode = c.ncode;
  out->nparams = ft->param_slots;
  out->nlocals = c.base - ft->param_slots;
  out->frame_size = c.base + c.max_height + 1;
  if (out->frame_size < ft->result_slots) out->frame_size = ft->result_slots;
  c.code = NULL;
  fn->code = out;
  out = NULL;
  m->code_size += (size_t)fn->code->ncode * 4;
done:
  free(out);
  free(c.code);
  free(c.vals);
  free(c.ctrls);
  free(c.local_types);
  free(c.local_slot);
  return rc;
}

void tea_compiled_free(tea_compiled *c) {
  if (!c) return;
  free(c->code);
  free(c);
}
