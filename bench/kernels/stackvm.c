/* A small bytecode interpreter: a stack machine with locals, calls, a word-addressed
 * data memory and a switch-dispatched loop, plus a tiny assembler with labels. The
 * program it runs (recursive Fibonacci, a sieve of Eratosthenes, Collatz step counts
 * and a nested-loop hash) is loop- and call-heavy; every OUT instruction folds a
 * value into the checksum. Values are 32-bit with wrapping arithmetic. */
#include "common.h"

enum {
  OP_HALT, OP_PUSH, OP_POP, OP_DUP, OP_SWAP, OP_OVER,
  OP_ADD, OP_SUB, OP_MUL, OP_REMU, OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHRU,
  OP_LTU, OP_LTS, OP_EQ, OP_NE, OP_JMP, OP_JZ, OP_JNZ,
  OP_LOAD, OP_STORE, OP_ADDI_LOCAL, OP_LOADM, OP_STOREM,
  OP_ENTER, OP_CALL, OP_RET, OP_OUT
};

/* ---- assembler ---- */
#define MAXCODE 4096
#define MAXLABELS 64

typedef struct {
  int32_t code[MAXCODE];
  int n;
  int label_at[MAXLABELS];
  int fix_pos[MAXCODE], fix_label[MAXCODE], nfix;
} asm_t;

static void emit(asm_t *a, int32_t v) {
  if (a->n >= MAXCODE) bench_fail("program too long");
  a->code[a->n++] = v;
}
static void op(asm_t *a, int32_t o) { emit(a, o); }
static void op1(asm_t *a, int32_t o, int32_t imm) { emit(a, o); emit(a, imm); }
static void label(asm_t *a, int l) { a->label_at[l] = a->n; }
static void jump(asm_t *a, int32_t o, int l) { /* jumps and calls take a label */
  emit(a, o);
  a->fix_pos[a->nfix] = a->n;
  a->fix_label[a->nfix++] = l;
  emit(a, 0);
}
static void call(asm_t *a, int l, int32_t nargs) {
  jump(a, OP_CALL, l);
  emit(a, nargs);
}
static void link(asm_t *a) {
  for (int i = 0; i < a->nfix; i++) {
    int at = a->label_at[a->fix_label[i]];
    if (at < 0) bench_fail("undefined label");
    a->code[a->fix_pos[i]] = at;
  }
}

enum { L_MAIN, L_FIB, L_FIB_REC, L_SIEVE, L_S_INIT, L_S_OUTER, L_S_INNER, L_S_SKIP, L_S_NEXT,
       L_S_COUNT, L_S_CLOOP, L_S_CSKIP, L_S_DONE, L_COLLATZ, L_C_OUTER, L_C_WHILE, L_C_EVEN,
       L_C_STEP, L_C_NEXT, L_C_DONE, L_NEST, L_N_I, L_N_J, L_N_JDONE, L_N_DONE, L_M_LOOP };

static void build(asm_t *a, int32_t fib_n, int32_t sieve_n, int32_t collatz_m, int32_t nest_n,
                  int32_t reps) {
  for (int i = 0; i < MAXLABELS; i++) a->label_at[i] = -1;
  a->n = a->nfix = 0;

  /* main: local 0 = repetition counter */
  label(a, L_MAIN);
  op1(a, OP_ENTER, 1);
  op1(a, OP_PUSH, reps); op1(a, OP_STORE, 0);
  label(a, L_M_LOOP);
  op1(a, OP_PUSH, fib_n); call(a, L_FIB, 1); op(a, OP_OUT);
  op1(a, OP_PUSH, sieve_n); call(a, L_SIEVE, 1); op(a, OP_OUT);
  op1(a, OP_PUSH, collatz_m); op1(a, OP_LOAD, 0); op(a, OP_ADD); call(a, L_COLLATZ, 1); op(a, OP_OUT);
  op1(a, OP_PUSH, nest_n); call(a, L_NEST, 1); op(a, OP_OUT);
  op1(a, OP_ADDI_LOCAL, 0); emit(a, -1);
  op1(a, OP_LOAD, 0); jump(a, OP_JNZ, L_M_LOOP);
  op(a, OP_HALT);

  /* fib(n) = n < 2 ? n : fib(n-1) + fib(n-2) */
  label(a, L_FIB);
  op1(a, OP_ENTER, 0);
  op1(a, OP_LOAD, 0); op1(a, OP_PUSH, 2); op(a, OP_LTS); jump(a, OP_JZ, L_FIB_REC);
  op1(a, OP_LOAD, 0); op(a, OP_RET);
  label(a, L_FIB_REC);
  op1(a, OP_LOAD, 0); op1(a, OP_PUSH, 1); op(a, OP_SUB); call(a, L_FIB, 1);
  op1(a, OP_LOAD, 0); op1(a, OP_PUSH, 2); op(a, OP_SUB); call(a, L_FIB, 1);
  op(a, OP_ADD); op(a, OP_RET);

  /* sieve(n): locals n=0, i=1, j=2, count=3; returns number of primes <= n */
  label(a, L_SIEVE);
  op1(a, OP_ENTER, 3);
  op1(a, OP_PUSH, 2); op1(a, OP_STORE, 1);
  label(a, L_S_INIT); /* mem[i] = 1 for i in 2..n */
  op1(a, OP_LOAD, 1); op1(a, OP_PUSH, 1); op(a, OP_STOREM);
  op1(a, OP_ADDI_LOCAL, 1); emit(a, 1);
  op1(a, OP_LOAD, 0); op1(a, OP_LOAD, 1); op(a, OP_LTU); jump(a, OP_JZ, L_S_INIT);
  op1(a, OP_PUSH, 2); op1(a, OP_STORE, 1);
  label(a, L_S_OUTER); /* while i*i <= n */
  op1(a, OP_LOAD, 0); op1(a, OP_LOAD, 1); op(a, OP_DUP); op(a, OP_MUL); op(a, OP_LTU);
  jump(a, OP_JNZ, L_S_COUNT);
  op1(a, OP_LOAD, 1); op(a, OP_LOADM); jump(a, OP_JZ, L_S_NEXT);
  op1(a, OP_LOAD, 1); op(a, OP_DUP); op(a, OP_MUL); op1(a, OP_STORE, 2);
  label(a, L_S_INNER); /* for j = i*i; j <= n; j += i: mem[j] = 0 */
  op1(a, OP_LOAD, 0); op1(a, OP_LOAD, 2); op(a, OP_LTU); jump(a, OP_JNZ, L_S_NEXT);
  op1(a, OP_LOAD, 2); op1(a, OP_PUSH, 0); op(a, OP_STOREM);
  op1(a, OP_LOAD, 2); op1(a, OP_LOAD, 1); op(a, OP_ADD); op1(a, OP_STORE, 2);
  jump(a, OP_JMP, L_S_INNER);
  label(a, L_S_NEXT);
  op1(a, OP_ADDI_LOCAL, 1); emit(a, 1);
  jump(a, OP_JMP, L_S_OUTER);
  label(a, L_S_COUNT);
  op1(a, OP_PUSH, 0); op1(a, OP_STORE, 3);
  op1(a, OP_PUSH, 2); op1(a, OP_STORE, 1);
  label(a, L_S_CLOOP);
  op1(a, OP_LOAD, 0); op1(a, OP_LOAD, 1); op(a, OP_LTU); jump(a, OP_JNZ, L_S_DONE);
  op1(a, OP_LOAD, 1); op(a, OP_LOADM); op1(a, OP_LOAD, 3); op(a, OP_ADD); op1(a, OP_STORE, 3);
  op1(a, OP_ADDI_LOCAL, 1); emit(a, 1);
  jump(a, OP_JMP, L_S_CLOOP);
  label(a, L_S_DONE);
  op1(a, OP_LOAD, 3); op(a, OP_RET);

  /* collatz(m): total steps to reach 1 for every start in 1..m; locals m, i, x, total */
  label(a, L_COLLATZ);
  op1(a, OP_ENTER, 3);
  op1(a, OP_PUSH, 1); op1(a, OP_STORE, 1);
  op1(a, OP_PUSH, 0); op1(a, OP_STORE, 3);
  label(a, L_C_OUTER);
  op1(a, OP_LOAD, 0); op1(a, OP_LOAD, 1); op(a, OP_LTU); jump(a, OP_JNZ, L_C_DONE);
  op1(a, OP_LOAD, 1); op1(a, OP_STORE, 2);
  label(a, L_C_WHILE);
  op1(a, OP_LOAD, 2); op1(a, OP_PUSH, 1); op(a, OP_EQ); jump(a, OP_JNZ, L_C_NEXT);
  op1(a, OP_LOAD, 2); op1(a, OP_PUSH, 1); op(a, OP_AND); jump(a, OP_JZ, L_C_EVEN);
  op1(a, OP_LOAD, 2); op1(a, OP_PUSH, 3); op(a, OP_MUL); op1(a, OP_PUSH, 1); op(a, OP_ADD);
  op1(a, OP_STORE, 2); jump(a, OP_JMP, L_C_STEP);
  label(a, L_C_EVEN);
  op1(a, OP_LOAD, 2); op1(a, OP_PUSH, 1); op(a, OP_SHRU); op1(a, OP_STORE, 2);
  label(a, L_C_STEP);
  op1(a, OP_ADDI_LOCAL, 3); emit(a, 1);
  jump(a, OP_JMP, L_C_WHILE);
  label(a, L_C_NEXT);
  op1(a, OP_ADDI_LOCAL, 1); emit(a, 1);
  jump(a, OP_JMP, L_C_OUTER);
  label(a, L_C_DONE);
  op1(a, OP_LOAD, 3); op(a, OP_RET);

  /* nest(n): h = 0; for i < n: for j < n: h = (h ^ (i*j + (h >> 3))) * 33 % 1000003;
   * locals n, i, j, h */
  label(a, L_NEST);
  op1(a, OP_ENTER, 3);
  op1(a, OP_PUSH, 0); op1(a, OP_STORE, 1);
  op1(a, OP_PUSH, 0); op1(a, OP_STORE, 3);
  label(a, L_N_I);
  op1(a, OP_LOAD, 1); op1(a, OP_LOAD, 0); op(a, OP_LTU); jump(a, OP_JZ, L_N_DONE);
  op1(a, OP_PUSH, 0); op1(a, OP_STORE, 2);
  label(a, L_N_J);
  op1(a, OP_LOAD, 2); op1(a, OP_LOAD, 0); op(a, OP_LTU); jump(a, OP_JZ, L_N_JDONE);
  op1(a, OP_LOAD, 3);
  op1(a, OP_LOAD, 1); op1(a, OP_LOAD, 2); op(a, OP_MUL);
  op1(a, OP_LOAD, 3); op1(a, OP_PUSH, 3); op(a, OP_SHRU); op(a, OP_ADD);
  op(a, OP_XOR); op1(a, OP_PUSH, 33); op(a, OP_MUL); op1(a, OP_PUSH, 1000003); op(a, OP_REMU);
  op1(a, OP_STORE, 3);
  op1(a, OP_ADDI_LOCAL, 2); emit(a, 1);
  jump(a, OP_JMP, L_N_J);
  label(a, L_N_JDONE);
  op1(a, OP_ADDI_LOCAL, 1); emit(a, 1);
  jump(a, OP_JMP, L_N_I);
  label(a, L_N_DONE);
  op1(a, OP_LOAD, 3); op(a, OP_RET);

  link(a);
}

/* ---- the machine ---- */
#define STACK 65536
#define CALLS 4096
#define MEMWORDS (1 << 20)

typedef struct {
  uint64_t executed, out_hash, outs;
} result_t;

static int run(const int32_t *code, int ncode, uint32_t *mem, result_t *res) {
  uint32_t *stack = xmalloc(STACK * sizeof(uint32_t));
  int32_t *ret_pc = xmalloc(CALLS * sizeof(int32_t)), *ret_fp = xmalloc(CALLS * sizeof(int32_t));
  int sp = 0, fp = 0, csp = 0, pc = 0, status = 0;
  uint64_t n = 0, h = FNV64_INIT, outs = 0;
#define NEED(k) do { if (sp < (k)) { status = 1; goto done; } } while (0)
#define ROOM(k) do { if (sp + (k) > STACK) { status = 2; goto done; } } while (0)
#define IMM() (code[pc++])
  for (;;) {
    if (pc < 0 || pc >= ncode) { status = 3; goto done; }
    n++;
    int32_t o = code[pc++];
    switch (o) {
    case OP_HALT: goto done;
    case OP_PUSH: ROOM(1); stack[sp++] = (uint32_t)IMM(); break;
    case OP_POP: NEED(1); sp--; break;
    case OP_DUP: NEED(1); ROOM(1); stack[sp] = stack[sp - 1]; sp++; break;
    case OP_SWAP: { NEED(2); uint32_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
    case OP_OVER: NEED(2); ROOM(1); stack[sp] = stack[sp - 2]; sp++; break;
#define BIN(expr) do { NEED(2); uint32_t b = stack[--sp], a = stack[sp - 1]; stack[sp - 1] = (expr); } while (0)
    case OP_ADD: BIN(a + b); break;
    case OP_SUB: BIN(a - b); break;
    case OP_MUL: BIN(a * b); break;
    case OP_REMU: NEED(2); if (stack[sp - 1] == 0) { status = 4; goto done; } BIN(a % b); break;
    case OP_AND: BIN(a & b); break;
    case OP_OR: BIN(a | b); break;
    case OP_XOR: BIN(a ^ b); break;
    case OP_SHL: BIN(a << (b & 31)); break;
    case OP_SHRU: BIN(a >> (b & 31)); break;
    case OP_LTU: BIN(a < b); break;
    case OP_LTS: BIN((int32_t)a < (int32_t)b); break;
    case OP_EQ: BIN(a == b); break;
    case OP_NE: BIN(a != b); break;
    case OP_JMP: pc = code[pc]; break;
    case OP_JZ: { NEED(1); int32_t t = IMM(); if (stack[--sp] == 0) pc = t; break; }
    case OP_JNZ: { NEED(1); int32_t t = IMM(); if (stack[--sp] != 0) pc = t; break; }
    case OP_LOAD: { int32_t i = IMM(); if (fp + i >= sp) { status = 5; goto done; } ROOM(1); stack[sp] = stack[fp + i]; sp++; break; }
    case OP_STORE: { int32_t i = IMM(); NEED(1); if (fp + i >= sp - 1) { status = 5; goto done; } stack[fp + i] = stack[--sp]; break; }
    case OP_ADDI_LOCAL: { int32_t i = IMM(), k = IMM(); if (fp + i >= sp) { status = 5; goto done; } stack[fp + i] += (uint32_t)k; break; }
    case OP_LOADM: { NEED(1); uint32_t a = stack[sp - 1]; if (a >= MEMWORDS) { status = 6; goto done; } stack[sp - 1] = mem[a]; break; }
    case OP_STOREM: { NEED(2); uint32_t v = stack[--sp], a = stack[--sp]; if (a >= MEMWORDS) { status = 6; goto done; } mem[a] = v; break; }
    case OP_ENTER: { int32_t k = IMM(); ROOM(k); for (int32_t i = 0; i < k; i++) stack[sp++] = 0; break; }
    case OP_CALL: {
      int32_t t = IMM(), nargs = IMM();
      NEED(nargs);
      if (csp >= CALLS) { status = 7; goto done; }
      ret_pc[csp] = pc; ret_fp[csp++] = fp;
      fp = sp - nargs;
      pc = t;
      break;
    }
    case OP_RET: {
      NEED(1);
      if (csp == 0) { status = 8; goto done; }
      uint32_t v = stack[sp - 1];
      sp = fp;
      stack[sp++] = v;
      pc = ret_pc[--csp]; fp = ret_fp[csp];
      break;
    }
    case OP_OUT: NEED(1); h = mix64(h, stack[--sp]); outs++; break;
    default: status = 9; goto done;
    }
  }
done:
  res->executed = n;
  res->out_hash = h;
  res->outs = outs;
  free(stack); free(ret_pc); free(ret_fp);
  return status;
}

int main(int argc, char **argv) {
  int reps = bench_scale(argc, argv, 2);
  static asm_t a;
  build(&a, 22, 100000, 12000, 300, reps);
  uint32_t *mem = xcalloc(MEMWORDS, sizeof(uint32_t));
  result_t r;
  int st = run(a.code, a.n, mem, &r);
  if (st != 0) {
    fprintf(stderr, "vm fault %d\n", st);
    return 1;
  }
  printf("stackvm reps=%d code=%d executed=%" PRIu64 " outs=%" PRIu64 " hash=%016" PRIx64 "\n",
         reps, a.n, r.executed, r.outs, r.out_hash);
  free(mem);
  return 0;
}
