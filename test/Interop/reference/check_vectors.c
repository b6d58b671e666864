/* check_vectors.c -- re-derive every line of vectors.txt with the plain-C
 * formulas written in FORMULAS.md, to prove those formulas are bit exact.
 *
 *   gcc -O2 -std=c11 -ffp-contract=off -o check_vectors check_vectors.c -lm
 *   ./check_vectors vectors.txt
 *
 * -ffp-contract=off matters: the formulas are stated with separately rounded
 * float32 operations; FMAs are written explicitly with fmaf() where a
 * framework fuses.  x86-64 assumed (the float->int conversion artefacts of
 * PyTorch/numpy are emulated explicitly, not relied upon).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* static_cast<int64_t>(float) / lrintf on x86-64: NaN or out of range -> INT64_MIN */
static int64_t cvt_i64_x86(float v) {
  if (isnan(v) || v >= 0x1p63f || v < -0x1p63f) return INT64_MIN;
  return (int64_t)v;
}
/* numpy float32 -> int32 astype on x86-64: NaN or out of range -> INT32_MIN */
static int32_t cvt_i32_x86(float v) {
  if (isnan(v) || v >= 0x1p31f || v < -0x1p31f) return INT32_MIN;
  return (int32_t)v;
}

static void qrange(const char *dt, int64_t *lo, int64_t *hi) {
  if (!strcmp(dt, "int8")) { *lo = -128; *hi = 127; }
  else if (!strcmp(dt, "uint8")) { *lo = 0; *hi = 255; }
  else if (!strcmp(dt, "int32")) { *lo = INT32_MIN; *hi = INT32_MAX; }
  else { long a, b; sscanf(dt, "q%ld:%ld", &a, &b); *lo = a; *hi = b; }
}

/* ---- PyTorch 1.13 (x86-64, no FBGEMM) ---- */
static int64_t pt_quantize(float x, float s, int64_t zp, int64_t lo, int64_t hi) {
  float inv = 1.0f / s;
  float r = nearbyintf(x * inv);
  float v = (float)zp + r;                 /* int64 + float -> float add */
  return clamp64(cvt_i64_x86(v), lo, hi);
}
static float pt_dequant_pt(int64_t q, float s, int64_t zp) {
  int32_t d = (int32_t)(uint32_t)((uint32_t)(int32_t)q - (uint32_t)(int32_t)zp); /* int32 sub */
  return s * (float)d;
}
static float pt_dequant_pc(int64_t q, double s64, int64_t zp) {
  float a = (float)q - (float)zp;          /* float - (float)int64 */
  return (float)((double)a * s64);
}
static float pt_fake(float x, float s, int64_t zp, int64_t lo, int64_t hi) {
  float inv = 1.0f / s;
  int64_t q = cvt_i64_x86((float)zp + nearbyintf(x * inv));
  double qc = fmin(fmax((double)q, (double)lo), (double)hi);
  return (float)((qc - (double)zp) * (double)s);
}
static float pt_fake_fzp(float x, float s, float zpf, int64_t lo, int64_t hi, int fma) {
  float inv = 1.0f / s;
  float t = fma ? fmaf(x, inv, zpf) : zpf + x * inv;
  int64_t q = cvt_i64_x86(nearbyintf(t));  /* lrint */
  double qc = fmin(fmax((double)q, (double)lo), (double)hi);
  return (float)((qc - (double)zpf) * (double)s);
}
/* ---- ONNX reference ---- */
static int64_t onnx_quantize(float x, float s, int64_t zp, int64_t lo, int64_t hi) {
  float t = x / s;
  int32_t xi = cvt_i32_x86(nearbyintf(t));
  xi = (int32_t)(uint32_t)((uint32_t)xi + (uint32_t)(int32_t)zp);   /* int32 add, wraps */
  return clamp64(xi, lo, hi);
}
static float onnx_dequant(int64_t q, float s, int64_t zp) { return ((float)q - (float)zp) * s; }
/* ---- exact ---- */
static int64_t exact_quantize(float x, float s, int64_t zp, int64_t lo, int64_t hi) {
  if (isnan(x)) return lo;
  double q = (double)x / (double)s;        /* exact rounding for |q| < 2^28, saturated beyond */
  if (q >= 0x1p40) return hi;
  if (q <= -0x1p40) return lo;
  return clamp64((int64_t)nearbyint(q) + zp, lo, hi);
}

static int fbits_eq(float a, float b) { uint32_t x, y; memcpy(&x, &a, 4); memcpy(&y, &b, 4); return x == y; }

int main(int argc, char **argv) {
  FILE *f = fopen(argc > 1 ? argv[1] : "vectors.txt", "r");
  if (!f) { perror("open"); return 2; }
  char line[1024], fw[32], op[96], dt[32], sc[64], zps[64], xs[64], es[64];
  long n = 0, bad = 0, skipped = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    if (sscanf(line, "%31s %95s %31s %63s %63s %63s %63s", fw, op, dt, sc, zps, xs, es) != 7) { skipped++; continue; }
    int64_t lo, hi; qrange(dt, &lo, &hi);
    int is_d = !strncmp(sc, "d:", 2);
    double s64 = strtod(is_d ? sc + 2 : sc, NULL);
    float s = (float)s64;
    int ok = 1, known = 1;
    if (!strcmp(fw, "pytorch") && (!strcmp(op, "quantize_per_tensor") || !strncmp(op, "quantize_per_channel", 20))) {
      ok = pt_quantize(strtof(xs, NULL), s, atoll(zps), lo, hi) == atoll(es);
    } else if (!strcmp(fw, "pytorch") && !strcmp(op, "dequantize_per_tensor")) {
      ok = fbits_eq(pt_dequant_pt(atoll(xs), s, atoll(zps)), strtof(es, NULL));
    } else if (!strcmp(fw, "pytorch") && !strncmp(op, "dequantize_per_channel", 22)) {
      ok = fbits_eq(pt_dequant_pc(atoll(xs), s64, atoll(zps)), strtof(es, NULL));
    } else if (!strcmp(fw, "pytorch") && strstr(op, "_fzp[")) {
      int fma = strstr(op, "[FMA]") != NULL;
      ok = fbits_eq(pt_fake_fzp(strtof(xs, NULL), s, strtof(zps, NULL), lo, hi, fma), strtof(es, NULL));
    } else if (!strcmp(fw, "pytorch") && !strncmp(op, "fake_quantize", 13)) {
      ok = fbits_eq(pt_fake(strtof(xs, NULL), s, atoll(zps), lo, hi), strtof(es, NULL));
    } else if (!strcmp(fw, "onnx") && !strncmp(op, "QuantizeLinear", 14)) {
      ok = onnx_quantize(strtof(xs, NULL), s, atoll(zps), lo, hi) == atoll(es);
    } else if (!strcmp(fw, "onnx") && !strcmp(op, "DequantizeLinear")) {
      ok = fbits_eq(onnx_dequant(atoll(xs), s, atoll(zps)), strtof(es, NULL));
    } else if (!strcmp(fw, "exact")) {
      ok = exact_quantize(strtof(xs, NULL), s, atoll(zps), lo, hi) == atoll(es);
    } else known = 0;
    if (!known) { skipped++; continue; }
    n++;
    if (!ok) { bad++; if (bad <= 20) fprintf(stderr, "MISMATCH: %s", line); }
  }
  printf("checked %ld lines, %ld mismatches, %ld skipped\n", n, bad, skipped);
  return bad != 0;
}
