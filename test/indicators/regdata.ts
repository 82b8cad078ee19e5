/** TA-Lib's own regression data from node_modules/talib (ta_regtest): 252 daily OHLCV bars and 10,000 OHLC bars. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Bar } from '../../functions/lib/indicators/types.ts';

const regtestDir = join(dirname(createRequire(import.meta.url).resolve('talib/package.json')), 'src/lib/src/tools/ta_regtest');

function parseArray(src: string, name: string): number[] {
  const m = new RegExp(`${name}\\s*\\[\\s*\\d*\\s*\\]\\s*=\\s*\\{([^}]*)\\}`).exec(src);
  if (m === null) throw new Error(`array ${name} not found in TA-Lib regression data`);
  return (m[1] as string).split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
}

/** test_data.c: TA_SREF_*_daily_ref_0_PRIV[252]. */
export function dailyRefBars(): Bar[] {
  const src = readFileSync(join(regtestDir, 'test_data.c'), 'utf8');
  const col = (f: string) => parseArray(src, `TA_SREF_${f}_daily_ref_0_PRIV`);
  const [o, h, l, c, v] = [col('open'), col('high'), col('low'), col('close'), col('volume')];
  return c.map((close, i) => ({ time: i * 86_400_000, open: o[i] as number, high: h[i] as number, low: l[i] as number, close, volume: v[i] as number }));
}

/** ta_gData{Open,High,Low,Close}.c: 10,000 OHLC bars (no volume). */
export function gDataBars(): Bar[] {
  const col = (f: string) => {
    const s = readFileSync(join(regtestDir, `ta_gData${f}.c`), 'utf8');
    return s.slice(s.indexOf('{') + 1, s.indexOf('}')).split(',').map((x) => x.trim()).filter((x) => x.length > 0).map(Number);
  };
  const [o, h, l, c] = [col('Open'), col('High'), col('Low'), col('Close')];
  return c.map((close, i) => ({ time: i * 60_000, open: o[i] as number, high: h[i] as number, low: l[i] as number, close, volume: 0 }));
}
