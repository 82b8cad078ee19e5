import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIndicatorsApp } from '../../functions/indicators/app.ts';
import { computeBatch, type Bar, type IndicatorSpec } from '../../functions/lib/indicators/index.ts';
import { MemoryStateStore } from '../../functions/lib/state/index.ts';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { series } from './helpers/candles.ts';
import { postBatch, serveApp, type Served } from './helpers/runtimes.ts';

const SET: Record<string, IndicatorSpec> = { SMA5: { name: 'SMA', params: { period: 5 } }, RSI: { name: 'RSI', params: { period: 14 } }, MACD: { name: 'MACD' } };
let served: Served;
beforeAll(async () => {
  served = await serveApp(createIndicatorsApp({ state: new MemoryStateStore(), config: { indicators: SET, historyBars: 20 } }));
});
afterAll(async () => served.stop());

const closes = Array.from({ length: 60 }, (_, i) => 100 + 10 * Math.sin(i / 5) + i * 0.3);
const barOf = (c: OhlcvMessage): Bar => ({ time: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume });
/** Reference: the library's batch computation over a whole history, at its last bar. */
function expected(id: string, history: OhlcvMessage[]): Record<string, number | null> {
  const cols = computeBatch(SET[id] as IndicatorSpec, history.map(barOf));
  return Object.fromEntries(Object.entries(cols).map(([k, col]) => [k, Number.isNaN(col.at(-1)) ? null : (col.at(-1) as number)]));
}
async function run(batch: OhlcvMessage[]): Promise<OhlcvMessage[]> {
  const answers = await postBatch<OhlcvMessage>(served.url, batch);
  return answers.map((a) => {
    if (!a.ok) throw new Error(`${a.deadLetter.reasonCode}: ${a.deadLetter.message}`);
    return OhlcvMessage.parse(a.message);
  });
}

describe('indicators: forming, closed and revised candles through the app', () => {
  const history = series(closes, { symbol: 'IND-USD' });

  it('advances on closed candles across batches and matches the batch computation, null during warm-up', async () => {
    const first = await run(history.slice(0, 30));
    expect(first[0]?.indicators?.SMA5?.values).toEqual({ sma: null });
    expect(first[0]?.indicators?.SMA5?.provenance).toMatchObject({ consumed: 1, lookback: 4, stable: false, convention: 'ta-lib' });
    const second = await run(history.slice(30, 50));
    const last = second.at(-1) as OhlcvMessage;
    for (const id of Object.keys(SET)) expect(last.indicators?.[id]?.values).toEqual(expected(id, history.slice(0, 50)));
    expect(last.indicators?.RSI?.provisional).toBe(false);
    expect(last.indicators?.RSI?.provenance).toMatchObject({ method: expect.stringMatching(/RSI/), consumed: 50 });
    expect(last.indicators?.SMA5?.provenance).toMatchObject({ consumed: 50, stable: true });
  });

  it('gives provisional values for a forming candle without advancing', async () => {
    const formingBar = { ...(history[50] as OhlcvMessage), state: 'forming' as const, close: 150, high: 151 };
    const [forming] = await run([formingBar]);
    expect(forming?.indicators?.SMA5).toMatchObject({ provisional: true, values: expected('SMA5', [...history.slice(0, 50), formingBar]) });
    // The closed candle then advances from the state before the forming one.
    const [closed] = await run([history[50] as OhlcvMessage]);
    expect(closed?.indicators?.SMA5).toMatchObject({ provisional: false, values: expected('SMA5', history.slice(0, 51)) });
  });

  it('replays a revised closed candle from the snapshot before it, and later candles continue from the corrected history', async () => {
    const revised = { ...(history[45] as OhlcvMessage), close: 130, high: 131, state: 'revised' as const, revision: 1 };
    const corrected = history.slice(0, 51).map((c, i) => (i === 45 ? revised : c));
    const [out] = await run([revised]);
    for (const id of Object.keys(SET)) expect(out?.indicators?.[id]?.values).toEqual(expected(id, corrected.slice(0, 46)));
    const [next] = await run([history[51] as OhlcvMessage]);
    for (const id of Object.keys(SET)) expect(next?.indicators?.[id]?.values).toEqual(expected(id, [...corrected, history[51] as OhlcvMessage]));
  });

  it('fills a late candle into the kept history in order', async () => {
    const gappy = series(closes.slice(0, 30), { symbol: 'LATE-USD' });
    const missing = gappy[25] as OhlcvMessage;
    await run(gappy.filter((_, i) => i !== 25));
    const [late] = await run([missing]);
    expect(late?.indicators?.SMA5?.values).toEqual(expected('SMA5', gappy.slice(0, 26)));
  });

  it('refuses a revision older than the kept history as REVISION_BEYOND_HISTORY', async () => {
    const old = { ...(history[5] as OhlcvMessage), close: 99, state: 'revised' as const, revision: 1 };
    const [answer] = await postBatch(served.url, [old]);
    expect(answer?.ok).toBe(false);
    if (answer?.ok === false) expect(answer.deadLetter).toMatchObject({ reasonCode: 'REVISION_BEYOND_HISTORY', details: { historyBars: 20 } });
  });
});

describe('indicators: decoded series kept between batches', () => {
  /** Posts a batch to an app in-process and returns each candle's indicators (or the refusal code). */
  async function call(app: ReturnType<typeof createIndicatorsApp>, batch: OhlcvMessage[]): Promise<unknown[]> {
    const res = await app.fetch(new Request('http://fn/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) }));
    const answers = (await res.json()) as Array<{ ok: boolean; message?: OhlcvMessage; deadLetter?: { reasonCode: string } }>;
    return answers.map((a) => (a.ok ? a.message?.indicators : a.deadLetter?.reasonCode));
  }
  const history = series(closes, { symbol: 'CACHE-USD' });
  const forming = (i: number): OhlcvMessage => ({ ...(history[i] as OhlcvMessage), state: 'forming', close: 140 });
  const revised = (i: number): OhlcvMessage => ({ ...(history[i] as OhlcvMessage), state: 'revised', revision: 1, close: 90, low: 89 });
  /** Closed, forming, revised and late candles over several batches. */
  const batches: OhlcvMessage[][] = [
    history.slice(0, 12), [forming(12)], history.slice(12, 20), [revised(15), history[20] as OhlcvMessage, forming(21)],
    history.slice(21, 40).filter((_, i) => i !== 7), [history[28] as OhlcvMessage, revised(2)], history.slice(40, 60),
  ];

  it('answers exactly as decoding the stored state for every batch does', async () => {
    const config = { indicators: SET, historyBars: 20 };
    const cached = createIndicatorsApp({ state: new MemoryStateStore(), config });
    const decoded = createIndicatorsApp({ state: new MemoryStateStore(), config: { ...config, stateCacheSize: 0 } });
    for (const batch of batches) expect(await call(cached, batch)).toEqual(await call(decoded, batch));
  });

  it('does not reuse its runner after another replica advanced the series in the shared store', async () => {
    const config = { indicators: SET, historyBars: 20 };
    const shared = new MemoryStateStore();
    const a = createIndicatorsApp({ state: shared, config });
    const b = createIndicatorsApp({ state: shared, config });
    const alone = createIndicatorsApp({ state: new MemoryStateStore(), config });
    const answers: unknown[][] = [];
    for (const [i, batch] of batches.entries()) {
      answers.push(await call(alone, batch));
      // Replicas take turns, two batches each: a's kept runner is stale whenever b wrote in between.
      expect(await call(Math.floor(i / 2) % 2 === 0 ? a : b, batch)).toEqual(answers[i]);
    }
    expect((answers.at(-1)?.at(-1) as Record<string, { provenance: { consumed: number } }>).SMA5?.provenance.consumed).toBe(60);
  });
});
