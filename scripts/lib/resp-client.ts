import { connect, type Socket } from 'node:net';

/** A reply of the Redis protocol (RESP2). Errors are rejected, never returned. */
export type RespValue = string | number | null | RespValue[];

interface Pending {
  resolve: (value: RespValue) => void;
  reject: (error: Error) => void;
}

/**
 * A minimal pipelining Redis client over one TCP connection (RESP2): commands are written immediately and replies are
 * matched to them in order. Enough for the state adapter; no pub/sub, no cluster redirects.
 */
export class RespClient {
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error('redis connection closed')));
  }

  static async connect(url: string, clientName?: string): Promise<RespClient> {
    const parsed = new URL(url);
    const socket = connect({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379) });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RespClient(socket);
    if (parsed.password !== '') {
      const args = parsed.username !== '' ? ['AUTH', decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)] : ['AUTH', decodeURIComponent(parsed.password)];
      await client.command(args);
    }
    const db = parsed.pathname.replace('/', '');
    if (db !== '') await client.command(['SELECT', db]);
    // A name makes the connection findable in CLIENT LIST (operations, and the reconnect test).
    if (clientName !== undefined) await client.command(['CLIENT', 'SETNAME', clientName]);
    return client;
  }

  /** False once the connection closed or failed; the owner opens a new client then. */
  get connected(): boolean {
    return !this.closed;
  }

  command(args: ReadonlyArray<string | number>): Promise<RespValue> {
    if (this.closed) return Promise.reject(new Error('redis connection closed'));
    let out = `*${args.length}\r\n`;
    for (const arg of args) {
      const text = String(arg);
      out += `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
    }
    return new Promise<RespValue>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(out);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.command(['QUIT']).catch(() => undefined);
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (parsed === undefined) return;
      this.buffer = this.buffer.subarray(parsed.end);
      const waiter = this.pending.shift();
      if (waiter === undefined) continue;
      if (parsed.value instanceof Error) waiter.reject(parsed.value);
      else waiter.resolve(parsed.value);
    }
  }

  private failAll(error: Error): void {
    this.closed = true;
    for (const waiter of this.pending.splice(0)) waiter.reject(error);
  }
}

type Parsed = { value: RespValue | Error; end: number };

/** Parses one reply starting at `start`; undefined when the buffer does not hold all of it yet. */
function parseReply(buf: Buffer, start: number): Parsed | undefined {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[start] as number);
  const line = buf.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new Error(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buf.length < next + length + 2) return undefined;
      return { value: buf.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let offset = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, offset);
        if (item === undefined) return undefined;
        if (item.value instanceof Error) return { value: item.value, end: item.end };
        items.push(item.value);
        offset = item.end;
      }
      return { value: items, end: offset };
    }
    default:
      return { value: new Error(`unexpected RESP type ${JSON.stringify(type)}`), end: next };
  }
}
