/**
 * The CDL pattern rules, each a faithful port of TA-Lib's ta_CDL*.c: `avgs` lists the rolling candle-setting totals
 * the C code keeps (setting, candle offset back from the current bar), `detect` is the C condition.
 */
import { CANDLE_SETTINGS as S, type CandleSetting } from './settings.ts';

/** Read access to the candle `k` bars back (0 = current) and to average j of the definition's `avgs`. */
export interface CandleView {
  o(k: number): number;
  h(k: number): number;
  l(k: number): number;
  c(k: number): number;
  avg(j: number): number;
}

export interface PatternDef {
  name: PatternName;
  description: string;
  /** TA-Lib's lookback with default candle settings. */
  lookback: number;
  avgs: ReadonlyArray<readonly [CandleSetting, number]>;
  /** Default optInPenetration, for the patterns that take one. */
  penetration?: number;
  detect(v: CandleView, penetration: number): number;
}

export const PATTERN_NAMES = [
  'CDLDOJI', 'CDLHAMMER', 'CDLINVERTEDHAMMER', 'CDLHANGINGMAN', 'CDLSHOOTINGSTAR', 'CDLENGULFING', 'CDLHARAMI',
  'CDLPIERCING', 'CDLDARKCLOUDCOVER', 'CDLMORNINGSTAR', 'CDLEVENINGSTAR', 'CDL3WHITESOLDIERS', 'CDL3BLACKCROWS',
] as const;
export type PatternName = (typeof PATTERN_NAMES)[number];

const body = (v: CandleView, k: number) => Math.abs(v.c(k) - v.o(k));
const upperShadow = (v: CandleView, k: number) => v.h(k) - (v.c(k) >= v.o(k) ? v.c(k) : v.o(k));
const lowerShadow = (v: CandleView, k: number) => (v.c(k) >= v.o(k) ? v.o(k) : v.c(k)) - v.l(k);
const color = (v: CandleView, k: number) => (v.c(k) >= v.o(k) ? 1 : -1);
const bodyTop = (v: CandleView, k: number) => Math.max(v.o(k), v.c(k));
const bodyBottom = (v: CandleView, k: number) => Math.min(v.o(k), v.c(k));
/** TA_REALBODYGAPUP(k2, k1): body of candle k2 entirely above body of k1. */
const bodyGapUp = (v: CandleView, k2: number, k1: number) => bodyBottom(v, k2) > bodyTop(v, k1);
const bodyGapDown = (v: CandleView, k2: number, k1: number) => bodyTop(v, k2) < bodyBottom(v, k1);

export const PATTERNS: readonly PatternDef[] = [
  {
    name: 'CDLDOJI', description: 'Doji: body <= 10% of the average range of the previous 10 candles. +100.', lookback: 10,
    avgs: [[S.BodyDoji, 0]],
    detect: (v) => (body(v, 0) <= v.avg(0) ? 100 : 0),
  },
  {
    name: 'CDLHAMMER', description: 'Hammer: small body near the prior low, long lower shadow, very short upper shadow. +100.', lookback: 11,
    avgs: [[S.BodyShort, 0], [S.ShadowLong, 0], [S.ShadowVeryShort, 0], [S.Near, 1]],
    detect: (v) =>
      body(v, 0) < v.avg(0) && lowerShadow(v, 0) > v.avg(1) && upperShadow(v, 0) < v.avg(2) && Math.min(v.c(0), v.o(0)) <= v.l(1) + v.avg(3) ? 100 : 0,
  },
  {
    name: 'CDLINVERTEDHAMMER', description: 'Inverted hammer: small body gapping down, long upper shadow, very short lower shadow. +100.', lookback: 11,
    avgs: [[S.BodyShort, 0], [S.ShadowLong, 0], [S.ShadowVeryShort, 0]],
    detect: (v) => (body(v, 0) < v.avg(0) && upperShadow(v, 0) > v.avg(1) && lowerShadow(v, 0) < v.avg(2) && bodyGapDown(v, 0, 1) ? 100 : 0),
  },
  {
    name: 'CDLHANGINGMAN', description: 'Hanging man: hammer shape with the body near the prior high. -100.', lookback: 11,
    avgs: [[S.BodyShort, 0], [S.ShadowLong, 0], [S.ShadowVeryShort, 0], [S.Near, 1]],
    detect: (v) =>
      body(v, 0) < v.avg(0) && lowerShadow(v, 0) > v.avg(1) && upperShadow(v, 0) < v.avg(2) && Math.min(v.c(0), v.o(0)) >= v.h(1) - v.avg(3) ? -100 : 0,
  },
  {
    name: 'CDLSHOOTINGSTAR', description: 'Shooting star: small body gapping up, long upper shadow, very short lower shadow. -100.', lookback: 11,
    avgs: [[S.BodyShort, 0], [S.ShadowLong, 0], [S.ShadowVeryShort, 0]],
    detect: (v) => (body(v, 0) < v.avg(0) && upperShadow(v, 0) > v.avg(1) && lowerShadow(v, 0) < v.avg(2) && bodyGapUp(v, 0, 1) ? -100 : 0),
  },
  {
    name: 'CDLENGULFING', description: 'Engulfing: body engulfs the opposite-colour prior body. ±100, ±80 when one end matches.', lookback: 2,
    avgs: [],
    detect: (v) => {
      const c0 = color(v, 0);
      const c1 = color(v, 1);
      const hit =
        (c0 === 1 && c1 === -1 && ((v.c(0) >= v.o(1) && v.o(0) < v.c(1)) || (v.c(0) > v.o(1) && v.o(0) <= v.c(1)))) ||
        (c0 === -1 && c1 === 1 && ((v.o(0) >= v.c(1) && v.c(0) < v.o(1)) || (v.o(0) > v.c(1) && v.c(0) <= v.o(1))));
      if (!hit) return 0;
      return v.o(0) !== v.c(1) && v.c(0) !== v.o(1) ? c0 * 100 : c0 * 80;
    },
  },
  {
    name: 'CDLHARAMI', description: 'Harami: long body followed by a short body inside it. ±100, ±80 when one end matches.', lookback: 11,
    avgs: [[S.BodyLong, 1], [S.BodyShort, 0]],
    detect: (v) => {
      if (!(body(v, 1) > v.avg(0) && body(v, 0) <= v.avg(1))) return 0;
      if (bodyTop(v, 0) < bodyTop(v, 1) && bodyBottom(v, 0) > bodyBottom(v, 1)) return -color(v, 1) * 100;
      if (bodyTop(v, 0) <= bodyTop(v, 1) && bodyBottom(v, 0) >= bodyBottom(v, 1)) return -color(v, 1) * 80;
      return 0;
    },
  },
  {
    name: 'CDLPIERCING', description: 'Piercing: long black, then long white opening below its low and closing above its midpoint. +100.', lookback: 11,
    avgs: [[S.BodyLong, 1], [S.BodyLong, 0]],
    detect: (v) =>
      color(v, 1) === -1 && body(v, 1) > v.avg(0) && color(v, 0) === 1 && body(v, 0) > v.avg(1) &&
      v.o(0) < v.l(1) && v.c(0) < v.o(1) && v.c(0) > v.c(1) + body(v, 1) * 0.5 ? 100 : 0,
  },
  {
    name: 'CDLDARKCLOUDCOVER', description: 'Dark cloud cover: long white, then black opening above its high and closing into its body. -100.', lookback: 11,
    avgs: [[S.BodyLong, 1]], penetration: 0.5,
    detect: (v, pen) =>
      color(v, 1) === 1 && body(v, 1) > v.avg(0) && color(v, 0) === -1 && v.o(0) > v.h(1) && v.c(0) > v.o(1) && v.c(0) < v.c(1) - body(v, 1) * pen ? -100 : 0,
  },
  {
    name: 'CDLMORNINGSTAR', description: 'Morning star: long black, short body gapping down, white closing well into the first body. +100.', lookback: 12,
    avgs: [[S.BodyLong, 2], [S.BodyShort, 1], [S.BodyShort, 0]], penetration: 0.3,
    detect: (v, pen) =>
      body(v, 2) > v.avg(0) && color(v, 2) === -1 && body(v, 1) <= v.avg(1) && bodyGapDown(v, 1, 2) &&
      body(v, 0) > v.avg(2) && color(v, 0) === 1 && v.c(0) > v.c(2) + body(v, 2) * pen ? 100 : 0,
  },
  {
    name: 'CDLEVENINGSTAR', description: 'Evening star: long white, short body gapping up, black closing well into the first body. -100.', lookback: 12,
    avgs: [[S.BodyLong, 2], [S.BodyShort, 1], [S.BodyShort, 0]], penetration: 0.3,
    detect: (v, pen) =>
      body(v, 2) > v.avg(0) && color(v, 2) === 1 && body(v, 1) <= v.avg(1) && bodyGapUp(v, 1, 2) &&
      body(v, 0) > v.avg(2) && color(v, 0) === -1 && v.c(0) < v.c(2) - body(v, 2) * pen ? -100 : 0,
  },
  {
    name: 'CDL3WHITESOLDIERS', description: 'Three advancing white soldiers with very short upper shadows, each opening within the prior body. +100.', lookback: 12,
    avgs: [[S.ShadowVeryShort, 2], [S.ShadowVeryShort, 1], [S.ShadowVeryShort, 0], [S.Near, 2], [S.Near, 1], [S.Far, 2], [S.Far, 1], [S.BodyShort, 0]],
    detect: (v) =>
      color(v, 2) === 1 && upperShadow(v, 2) < v.avg(0) && color(v, 1) === 1 && upperShadow(v, 1) < v.avg(1) &&
      color(v, 0) === 1 && upperShadow(v, 0) < v.avg(2) && v.c(0) > v.c(1) && v.c(1) > v.c(2) &&
      v.o(1) > v.o(2) && v.o(1) <= v.c(2) + v.avg(3) && v.o(0) > v.o(1) && v.o(0) <= v.c(1) + v.avg(4) &&
      body(v, 1) > body(v, 2) - v.avg(5) && body(v, 0) > body(v, 1) - v.avg(6) && body(v, 0) > v.avg(7) ? 100 : 0,
  },
  {
    name: 'CDL3BLACKCROWS', description: 'Three black crows after a white candle, very short lower shadows, each opening within the prior body. -100.', lookback: 13,
    avgs: [[S.ShadowVeryShort, 2], [S.ShadowVeryShort, 1], [S.ShadowVeryShort, 0]],
    detect: (v) =>
      color(v, 3) === 1 && color(v, 2) === -1 && lowerShadow(v, 2) < v.avg(0) && color(v, 1) === -1 && lowerShadow(v, 1) < v.avg(1) &&
      color(v, 0) === -1 && lowerShadow(v, 0) < v.avg(2) && v.o(1) < v.o(2) && v.o(1) > v.c(2) && v.o(0) < v.o(1) && v.o(0) > v.c(1) &&
      v.h(3) > v.c(2) && v.c(2) > v.c(1) && v.c(1) > v.c(0) ? -100 : 0,
  },
];
