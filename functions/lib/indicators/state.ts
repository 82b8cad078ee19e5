/**
 * Generic state plumbing for streaming kernels. A kernel keeps its whole state in own fields made of numbers,
 * Float64Arrays and nested kernels, so one walker can snapshot (JSON, NaN/Infinity-safe; Float64Arrays packed), restore and copy it
 * (copy = the scratch kernel behind peek()).
 */
import { AppError } from '../errors.ts';
import { packFloats, unpackFloats } from '../state/packed-floats.ts';

type Encoded = number | string | boolean | null | Encoded[] | { [key: string]: Encoded };

/** Encodes a number so JSON keeps NaN and ±Infinity (JSON.stringify would turn them into null). */
function encodeNumber(x: number): Encoded {
  return Number.isFinite(x) ? x : { $n: String(x) };
}

function decodeNumber(x: Encoded): number {
  if (typeof x === 'number') return x;
  if (x !== null && typeof x === 'object' && !Array.isArray(x) && typeof x.$n === 'string') return Number(x.$n);
  throw new AppError('bad_snapshot', 'Indicator snapshot holds a non-numeric value where a number belongs; pass the unmodified value returned by snapshot().', { status: 400 });
}

/** JSON-serialisable copy of a kernel's own fields. */
export function encodeState(obj: object): Encoded {
  const out: { [key: string]: Encoded } = {};
  for (const [key, value] of Object.entries(obj)) out[key] = encodeValue(value);
  return out;
}

function encodeValue(value: unknown): Encoded {
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'string' || typeof value === 'boolean' || value === null || value === undefined) return value ?? null;
  // Windows of full-precision doubles (an SMA200 holds 200) are most of a snapshot: packed, not decimal JSON.
  if (value instanceof Float64Array) return { $p: packFloats(value) };
  if (value instanceof Int32Array) return { $f: Array.from(value, encodeNumber) };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (typeof value === 'object') return encodeState(value);
  throw new AppError('bad_state', `Kernel field of type ${typeof value} cannot be snapshot.`);
}

function badSnapshot(key: string): AppError {
  return new AppError('bad_snapshot', `Indicator snapshot does not match the indicator at field "${key}"; restore a snapshot with the same name and params.`, { status: 400 });
}

/** Writes an encoded state back into a freshly constructed kernel with the same params. */
export function decodeStateInto(target: object, encoded: unknown): void {
  if (encoded === null || typeof encoded !== 'object' || Array.isArray(encoded)) throw badSnapshot('(root)');
  const rec = target as Record<string, unknown>;
  for (const [key, enc] of Object.entries(encoded as Record<string, Encoded>)) {
    if (!(key in rec)) throw badSnapshot(key);
    const cur = rec[key];
    if (typeof cur === 'number') rec[key] = decodeNumber(enc);
    else if (cur instanceof Float64Array && typeof (enc as { $p?: Encoded } | null)?.$p === 'string') {
      const packed = unpackFloats((enc as { $p: string }).$p);
      if (packed.length !== cur.length) throw badSnapshot(key);
      cur.set(packed);
    } else if (cur instanceof Float64Array || cur instanceof Int32Array) {
      // Decimal arrays: Int32Array fields, and Float64Array fields of snapshots taken before packing.
      const arr = (enc as { $f?: Encoded[] } | null)?.$f;
      if (!Array.isArray(arr) || arr.length !== cur.length) throw badSnapshot(key);
      for (let i = 0; i < arr.length; i++) cur[i] = decodeNumber(arr[i] as Encoded);
    } else if (typeof cur === 'object' && cur !== null && !Array.isArray(cur)) decodeStateInto(cur, enc);
    else if (typeof cur === typeof enc) rec[key] = enc;
    else throw badSnapshot(key);
  }
}

/** Copies every field of src into dst (same class, same params), reusing dst's buffers. */
export function copyState(dst: object, src: object): void {
  const d = dst as Record<string, unknown>;
  for (const [key, value] of Object.entries(src)) {
    const cur = d[key];
    if (value instanceof Float64Array || value instanceof Int32Array) (cur as Float64Array).set(value);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) copyState(cur as object, value);
    else d[key] = value;
  }
}
