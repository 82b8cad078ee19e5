/*
 * Times TA-Lib's own C functions on the same seeded random walk bench/indicators.ts uses (mulberry32, identical
 * arithmetic), one call over all N candles per repetition; prints "NAME ns_per_candle" (minimum over repetitions).
 * Built by bench/indicators.ts with gcc -O2 against node_modules/talib's static libraries.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "ta_libc.h"

static uint32_t rng_state;
static double rnd(void) {
  rng_state += 0x6d2b79f5u;
  uint32_t t = rng_state;
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return (double)(t ^ (t >> 14)) / 4294967296.0;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int N, REPS;
static double *o, *h, *l, *c, *v, *o1, *o2, *o3;
static int *oi;
static int beg, nb;

#define TIME(NAME, CALL)                                   \
  do {                                                     \
    double best = 1e300;                                   \
    for (int r = 0; r < REPS + 1; r++) {                   \
      double t0 = now_ns();                                \
      CALL;                                                \
      double dt = now_ns() - t0;                           \
      if (r > 0 && dt < best) best = dt;                   \
    }                                                      \
    printf("%s %.3f\n", NAME, best / N);                   \
  } while (0)

int main(int argc, char **argv) {
  N = argc > 1 ? atoi(argv[1]) : 1000000;
  REPS = argc > 2 ? atoi(argv[2]) : 5;
  rng_state = argc > 3 ? (uint32_t)atoi(argv[3]) : 42u;
  o = malloc(sizeof(double) * N); h = malloc(sizeof(double) * N); l = malloc(sizeof(double) * N);
  c = malloc(sizeof(double) * N); v = malloc(sizeof(double) * N);
  o1 = malloc(sizeof(double) * N); o2 = malloc(sizeof(double) * N); o3 = malloc(sizeof(double) * N);
  oi = malloc(sizeof(int) * N);
  /* Same generator as test/indicators/fixtures.ts syntheticBars. */
  double prev = 30000;
  for (int i = 0; i < N; i++) {
    double open = prev * (1 + (rnd() - 0.5) * 0.004);
    double close = open * (1 + (rnd() - 0.5) * 0.02);
    if (i % 50 == 7) close = open * (1 + (rnd() - 0.5) * 0.0002);
    if (i % 97 == 5) close = prev;
    double hi = fmax(open, close) * (1 + rnd() * 0.006);
    double lo = fmin(open, close) * (1 - rnd() * 0.006);
    o[i] = open; h[i] = hi; l[i] = lo; c[i] = close; v[i] = 1 + rnd() * 1000;
    prev = close;
  }
  TA_Initialize();
  int e = N - 1;
  TIME("SMA", TA_SMA(0, e, c, 20, &beg, &nb, o1));
  TIME("EMA", TA_EMA(0, e, c, 20, &beg, &nb, o1));
  TIME("WMA", TA_WMA(0, e, c, 20, &beg, &nb, o1));
  TIME("DEMA", TA_DEMA(0, e, c, 20, &beg, &nb, o1));
  TIME("TEMA", TA_TEMA(0, e, c, 20, &beg, &nb, o1));
  TIME("RSI", TA_RSI(0, e, c, 14, &beg, &nb, o1));
  TIME("MACD", TA_MACD(0, e, c, 12, 26, 9, &beg, &nb, o1, o2, o3));
  TIME("BBANDS", TA_BBANDS(0, e, c, 20, 2, 2, TA_MAType_SMA, &beg, &nb, o1, o2, o3));
  TIME("ATR", TA_ATR(0, e, h, l, c, 14, &beg, &nb, o1));
  TIME("STOCH", TA_STOCH(0, e, h, l, c, 14, 3, TA_MAType_SMA, 3, TA_MAType_SMA, &beg, &nb, o1, o2));
  TIME("STOCHRSI", TA_STOCHRSI(0, e, c, 14, 14, 3, TA_MAType_SMA, &beg, &nb, o1, o2));
  TIME("ADX", (TA_ADX(0, e, h, l, c, 14, &beg, &nb, o1), TA_PLUS_DI(0, e, h, l, c, 14, &beg, &nb, o2), TA_MINUS_DI(0, e, h, l, c, 14, &beg, &nb, o3)));
  TIME("CCI", TA_CCI(0, e, h, l, c, 20, &beg, &nb, o1));
  TIME("MFI", TA_MFI(0, e, h, l, c, v, 14, &beg, &nb, o1));
  TIME("OBV", TA_OBV(0, e, c, v, &beg, &nb, o1));
  TIME("WILLR", TA_WILLR(0, e, h, l, c, 14, &beg, &nb, o1));
  TIME("ROC", TA_ROC(0, e, c, 10, &beg, &nb, o1));
  TIME("SAR", TA_SAR(0, e, h, l, 0.02, 0.2, &beg, &nb, o1));
  TIME("CDLDOJI", TA_CDLDOJI(0, e, o, h, l, c, &beg, &nb, oi));
  TIME("CDLHAMMER", TA_CDLHAMMER(0, e, o, h, l, c, &beg, &nb, oi));
  TIME("CDLINVERTEDHAMMER", TA_CDLINVERTEDHAMMER(0, e, o, h, l, c, &beg, &nb, oi));
  TIME("CDLHANGINGMAN", TA_CDLHANGINGMAN(0, e, o, h, l, c, &beg, &nb, oi));
  TIME("CDLSHOOTINGSTAR", TA_CDLSHOOTINGSTAR(0, e, o, h, l, c, &beg, &nb, oi));
  TIME("CDLENGULFING", TA_CDLENGULFING(0, e, o, h, l, c, &beg, &nb, oi));
  TIME("CDLHARAMI", TA_CDLHARAMI(0, e, o, h, l, c, &beg, &nb, oi));
  TIME("CDLPIERCING", TA_CDLPIERCING(0, e, o, h, l, c, &beg, &nb, oi));
  TIME("CDLDARKCLOUDCOVER", TA_CDLDARKCLOUDCOVER(0, e, o, h, l, c, 0.5, &beg, &nb, oi));
  TIME("CDLMORNINGSTAR", TA_CDLMORNINGSTAR(0, e, o, h, l, c, 0.3, &beg, &nb, oi));
  TIME("CDLEVENINGSTAR", TA_CDLEVENINGSTAR(0, e, o, h, l, c, 0.3, &beg, &nb, oi));
  TIME("CDL3WHITESOLDIERS", TA_CDL3WHITESOLDIERS(0, e, o, h, l, c, &beg, &nb, oi));
  TIME("CDL3BLACKCROWS", TA_CDL3BLACKCROWS(0, e, o, h, l, c, &beg, &nb, oi));
  TA_Shutdown();
  return 0;
}
