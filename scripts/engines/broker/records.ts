/**
 * RecordBatch v2 (magic 2) helpers. Batches are stored byte-for-byte as the client sent them; the broker only rewrites
 * baseOffset (bytes 0-7) and partitionLeaderEpoch (12-15), which lie outside the CRC (it covers bytes 21..end).
 */
import { crc32c } from './crc32c.ts';

export const BATCH_HEADER = 61;
export const LOG_OVERHEAD = 12;

export interface BatchInfo {
  /** Bytes of the whole batch (12 + batchLength). */
  size: number;
  lastOffsetDelta: number;
  maxTimestamp: number;
  attributes: number;
  recordsCount: number;
}

export type BatchCheck = { ok: true; batches: BatchInfo[] } | { ok: false; error: number; reason: string };

export const ERR_CORRUPT_MESSAGE = 2;
export const ERR_INVALID_RECORD = 87;
export const ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT = 43;

/** Validates every batch in a produce payload: framing, magic 2, CRC-32C, offset/count consistency, no control batches. */
export function checkBatches(buf: Buffer): BatchCheck {
  const batches: BatchInfo[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < BATCH_HEADER) return { ok: false, error: ERR_CORRUPT_MESSAGE, reason: 'truncated batch header' };
    const size = LOG_OVERHEAD + buf.readInt32BE(pos + 8);
    if (size < BATCH_HEADER || pos + size > buf.length) return { ok: false, error: ERR_CORRUPT_MESSAGE, reason: 'batch length out of range' };
    if (buf[pos + 16] !== 2) return { ok: false, error: ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT, reason: 'only RecordBatch magic 2 is accepted' };
    if (crc32c(buf, pos + 21, pos + size) !== buf.readUInt32BE(pos + 17)) return { ok: false, error: ERR_CORRUPT_MESSAGE, reason: 'CRC-32C mismatch' };
    const attributes = buf.readInt16BE(pos + 21);
    if (attributes & 0x20) return { ok: false, error: ERR_INVALID_RECORD, reason: 'clients may not write control batches' };
    const lastOffsetDelta = buf.readInt32BE(pos + 23);
    const recordsCount = buf.readInt32BE(pos + 57);
    if (recordsCount <= 0 || lastOffsetDelta + 1 !== recordsCount) return { ok: false, error: ERR_INVALID_RECORD, reason: 'record count does not match lastOffsetDelta' };
    batches.push({ size, lastOffsetDelta, maxTimestamp: Number(buf.readBigInt64BE(pos + 35)), attributes, recordsCount });
    pos += size;
  }
  if (batches.length === 0) return { ok: false, error: ERR_CORRUPT_MESSAGE, reason: 'no record batch' };
  return { ok: true, batches };
}

/** Header fields of a stored batch at `pos`, or null when the bytes there are not a whole batch (a torn tail). */
export function readStoredBatch(buf: Buffer, pos: number): { baseOffset: number; size: number; lastOffsetDelta: number; maxTimestamp: number } | null {
  if (buf.length - pos < BATCH_HEADER) return null;
  const size = LOG_OVERHEAD + buf.readInt32BE(pos + 8);
  if (size < BATCH_HEADER || pos + size > buf.length || buf[pos + 16] !== 2) return null;
  if (crc32c(buf, pos + 21, pos + size) !== buf.readUInt32BE(pos + 17)) return null;
  return {
    baseOffset: Number(buf.readBigInt64BE(pos)),
    size,
    lastOffsetDelta: buf.readInt32BE(pos + 23),
    maxTimestamp: Number(buf.readBigInt64BE(pos + 35)),
  };
}

export function compressionOf(batch: Buffer): number {
  return batch.readInt16BE(21) & 0x07;
}

export interface RecordView {
  /** Absolute offset. */
  offset: number;
  timestamp: number;
  key: Buffer | null;
  /** True when the value is null (a tombstone). */
  tombstone: boolean;
  /** The record's bytes including its length prefix, for re-framing without re-encoding. */
  raw: Buffer;
}

function readVarint(buf: Buffer, at: { pos: number }): number {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at.pos >= buf.length) throw new Error('truncated varint');
    const b = buf[at.pos++] as number;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 63) throw new Error('varint too long');
  }
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

/** Decodes the records of an uncompressed batch (records area only; compressed batches are not opened). */
export function recordsOf(batch: Buffer, recordsArea: Buffer = batch.subarray(BATCH_HEADER)): RecordView[] {
  const baseOffset = Number(batch.readBigInt64BE(0));
  const baseTimestamp = Number(batch.readBigInt64BE(27));
  const count = batch.readInt32BE(57);
  const out: RecordView[] = [];
  const at = { pos: 0 };
  for (let i = 0; i < count; i++) {
    const start = at.pos;
    const length = readVarint(recordsArea, at);
    const bodyStart = at.pos;
    at.pos += 1; // attributes
    const tsDelta = readVarint(recordsArea, at);
    const offsetDelta = readVarint(recordsArea, at);
    const keyLen = readVarint(recordsArea, at);
    const key = keyLen < 0 ? null : recordsArea.subarray(at.pos, at.pos + keyLen);
    if (keyLen > 0) at.pos += keyLen;
    const valueLen = readVarint(recordsArea, at);
    at.pos = bodyStart + length;
    if (at.pos > recordsArea.length) throw new Error('truncated record');
    out.push({ offset: baseOffset + offsetDelta, timestamp: baseTimestamp + tsDelta, key, tombstone: valueLen < 0, raw: recordsArea.subarray(start, at.pos) });
  }
  return out;
}

/** A copy of an uncompressed batch holding only `keep` (offsets and lastOffsetDelta unchanged), with a fresh CRC. */
export function rebuildBatch(batch: Buffer, keep: RecordView[]): Buffer {
  const body = Buffer.concat(keep.map((r) => r.raw));
  const out = Buffer.allocUnsafe(BATCH_HEADER + body.length);
  batch.copy(out, 0, 0, BATCH_HEADER);
  body.copy(out, BATCH_HEADER);
  out.writeInt32BE(out.length - LOG_OVERHEAD, 8);
  out.writeInt32BE(keep.length, 57);
  out.writeUInt32BE(crc32c(out, 21), 17);
  return out;
}
