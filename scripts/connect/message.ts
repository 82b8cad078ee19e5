/** JSON text of a Bloblang value; bytes (from `content()`) are written as strings, as Bloblang does. */
export function toJSONText(value: unknown): string {
  return JSON.stringify(value ?? null, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : v;
  });
}

/**
 * One message as Connect models it: raw bytes, string metadata and an optional error flag. The JSON form is parsed
 * lazily and cached, because most processors only pass bytes along.
 */
export class Message {
  content: Buffer;
  meta: Map<string, unknown>;
  error: string | undefined;
  private parsed: { ok: true; value: unknown } | { ok: false; reason: string } | undefined;

  constructor(content: Buffer | string, meta?: Map<string, unknown>, error?: string) {
    this.content = typeof content === 'string' ? Buffer.from(content) : content;
    this.meta = meta ?? new Map();
    this.error = error;
  }

  static fromJSON(value: unknown, from?: Message): Message {
    const m = new Message(Buffer.from(toJSONText(value)), from ? new Map(from.meta) : undefined, from?.error);
    m.parsed = { ok: true, value };
    return m;
  }

  /** The parsed JSON content; throws the same kind of error Connect gives for a non-JSON payload. */
  json(): unknown {
    if (this.parsed === undefined) {
      try {
        this.parsed = { ok: true, value: JSON.parse(this.content.toString('utf8')) };
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
    else {
      this.content = Buffer.from(toJSONText(value));
      this.parsed = undefined;
    }
  }

  setBytes(content: Buffer): void {
    this.content = content;
    this.parsed = undefined;
  }

  copy(): Message {
    const m = new Message(this.content, new Map(this.meta), this.error);
    m.parsed = this.parsed;
    return m;
  }
}

export type Batch = Message[];
