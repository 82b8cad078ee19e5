import type { KeptBar } from '../lib/state/index.ts';
import { patternAt } from '../alerts/pattern-window.ts';
import type { SignalsConfig } from './config.ts';

export interface Detected {
  signal: 'macd_cross' | 'rsi_regime' | 'golden_cross' | 'death_cross' | 'bollinger_breakout' | 'pattern_confirmed';
  direction: 'bullish' | 'bearish';
  strength: number;
  title: string;
  evidence: Record<string, unknown>;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Current and previous values of `id.output`, or null when either is missing (warm-up, or no previous bar). */
function pair(current: KeptBar, previous: KeptBar | undefined, key: string): [number, number] | null {
  const now = current.ind[key];
  const before = previous?.ind[key];
  return now === null || now === undefined || before === null || before === undefined ? null : [before, now];
}

/**
 * Every signal on a closed candle, given the closed bars before it. Strength formulas (0..1) are deliberately simple and
 * documented in README.md; the evidence carries every number they used.
 */
export function detectSignals(current: KeptBar, history: readonly KeptBar[], config: SignalsConfig): Detected[] {
  const previous = history.at(-1);
  const { ids } = config;
  const out: Detected[] = [];

  const macd = pair(current, previous, `${ids.macd}.macd`);
  const signal = pair(current, previous, `${ids.macd}.signal`);
  if (macd !== null && signal !== null) {
    const up = macd[0] <= signal[0] && macd[1] > signal[1];
    const down = macd[0] >= signal[0] && macd[1] < signal[1];
    if (up || down) {
      // A cross on the trend's side of the zero line confirms the trend; against it, it is an early reversal.
      const agrees = up ? macd[1] > 0 : macd[1] < 0;
      out.push({ signal: 'macd_cross', direction: up ? 'bullish' : 'bearish', strength: agrees ? 0.7 : 0.5, title: `MACD crosses ${up ? 'above' : 'below'} its signal line`, evidence: { macd: macd[1], signal: signal[1], previousMacd: macd[0], previousSignal: signal[0], zeroLineAgrees: agrees } });
    }
  }

  const rsi = pair(current, previous, `${ids.rsi}.rsi`);
  if (rsi !== null) {
    const recent = [...history.slice(-5).map((b) => b.ind[`${ids.rsi}.rsi`]), rsi[1]].filter((v): v is number => typeof v === 'number');
    const { oversold, overbought } = config.rsi;
    if (rsi[0] < oversold && rsi[1] >= oversold) {
      const extreme = Math.min(...recent);
      out.push({ signal: 'rsi_regime', direction: 'bullish', strength: round3(clamp01(0.5 + (oversold - extreme) / oversold)), title: `RSI leaves oversold (crosses above ${oversold})`, evidence: { rsi: rsi[1], previousRsi: rsi[0], extreme, threshold: oversold, regime: 'oversold_exit' } });
    } else if (rsi[0] > overbought && rsi[1] <= overbought) {
      const extreme = Math.max(...recent);
      out.push({ signal: 'rsi_regime', direction: 'bearish', strength: round3(clamp01(0.5 + (extreme - overbought) / (100 - overbought))), title: `RSI leaves overbought (crosses below ${overbought})`, evidence: { rsi: rsi[1], previousRsi: rsi[0], extreme, threshold: overbought, regime: 'overbought_exit' } });
    }
  }

  const fast = pair(current, previous, ids.fastMa);
  const slow = pair(current, previous, ids.slowMa);
  if (fast !== null && slow !== null) {
    const up = fast[0] <= slow[0] && fast[1] > slow[1];
    const down = fast[0] >= slow[0] && fast[1] < slow[1];
    if (up || down) {
      // Price already on the new side of both averages makes the cross more than a lagging artefact.
      const priceAgrees = up ? current.c > fast[1] && current.c > slow[1] : current.c < fast[1] && current.c < slow[1];
      out.push({ signal: up ? 'golden_cross' : 'death_cross', direction: up ? 'bullish' : 'bearish', strength: priceAgrees ? 0.9 : 0.7, title: `${ids.fastMa} crosses ${up ? 'above' : 'below'} ${ids.slowMa}`, evidence: { fast: fast[1], slow: slow[1], previousFast: fast[0], previousSlow: slow[0], close: current.c, priceAgrees } });
    }
  }

  const upper = current.ind[`${ids.bbands}.upper`];
  const middle = current.ind[`${ids.bbands}.middle`];
  const lower = current.ind[`${ids.bbands}.lower`];
  const prevUpper = previous?.ind[`${ids.bbands}.upper`];
  const prevLower = previous?.ind[`${ids.bbands}.lower`];
  if (typeof upper === 'number' && typeof middle === 'number' && typeof lower === 'number' && typeof prevUpper === 'number' && typeof prevLower === 'number' && previous !== undefined) {
    const halfWidth = upper - middle;
    if (previous.c <= prevUpper && current.c > upper) {
      out.push({ signal: 'bollinger_breakout', direction: 'bullish', strength: round3(clamp01(0.5 + (halfWidth > 0 ? (current.c - upper) / halfWidth : 0.5))), title: 'Close breaks above the upper Bollinger band', evidence: { close: current.c, upper, middle, lower, previousClose: previous.c } });
    } else if (previous.c >= prevLower && current.c < lower) {
      out.push({ signal: 'bollinger_breakout', direction: 'bearish', strength: round3(clamp01(0.5 + (halfWidth > 0 ? (lower - current.c) / halfWidth : 0.5))), title: 'Close breaks below the lower Bollinger band', evidence: { close: current.c, upper, middle, lower, previousClose: previous.c } });
    }
  }

  const trend = current.ind[ids.trendMa];
  if (typeof trend === 'number') {
    for (const name of config.patterns) {
      const value = patternAt(name, history, current);
      if (value === null || value === 0) continue;
      const bullish = value > 0;
      // Confirmation: the candle closes on the pattern's side of the trend average.
      if (bullish ? current.c <= trend : current.c >= trend) continue;
      const fastNow = fast?.[1];
      const fastBefore = fast?.[0];
      const slopeAgrees = fastNow !== undefined && fastBefore !== undefined && (bullish ? fastNow > fastBefore : fastNow < fastBefore);
      const strength = round3(0.5 + (Math.abs(value) >= 100 ? 0.2 : 0.1) + (slopeAgrees ? 0.2 : 0));
      out.push({ signal: 'pattern_confirmed', direction: bullish ? 'bullish' : 'bearish', strength, title: `${name} confirmed by the trend (close ${bullish ? 'above' : 'below'} ${ids.trendMa})`, evidence: { pattern: name, value, close: current.c, trend, trendId: ids.trendMa, fastMaSlopeAgrees: slopeAgrees } });
    }
  }
  return out;
}
