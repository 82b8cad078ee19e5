import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createValidateApp } from '../../functions/validate/app.ts';
import { MemoryStateStore } from '../../functions/lib/state/index.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { candle, MINUTE, NOW } from './helpers/candles.ts';
import { postBatch, serveApp, type Served } from './helpers/runtimes.ts';

let served: Served;
let store: MemoryStateStore;
beforeAll(async () => {
  store = new MemoryStateStore(() => NOW);
  served = await serveApp(createValidateApp({ state: store, clock: () => NOW, config: { jumpPct: 10, outlierPct: 50 } }));
});
afterAll(async () => served.stop());

let seriesCounter = 0;
/** Each test gets its own series on the shared server. */
function fresh(): string {
  seriesCounter += 1;
  return `V${seriesCounter}-USD`;
}

async function one(c: unknown) {
  const [answer] = await postBatch<OhlcvMessage>(served.url, [c]);
  return answer!;
}
async function reasonOf(c: unknown): Promise<string> {
  const answer = await one(c);
  if (answer.ok) throw new Error(`expected a refusal, got ${JSON.stringify(answer.message.quality)}`);
  return answer.deadLetter.reasonCode;
}
async function flagsOf(c: unknown): Promise<OhlcvMessage['quality']> {
  const answer = await one(c);
  if (!answer.ok) throw new Error(`expected acceptance, got ${answer.deadLetter.reasonCode}: ${answer.deadLetter.message}`);
  return answer.message.quality;
}

describe('validate: stateless checks', () => {
  it('accepts a clean closed candle with high quality and no flags', async () => {
    expect(await flagsOf(candle({ symbol: fresh() }))).toEqual({ flags: [], level: 'high' });
  });

  it('refuses a malformed candle as SCHEMA_INVALID before any other check', async () => {
    const { timestamp: _t, ...missing } = candle({ symbol: fresh() });
    expect(await reasonOf(missing)).toBe('SCHEMA_INVALID');
    expect(await reasonOf({ ...candle({ symbol: fresh() }), timeframe: '2m' })).toBe('SCHEMA_INVALID');
  });

  it('refuses a timestamp that is not a bucket start (MISALIGNED_TIMESTAMP) with the expected bucket', async () => {
    const c = candle({ symbol: fresh() });
    const answer = await one({ ...c, timestamp: c.timestamp + 1_000 });
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.deadLetter.reasonCode).toBe('MISALIGNED_TIMESTAMP');
      expect(answer.deadLetter.details).toEqual({ expected: c.timestamp });
    }
  });

  it('accepts the current (forming) bucket but refuses the next one as FUTURE_TIMESTAMP', async () => {
    const symbol = fresh();
    expect((await one(candle({ symbol, state: 'forming' }, 0))).ok).toBe(true);
    expect(await reasonOf(candle({ symbol: fresh() }, -1))).toBe('FUTURE_TIMESTAMP');
  });

  it('refuses all-zero pre-listing padding as PRE_LISTING_PADDING flagged pre_listing_padding', async () => {
    const answer = await one(candle({ symbol: fresh(), open: 0, high: 0, low: 0, close: 0, volume: 0, quoteVolume: 0 }));
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.deadLetter).toMatchObject({ reasonCode: 'PRE_LISTING_PADDING', details: { flag: 'pre_listing_padding' } });
  });

  it('refuses zero or negative prices as PRICE_NOT_POSITIVE', async () => {
    expect(await reasonOf(candle({ symbol: fresh(), low: 0 }))).toBe('PRICE_NOT_POSITIVE');
    expect(await reasonOf(candle({ symbol: fresh(), open: -1 }))).toBe('PRICE_NOT_POSITIVE');
  });

  it('refuses negative volume as VOLUME_NEGATIVE', async () => {
    expect(await reasonOf(candle({ symbol: fresh(), volume: -1 }))).toBe('VOLUME_NEGATIVE');
    expect(await reasonOf(candle({ symbol: fresh(), quoteVolume: -5 }))).toBe('VOLUME_NEGATIVE');
  });

  it('refuses a closed or revised candle that breaks OHLC invariants (OHLC_INVARIANT) but only flags a forming one', async () => {
    const broken = { open: 100, high: 99, low: 98, close: 101 };
    const answer = await one(candle({ symbol: fresh(), ...broken }));
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.deadLetter.reasonCode).toBe('OHLC_INVARIANT');
      expect(answer.deadLetter.message).toMatch(/high 99 < max\(open, close\) 101/);
    }
    expect(await reasonOf(candle({ symbol: fresh(), open: 100, high: 101, low: 100.5, close: 100.2, state: 'revised', revision: 1 }))).toBe('OHLC_INVARIANT');
    expect(await flagsOf(candle({ symbol: fresh(), ...broken, state: 'forming' }, 0))).toEqual({ flags: ['inconsistent_forming'], level: 'low' });
  });

  it('flags zero-volume fills, converted prices and late revisions', async () => {
    expect(await flagsOf(candle({ symbol: fresh(), open: 5, high: 5, low: 5, close: 5, volume: 0, quoteVolume: 0 }))).toEqual({ flags: ['zero_volume_fill'], level: 'medium' });
    expect((await flagsOf(candle({ symbol: fresh(), conversion: { type: 'multiply', symbol: 'BTC' } }))).flags).toEqual(['converted']);
    expect((await flagsOf(candle({ symbol: fresh(), state: 'revised', revision: 1 }))).flags).toEqual(['late_revision']);
  });

  it('keeps flags the ingest already set', async () => {
    expect(await flagsOf(candle({ symbol: fresh(), quality: { flags: ['gap_before'], level: 'medium', gapBeforeMs: 120_000 } }))).toEqual({ flags: ['gap_before'], level: 'medium', gapBeforeMs: 120_000 });
  });
});

describe('validate: checks against the series (state)', () => {
  it('flags price_jump beyond the jump threshold and refuses OUTLIER beyond the extreme one, against the previous close', async () => {
    const symbol = fresh();
    expect((await one(candle({ symbol, open: 100, high: 100, low: 100, close: 100 }, 5))).ok).toBe(true);
    const jump = await flagsOf(candle({ symbol, open: 100, high: 115, low: 100, close: 115 }, 4));
    expect(jump).toEqual({ flags: ['price_jump'], level: 'low' });
    const outlier = await one(candle({ symbol, open: 115, high: 200, low: 115, close: 190 }, 3));
    expect(outlier.ok).toBe(false);
    if (!outlier.ok) expect(outlier.deadLetter).toMatchObject({ reasonCode: 'OUTLIER', details: { flag: 'outlier', previousClose: 115 } });
    // The refused outlier did not become the previous close (no price_jump), and its bucket counts as missing.
    expect(await flagsOf(candle({ symbol, open: 115, high: 117, low: 114, close: 116 }, 2))).toEqual({ flags: ['gap_before'], level: 'medium', gapBeforeMs: MINUTE });
  });

  it('refuses an identical revision as DUPLICATE, within one batch and across batches, but accepts a new revision', async () => {
    const symbol = fresh();
    const c = candle({ symbol });
    const answers = await postBatch<OhlcvMessage>(served.url, [c, c]);
    expect(answers.map((a) => a.ok)).toEqual([true, false]);
    expect(answers[1]?.ok === false && answers[1].deadLetter).toMatchObject({ reasonCode: 'DUPLICATE', details: { flag: 'duplicate', revision: 0 }, original: c });
    expect(await reasonOf(c)).toBe('DUPLICATE');
    expect((await flagsOf({ ...c, close: 101.5, revision: 1, state: 'revised' })).flags).toEqual(['late_revision']);
  });

  it('refuses a revision older than one already seen as STALE_REVISION', async () => {
    const symbol = fresh();
    const c = candle({ symbol, revision: 2, state: 'revised' });
    expect((await one(c)).ok).toBe(true);
    expect(await reasonOf({ ...c, revision: 1, close: 100.5 })).toBe('STALE_REVISION');
  });

  it('flags gap_before with gapBeforeMs when buckets are missing, and out_of_order when an older candle arrives late', async () => {
    const symbol = fresh();
    expect((await one(candle({ symbol }, 10))).ok).toBe(true);
    expect(await flagsOf(candle({ symbol }, 6))).toEqual({ flags: ['gap_before'], level: 'medium', gapBeforeMs: 3 * MINUTE });
    expect(await flagsOf(candle({ symbol }, 8))).toEqual({ flags: ['out_of_order'], level: 'low' });
    expect(await flagsOf(candle({ symbol }, 5))).toEqual({ flags: [], level: 'high' });
  });

  it('keeps series apart by exchange, symbol and timeframe', async () => {
    const symbol = fresh();
    expect((await one(candle({ symbol }, 3))).ok).toBe(true);
    expect(await flagsOf(candle({ symbol, exchange: 'coinbase' }, 3))).toEqual({ flags: [], level: 'high' });
    expect(await flagsOf(candle({ symbol, timeframe: '5m' }, 3))).toEqual({ flags: [], level: 'high' });
  });
});
