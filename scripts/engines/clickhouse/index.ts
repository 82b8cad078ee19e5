import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Session } from 'chdb';

export interface ClickHouseOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** chDB data directory; tables persist across restarts. */
  dataDir: string;
}

export interface ClickHouseEngine {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** URL parameters of ClickHouse's HTTP interface that are not settings. */
const NON_SETTINGS = new Set(['query', 'database', 'default_format', 'query_id', 'session_id', 'session_timeout', 'session_check', 'role', 'user', 'password', 'compress', 'decompress', 'quota_key']);
/** Settings only the HTTP handler understands; chDB has no HTTP layer, so they are accepted and ignored. */
const HTTP_ONLY = new Set(['enable_http_compression', 'http_zlib_compression_level', 'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'wait_end_of_query', 'buffer_size', 'http_response_buffer_size', 'cancel_http_readonly_queries_on_client_close', 'http_wait_end_of_query']);
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** ClickHouse's exceptionCodeToHTTPStatus (src/Server/HTTPHandler.cpp), for the codes a client can meet here. */
const STATUS_BY_CODE: ReadonlyMap<number, number> = new Map([
  ...[192, 193, 194, 516].map((c) => [c, 401] as const),
  ...[46, 47, 50, 56, 60, 63, 73, 81, 115].map((c) => [c, 404] as const),
  ...[6, 25, 26, 27, 38, 41, 53, 62, 72, 117, 223, 321].map((c) => [c, 400] as const),
]);

function httpStatusOf(code: number): number {
  return STATUS_BY_CODE.get(code) ?? 500;
}

interface ChdbError {
  message: string;
  clickhouseCode?: number;
}

/** Serialises work on the single chDB session: per-request settings and `USE` must not leak between requests. */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** chDB behind an HTTP endpoint compatible with ClickHouse's HTTP interface far enough for @clickhouse/client-web. */
export async function startClickHouse(options: ClickHouseOptions): Promise<ClickHouseEngine> {
  mkdirSync(options.dataDir, { recursive: true });
  // The server's JSON default (64-bit integers quoted); chDB's library default differs.
  const session = new Session(options.dataDir, { connectionArgs: ['--output_format_json_quote_64bit_integers=1'] });
  const version = (await session.queryAsync('SELECT version()', { format: 'TabSeparated' })).text().trim();
  const queue = new Queue();
  let counter = 0;

  async function execute(params: URLSearchParams, body: string): Promise<{ text: string; format: string }> {
    const urlQuery = params.get('query');
    // ClickHouse concatenates the URL query and the body (insert data, or the whole query when the URL has none).
    const sql = urlQuery === null ? body : body.length > 0 ? `${urlQuery}\n${body}` : urlQuery;
    if (sql.trim().length === 0) throw { message: 'Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)', clickhouseCode: 62 } satisfies ChdbError;
    const format = params.get('default_format') ?? 'TabSeparated';
    const bind: Record<string, string> = {};
    const settings: Array<[string, string]> = [];
    for (const [key, value] of params) {
      if (key.startsWith('param_')) bind[key.slice(6)] = value;
      else if (!NON_SETTINGS.has(key) && !HTTP_ONLY.has(key) && SETTING_NAME.test(key)) settings.push([key, value]);
    }
    // HTTP `param_*` values are ClickHouse's escaped text form (what the client's formatter writes); the server parses
    // them per type. chDB binds scalars raw (so unescape them) and mangles composite literals, so those become a CAST.
    let text = sql;
    for (const [name, type] of parameterTypes(sql)) {
      const value = bind[name];
      if (value === undefined) continue;
      if (isScalar(type)) {
        bind[name] = unescapeTsv(value);
      } else {
        delete bind[name];
        text = text.split(new RegExp(`\\{\\s*${name}\\s*:\\s*[^}]+?\\s*\\}`)).join(`CAST(${quoteLiteral(value)}, ${quoteLiteral(type)})`);
      }
    }
    const database = params.get('database');
    return queue.run(async () => {
      const applied: string[] = [];
      try {
        if (database !== null) await session.queryAsync(`USE ${quoteIdentifier(database)}`);
        for (const [name, value] of settings) {
          await session.queryAsync(`SET ${name} = ${quoteLiteral(value)}`);
          applied.push(name);
        }
        const result = Object.keys(bind).length > 0
          ? await session.queryBindAsync(text, bind, { format })
          : await session.queryAsync(text, { format });
        return { text: result.text(), format };
      } finally {
        for (const name of applied) await session.queryAsync(`SET ${name} = DEFAULT`).catch(() => undefined);
        if (database !== null) await session.queryAsync('USE default').catch(() => undefined);
      }
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' }).end(`There is no handle ${url.pathname}\n`);
      return;
    }
    const queryId = url.searchParams.get('query_id') ?? `chdb-${process.pid}-${++counter}`;
    const raw = await readBody(req);
    const params = new URLSearchParams(url.searchParams);
    let body = raw.toString('utf8');
    const contentType = req.headers['content-type'] ?? '';
    if (contentType.startsWith('multipart/form-data')) {
      // Large bind parameters arrive as form parts (client use_multipart_params).
      const form = await new Request('http://localhost/', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(raw) }).formData();
      body = '';
      for (const [key, value] of form) if (typeof value === 'string') params.set(key, value);
    }
    const headers = { 'X-ClickHouse-Query-Id': queryId, 'X-ClickHouse-Server-Display-Name': 'chdb' };
    try {
      const { text, format } = await execute(params, body);
      res.writeHead(200, {
        ...headers,
        'Content-Type': contentTypeOf(format),
        'X-ClickHouse-Format': format,
        'X-ClickHouse-Summary': JSON.stringify({ read_rows: '0', read_bytes: '0', written_rows: '0', written_bytes: '0', total_rows_to_read: '0', result_rows: '0', result_bytes: '0', elapsed_ns: '0' }),
      }).end(text);
    } catch (error) {
      const e = error as ChdbError;
      const code = e.clickhouseCode ?? Number(/Code: (\d+)/.exec(e.message)?.[1] ?? 1001);
      const message = /^Code: \d+\./.test(e.message) ? e.message : `Code: ${code}. DB::Exception: ${e.message}. (STD_EXCEPTION)`;
      res.writeHead(httpStatusOf(code), { ...headers, 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(code) })
        .end(`${message} (version ${version})\n`);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'X-ClickHouse-Exception-Code': '1001' });
      res.end(`Code: 1001. DB::Exception: ${(error as Error).message}. (STD_EXCEPTION)\n`);
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
  let stopped = false;
  return {
    url: `http://${host}:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.run(async () => session.close());
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const TSV_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', r: '\r', n: '\n', t: '\t', '0': '\0', "'": "'", '\\': '\\' };

/** `{name:Type}` placeholders of a query. */
function parameterTypes(sql: string): Map<string, string> {
  return new Map([...sql.matchAll(/\{\s*(\w+)\s*:\s*([^}]+?)\s*\}/g)].map((m) => [m[1]!, m[2]!]));
}

function isScalar(type: string | undefined): boolean {
  return type !== undefined && !/^(Array|Tuple|Map|Nested)\(/.test(type);
}

/** Escaped text form -> raw value (`it\\'s` -> `it's`). */
function unescapeTsv(value: string): string {
  return value.replace(/\\(.)/g, (_m, c: string) => TSV_ESCAPES[c] ?? c);
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function contentTypeOf(format: string): string {
  if (format.startsWith('JSON')) return 'application/json; charset=UTF-8';
  if (format.startsWith('CSV')) return 'text/csv; charset=UTF-8';
  return 'text/plain; charset=UTF-8';
}
