import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrichApp } from '../../functions/enrich/app.ts';
import { MemoryStateStore } from '../../functions/lib/state/index.ts';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { candle, NOW } from './helpers/candles.ts';
import { postBatch, serveApp, type Served } from './helpers/runtimes.ts';

let served: Served;
beforeAll(async () => {
  served = await serveApp(createEnrichApp({
    state: new MemoryStateStore(),
    clock: () => NOW,
    names: { bases: { BTC: 'Bitcoin' }, exchanges: { cccagg: 'CryptoCompare Aggregate' } },
  }));
});
afterAll(async () => served.stop());

async function enrich(batch: OhlcvMessage[]): Promise<OhlcvMessage[]> {
  const answers = await postBatch<OhlcvMessage>(served.url, batch);
  return answers.map((a) => {
    if (!a.ok) throw new Error(a.deadLetter.message);
    return OhlcvMessage.parse(a.message);
  });
}

describe('enrich', () => {
  it('derives vwap, range and body from the candle, names from the metadata map, latency from receivedAt', async () => {
    const c = candle({ symbol: 'BTC-USD', open: 100, high: 110, low: 95, close: 105, volume: 4, quoteVolume: 410, receivedAt: NOW - 2_500 }, 3);
    const [out] = await enrich([c]);
    expect(out?.enrichment).toEqual({ vwap: 102.5, returnPct: null, rangePct: 15, bodyPct: 5, ingestLatencyMs: 2_500, qualityScore: 1, baseName: 'Bitcoin', exchangeName: 'CryptoCompare Aggregate' });
  });

  it('computes returnPct against the previous close of the series, across batches and for late candles', async () => {
    const a = candle({ symbol: 'ETH-USD', close: 200, open: 200, high: 201, low: 199 }, 5);
    const b = candle({ symbol: 'ETH-USD', close: 210, open: 200, high: 211, low: 199 }, 4);
    const [, outB] = await enrich([a, b]);
    expect(outB?.enrichment?.returnPct).toBeCloseTo(5, 12);
    const d = candle({ symbol: 'ETH-USD', close: 189, open: 210, high: 211, low: 188 }, 2);
    expect((await enrich([d]))[0]?.enrichment?.returnPct).toBeCloseTo(-10, 12);
    // A late candle between b and d finds b's close, and from then on d's previous close is the late one.
    const late = candle({ symbol: 'ETH-USD', close: 220, open: 210, high: 221, low: 209 }, 3);
    expect((await enrich([late]))[0]?.enrichment?.returnPct).toBeCloseTo((220 / 210 - 1) * 100, 12);
    expect((await enrich([{ ...d, revision: 1, state: 'revised' }]))[0]?.enrichment?.returnPct).toBeCloseTo((189 / 220 - 1) * 100, 12);
  });

  it('gives null vwap without volume, 0 percentages for a zero open, no names for unknown markets, and never a negative latency', async () => {
    const [out] = await enrich([candle({ symbol: 'XYZ-USD', exchange: 'kraken', volume: 0, quoteVolume: 0, receivedAt: NOW + 5_000 }, 1)]);
    expect(out?.enrichment).toMatchObject({ vwap: null, ingestLatencyMs: 0 });
    expect(out?.enrichment?.baseName).toBeUndefined();
    expect(out?.enrichment?.exchangeName).toBeUndefined();
  });

  it('scores quality from the flags: each flag costs its penalty', async () => {
    const flagged = candle({ symbol: 'SOL-USD', quality: { flags: ['gap_before', 'converted'], level: 'medium', gapBeforeMs: 60_000 } }, 1);
    const jumpy = candle({ symbol: 'ADA-USD', quality: { flags: ['price_jump', 'out_of_order', 'outlier'], level: 'low' } }, 1);
    const [a, b] = await enrich([flagged, jumpy]);
    expect(a?.enrichment?.qualityScore).toBe(0.75);
    expect(b?.enrichment?.qualityScore).toBe(0);
    expect(a?.quality).toEqual(flagged.quality);
  });
});
