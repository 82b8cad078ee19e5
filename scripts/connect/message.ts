/** JSON text of a Bloblang value; bytes (from `content()`) are written as strings, as Bloblang does. */
export function toJSONText(value: unknown): string {
  // The replacer costs several times a plain stringify, so it is only used when the value holds bytes.
  if (!holdsBytes(value, 0)) return JSON.stringify(value ?? null);
  return JSON.stringify(value ?? null, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : v;
  });
}

/** True when `value` holds a Uint8Array (or is too deep to tell cheaply, so the careful path runs). */
function holdsBytes(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (value instanceof Uint8Array || depth > 32) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === 'object' && holdsBytes(v, depth + 1)) return true;
    return false;
  }
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object' && holdsBytes(v, depth + 1)) return true;
  }
  return false;
}

/**
 * One message as Connect models it: raw bytes, string metadata and an optional error flag. The JSON form is parsed
 * lazily and cached, because most processors only pass bytes along; a message made from a value (unarchive, mapping)
 * is serialised lazily too, because most such messages are only looked at as values until an output writes them.
 * Parsed values hold no bytes, are shared between copies and are never mutated in place (mappings clone before writing
 * into them).
 */
export class Message {
  meta: Map<string, unknown>;
  error: string | undefined;
  private bytes: Buffer | undefined;
  private parsed: { ok: true; value: unknown } | { ok: false; reason: string } | undefined;

  constructor(content: Buffer | string, meta?: Map<string, unknown>, error?: string) {
    this.bytes = typeof content === 'string' ? Buffer.from(content) : content;
    this.meta = meta ?? new Map();
    this.error = error;
  }

  get content(): Buffer {
    // A parsed value never holds bytes (setValue keeps those as bytes), so it needs no toJSONText scan.
    if (this.bytes === undefined) this.bytes = Buffer.from(JSON.stringify((this.parsed as { value: unknown }).value));
    return this.bytes;
  }

  set content(content: Buffer) {
    this.setBytes(content);
  }

  /** A message holding `value`, which must be a JSON value (parsed JSON, no bytes). */
  static fromJSON(value: unknown, from?: Message): Message {
    const m = new Message(EMPTY, from ? new Map(from.meta) : undefined, from?.error);
    m.bytes = undefined;
    m.parsed = { ok: true, value };
    return m;
  }

  /**
   * A JSON array of the parts' values, written by joining their bytes (valid JSON each, since each was parsed) rather
   * than serialising the whole array again: `archive` feeds every function call through here.
   */
  static jsonArrayOf(parts: readonly Message[], values: unknown[], from?: Message): Message {
    const chunks: Buffer[] = [OPEN];
    parts.forEach((p, i) => {
      if (i > 0) chunks.push(COMMA);
      chunks.push(p.content);
    });
    chunks.push(CLOSE);
    const m = new Message(Buffer.concat(chunks), from ? new Map(from.meta) : undefined, from?.error);
    m.parsed = { ok: true, value: values };
    return m;
  }

  /** The parsed JSON content; throws the same kind of error Connect gives for a non-JSON payload. */
  json(): unknown {
    if (this.parsed === undefined) {
      try {
        this.parsed = { ok: true, value: JSON.parse((this.bytes as Buffer).toString('utf8')) };
      } catch (error) {
        this.parsed = { ok: false, reason: (error as Error).message };
      }
    }
    if (!this.parsed.ok) throw new Error(`failed to parse message as JSON: ${this.parsed.reason}`);
    return this.parsed.value;
  }

  /** Replaces the content with a Bloblang result: strings and bytes are written raw, everything else as JSON. */
  setValue(value: unknown): void {
    if (value instanceof Uint8Array) this.setBytes(Buffer.from(value));
    else if (typeof value === 'string') this.setBytes(Buffer.from(value));
    else if (holdsBytes(value, 0)) {
      // Bytes inside a value serialise as strings, so the value read back differs from this one: parse it again.
      this.bytes = Buffer.from(toJSONText(value));
      this.parsed = undefined;
    } else {
      this.bytes = undefined;
      this.parsed = { ok: true, value: value === undefined ? null : value };
    }
  }

  setBytes(content: Buffer): void {
    this.bytes = content;
    this.parsed = undefined;
  }

  copy(): Message {
    const m = new Message(EMPTY, new Map(this.meta), this.error);
    m.bytes = this.bytes;
    m.parsed = this.parsed;
    return m;
  }
}

const EMPTY = Buffer.alloc(0);
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

export type Batch = Message[];
