/** The indicator catalogue (one KernelDef per name) and parameter resolution against it. */
import { AppError } from '../errors.ts';
import type { KernelDef, Params } from './kernel.ts';
import { movingAverages } from './moving-averages.ts';
import { oscillators } from './oscillators.ts';
import { trend } from './trend.ts';
import type { IndicatorInfo, IndicatorName, IndicatorSpec } from './types.ts';
import { volatility } from './volatility.ts';
import { volume } from './volume.ts';

const defs: KernelDef[] = [...movingAverages, ...oscillators, ...volatility, ...trend, ...volume];

export const KERNELS: ReadonlyMap<IndicatorName, KernelDef> = new Map(defs.map((d) => [d.name, d]));

/** Public catalogue: names, params with defaults and bounds, outputs, descriptions (feeds MCP tool schemas). */
export const INDICATORS: readonly IndicatorInfo[] = defs.map((d) => ({
  name: d.name,
  description: d.description,
  params: d.params,
  outputs: d.outputs,
  convention: d.convention,
  ...(d.reference === undefined ? {} : { reference: d.reference }),
}));

/** Looks up a spec's definition and fills in defaulted params, rejecting unknown or out-of-range ones. */
export function resolveSpec(spec: IndicatorSpec): { def: KernelDef; params: Params } {
  const def = KERNELS.get(spec.name);
  if (def === undefined) {
    throw new AppError('unknown_indicator', `Unknown indicator "${String(spec.name)}"; use one of ${[...KERNELS.keys()].join(', ')}.`, { status: 400 });
  }
  const given = spec.params ?? {};
  for (const key of Object.keys(given)) {
    if (!def.params.some((p) => p.name === key)) {
      throw new AppError('bad_param', `${def.name} has no parameter "${key}"; its parameters are: ${def.params.map((p) => p.name).join(', ') || 'none'}.`, { status: 400 });
    }
  }
  const params: Params = {};
  for (const p of def.params) {
    const v = given[p.name] ?? p.default;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < p.min || v > p.max || (p.integer && !Number.isInteger(v))) {
      throw new AppError('bad_param', `${def.name} parameter "${p.name}" must be ${p.integer ? 'an integer' : 'a number'} in [${p.min}, ${p.max}]; got ${String(v)}.`, { status: 400, details: { indicator: def.name, param: p.name } });
    }
    // An integer parameter as a small integer (| 0; every max is far below 2^31): read as a double, a period made
    // the batch loops compute every array index in floating point and convert it back (ROC, SMA, WMA ran 1.6x slower).
    params[p.name] = p.integer ? v | 0 : v;
  }
  return { def, params };
}
