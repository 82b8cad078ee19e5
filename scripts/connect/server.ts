import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * HTTP servers shared by address inside one runner process: the service server (`http:` block: /ping, /ready,
 * /metrics) and `http_server` inputs (an empty `address` registers on the service server, as in Connect).
 */
export class HttpServers {
  private readonly servers = new Map<string, { server: Server; routes: Map<string, Route>; listening: Promise<number> }>();

  /** Registers `path` on the server at `address` (`host:port`, port 0 = free port); resolves with the bound port. */
  route(address: string, path: string, handler: Route): Promise<number> {
    let entry = this.servers.get(address);
    if (entry === undefined) {
      const routes = new Map<string, Route>();
      const server = createServer((req, res) => {
        const pathname = new URL(req.url ?? '/', 'http://x').pathname;
        const r = routes.get(pathname);
        if (r) r(req, res);
        else res.writeHead(404).end();
      });
      const [host, port] = splitAddress(address);
      const listening = new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const a = server.address();
          resolve(typeof a === 'object' && a !== null ? a.port : port);
        });
      });
      entry = { server, routes, listening };
      this.servers.set(address, entry);
    }
    if (entry.routes.has(path)) throw new Error(`path ${path} is already registered on ${address}`);
    entry.routes.set(path, handler);
    return entry.listening;
  }

  /** The bound port of the server at `address` (it must have a route). */
  portOf(address: string): Promise<number> {
    const entry = this.servers.get(address);
    if (entry === undefined) throw new Error(`no server on ${address}`);
    return entry.listening;
  }

  has(address: string, path: string): boolean {
    return this.servers.get(address)?.routes.has(path) ?? false;
  }

  unroute(address: string, path: string): void {
    this.servers.get(address)?.routes.delete(path);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.servers.values()].map((e) => new Promise<void>((resolve) => {
      e.server.close(() => resolve());
      e.server.closeAllConnections();
    })));
    this.servers.clear();
  }
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  if (i < 0) throw new Error(`address "${address}" must be host:port`);
  return [address.slice(0, i) || '0.0.0.0', Number(address.slice(i + 1))];
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
