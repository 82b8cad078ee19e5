/**
 * Kafka wire primitives. One Reader/Writer pair serves every API version: `flexible` switches strings, bytes and arrays
 * to their compact (uvarint length + 1) forms and makes `tags()` read/write the tagged-field buffer, so each API codec is
 * written once with version conditions instead of once per version.
 */
export class ProtocolError extends Error {}

export class Reader {
  pos: number;
  constructor(readonly buf: Buffer, readonly flexible = false, start = 0) {
    this.pos = start;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProtocolError(`truncated request: need ${n} bytes at ${this.pos} of ${this.buf.length}`);
  }
  remaining(): number {
    return this.buf.length - this.pos;
  }
  i8(): number { this.need(1); return this.buf.readInt8(this.pos++); }
  bool(): boolean { return this.i8() !== 0; }
  i16(): number { this.need(2); const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  i32(): number { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  /** int64 as a JS number: offsets and timestamps stay far below 2^53. */
  i64(): number { this.need(8); const v = Number(this.buf.readBigInt64BE(this.pos)); this.pos += 8; return v; }
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const b = this.buf[this.pos++] as number;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw new ProtocolError('varint too long');
  }
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  private len(): number {
    if (this.flexible) return this.uvarint() - 1;
    return this.i16();
  }
  nstr(): string | null {
    const n = this.len();
    if (n < 0) return null;
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  str(): string { return this.nstr() ?? ''; }
  /** Request-header client_id: always an int16-length string, even in flexible header v2. */
  legacyNstr(): string | null {
    const n = this.i16();
    if (n < 0) return null;
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  nbytes(): Buffer | null {
    const n = this.flexible ? this.uvarint() - 1 : this.i32();
    if (n < 0) return null;
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  bytes(): Buffer { return this.nbytes() ?? Buffer.alloc(0); }
  /** Fixed-size field such as a UUID. */
  raw(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  narr<T>(item: (r: Reader) => T): T[] | null {
    const n = this.flexible ? this.uvarint() - 1 : this.i32();
    if (n < 0) return null;
    if (n > this.remaining()) throw new ProtocolError(`array length ${n} exceeds the request`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
  arr<T>(item: (r: Reader) => T): T[] { return this.narr(item) ?? []; }
  /** Skips a tagged-field buffer (flexible versions only); we define no tagged fields of our own. */
  tags(): void {
    if (!this.flexible) return;
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.need(size);
      this.pos += size;
    }
  }
}

const SMALL = 16 * 1024;

/** Builds a response as a list of chunks so large record sets are sent without being copied into one buffer. */
export class Writer {
  private chunks: Buffer[] = [];
  private cur = Buffer.allocUnsafe(256);
  private pos = 0;
  private total = 0;
  constructor(readonly flexible = false) {}

  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.flushCur();
    this.cur = Buffer.allocUnsafe(Math.max(n, Math.min(SMALL, this.cur.length * 2)));
  }
  private flushCur(): void {
    if (this.pos > 0) {
      this.chunks.push(this.cur.subarray(0, this.pos));
      this.total += this.pos;
      this.cur = this.cur.subarray(this.pos);
      this.pos = 0;
    }
  }
  i8(v: number): this { this.ensure(1); this.cur.writeInt8(v, this.pos); this.pos += 1; return this; }
  bool(v: boolean): this { return this.i8(v ? 1 : 0); }
  i16(v: number): this { this.ensure(2); this.cur.writeInt16BE(v, this.pos); this.pos += 2; return this; }
  i32(v: number): this { this.ensure(4); this.cur.writeInt32BE(v, this.pos); this.pos += 4; return this; }
  u32(v: number): this { this.ensure(4); this.cur.writeUInt32BE(v, this.pos); this.pos += 4; return this; }
  i64(v: number): this { this.ensure(8); this.cur.writeBigInt64BE(BigInt(v), this.pos); this.pos += 8; return this; }
  uvarint(v: number): this {
    this.ensure(5);
    while (v >= 0x80) {
      this.cur[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.cur[this.pos++] = v;
    return this;
  }
  private len(n: number): this {
    return this.flexible ? this.uvarint(n + 1) : this.i16(n);
  }
  nstr(s: string | null): this {
    if (s === null) return this.flexible ? this.uvarint(0) : this.i16(-1);
    const n = Buffer.byteLength(s);
    this.len(n);
    this.ensure(n);
    this.cur.write(s, this.pos, 'utf8');
    this.pos += n;
    return this;
  }
  str(s: string): this { return this.nstr(s); }
  nbytes(b: Uint8Array | null): this {
    if (b === null) return this.flexible ? this.uvarint(0) : this.i32(-1);
    if (this.flexible) this.uvarint(b.length + 1);
    else this.i32(b.length);
    return this.raw(b);
  }
  /** Appends bytes; big ones become their own chunk (no copy). */
  raw(b: Uint8Array): this {
    if (b.length >= 512) {
      this.flushCur();
      this.chunks.push(Buffer.from(b.buffer, b.byteOffset, b.length));
      this.total += b.length;
      return this;
    }
    this.ensure(b.length);
    this.cur.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  arrLen(n: number): this { return this.flexible ? this.uvarint(n + 1) : this.i32(n); }
  arr<T>(items: readonly T[], item: (w: this, v: T) => void): this {
    this.arrLen(items.length);
    for (const v of items) item(this, v);
    return this;
  }
  nullArr(): this { return this.flexible ? this.uvarint(0) : this.i32(-1); }
  tags(): this { return this.flexible ? this.uvarint(0) : this; }
  /** Byte length and chunks written so far. */
  finish(): { size: number; chunks: Buffer[] } {
    this.flushCur();
    return { size: this.total, chunks: this.chunks };
  }
}
