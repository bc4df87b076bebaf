/* NaN bits from float arithmetic (a wasm32-wasi program for the determinism
 * check). Which NaN an operation makes is the CPU's choice (x86 sets the
 * sign bit of a fresh NaN, Arm does not, payloads propagate differently);
 * the engine's deterministic mode makes every one canonical, so the printed
 * bits must agree everywhere. volatile keeps clang from folding the
 * operations at compile time, where the CPU would not be asked. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t bits64(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static uint32_t bits32(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

int main(void) {
  volatile double zero = 0.0, inf = INFINITY, one = 1.0;
  volatile float fzero = 0.0f, finf = INFINITY;
  uint64_t payload = 0x7ff4000000000123ull; /* a signalling NaN with a payload */
  double snan;
  memcpy(&snan, &payload, sizeof snan);
  volatile double vsnan = snan, neg_nan = -(zero / zero);
  double d[] = {zero / zero,     inf - inf,          zero * inf,         sqrt(-one),
                vsnan + one,     neg_nan * one,      fmin(vsnan, one),   fmax(neg_nan, -one),
                (double)(float)vsnan, fma(zero, inf, one), trunc(vsnan), nearbyint(neg_nan)};
  for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) printf("f64 %zu %016" PRIx64 "\n", i, bits64(d[i]));
  float f[] = {fzero / fzero, finf - finf, sqrtf(-(float)one), (float)vsnan, fminf(fzero / fzero, 1.0f),
               ceilf((float)neg_nan)};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) printf("f32 %zu %08" PRIx32 "\n", i, bits32(f[i]));
  return 0;
}
