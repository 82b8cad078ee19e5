/**
 * Numbers packed for stored state: little-endian float64s in one base64 string. Bit-exact (NaN and ±Infinity
 * included) and, for the hundreds of full-precision numbers a series' state holds, cheaper to write and read back than
 * their decimal JSON (formatting and parsing doubles is most of the cost of JSON).
 */
import { AppError } from '../errors.ts';

/** btoa takes a "binary string"; building it in chunks keeps String.fromCharCode's argument count bounded. */
const CHUNK = 0x2000;
/** Every runtime we target is little-endian; the check keeps a big-endian one correct (through DataView), not fast. */
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

function bytesOf(values: ArrayLike<number>): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(Float64Array.from(values).buffer);
  const view = new DataView(new ArrayBuffer(values.length * 8));
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i] as number, true);
  return new Uint8Array(view.buffer);
}

export function packFloats(values: ArrayLike<number>): string {
  const bytes = bytesOf(values);
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  return btoa(binary);
}

export function unpackFloats(packed: string): Float64Array {
  let binary: string;
  try {
    binary = atob(packed);
  } catch {
    throw new AppError('bad_state', 'Stored state holds packed numbers that are not base64; discard the state (it is rebuilt from new candles).');
  }
  if (binary.length % 8 !== 0) throw new AppError('bad_state', `Stored state holds ${binary.length} packed bytes, not a whole number of float64s; discard the state.`);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (LITTLE_ENDIAN) return new Float64Array(bytes.buffer);
  const view = new DataView(bytes.buffer);
  return Float64Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(i * 8, true));
}
