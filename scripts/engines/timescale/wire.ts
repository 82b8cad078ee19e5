// Postgres wire-protocol framing helpers for the PGlite server (v3 protocol, see postgresql.org/docs/current/protocol-message-formats.html).

export const PROTOCOL_V3 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** One backend message: type byte + int32 length (self-inclusive) + body. */
export function backendMessage(type: string, body: Uint8Array = new Uint8Array(0)): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(body.length + 4, 1);
  Buffer.from(body).copy(out, 5);
  return out;
}

function cstrings(...parts: string[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(`${p}\0`, 'utf8')));
}

export function readyForQuery(status: TxStatus): Buffer {
  return backendMessage('Z', Buffer.from(status, 'latin1'));
}

export type TxStatus = 'I' | 'T' | 'E';

/** AuthenticationOk, the ParameterStatus set libpq and node-postgres rely on, BackendKeyData and ReadyForQuery. */
export function startupReply(processId: number, serverVersion: string): Buffer {
  const params: Array<[string, string]> = [
    ['server_version', serverVersion],
    ['server_encoding', 'UTF8'],
    ['client_encoding', 'UTF8'],
    ['DateStyle', 'ISO, MDY'],
    ['integer_datetimes', 'on'],
    ['standard_conforming_strings', 'on'],
    ['TimeZone', 'UTC'],
    ['IntervalStyle', 'postgres'],
    ['is_superuser', 'on'],
    ['session_authorization', 'postgres'],
    ['application_name', ''],
  ];
  const key = Buffer.alloc(8);
  key.writeInt32BE(processId, 0);
  key.writeInt32BE(0, 4);
  const auth = Buffer.alloc(4);
  return Buffer.concat([
    backendMessage('R', auth),
    ...params.map(([k, v]) => backendMessage('S', cstrings(k, v))),
    backendMessage('K', key),
    readyForQuery('I'),
  ]);
}

export function errorResponse(code: string, message: string): Buffer {
  return backendMessage('E', Buffer.concat([cstrings(`SERROR`, `VERROR`, `C${code}`, `M${message}`), Buffer.from([0])]));
}

export type BackendEvent = { kind: 'tag'; tag: string } | { kind: 'error'; sqlState: string };

export interface ParsedBackend {
  /** CommandComplete tags and ErrorResponse SQLSTATEs in the order the backend sent them. */
  events: BackendEvent[];
  /** The output without any ReadyForQuery: the server appends its own with the tracked status. */
  withoutReady: Buffer;
}

/** Splits PGlite's raw output into messages, collecting CommandComplete tags and error SQLSTATEs in order. */
export function inspectBackend(raw: Uint8Array): ParsedBackend {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const events: BackendEvent[] = [];
  const keep: Buffer[] = [];
  let i = 0;
  while (i + 5 <= buf.length) {
    const type = String.fromCharCode(buf[i]!);
    const len = buf.readInt32BE(i + 1);
    const end = i + 1 + len;
    if (type === 'C') events.push({ kind: 'tag', tag: buf.subarray(i + 5, end - 1).toString('utf8') });
    if (type === 'E') events.push({ kind: 'error', sqlState: sqlState(buf.subarray(i + 5, end)) });
    if (type !== 'Z') keep.push(buf.subarray(i, end));
    i = end;
  }
  return { events, withoutReady: Buffer.concat(keep) };
}

function sqlState(fields: Buffer): string {
  let i = 0;
  while (i < fields.length && fields[i] !== 0) {
    const code = String.fromCharCode(fields[i]!);
    const end = fields.indexOf(0, i + 1);
    if (code === 'C') return fields.subarray(i + 1, end).toString('latin1');
    i = end + 1;
  }
  return '';
}
