// Deno entry for the smoke test: `deno run --allow-net --allow-read --allow-env test/mcp/edge/deno.ts`.
import app from './app.ts';

declare const Deno: { serve(opts: { port: number; hostname: string; onListen(addr: { port: number }): void }, handler: (req: Request) => Response | Promise<Response>): unknown };

Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`LISTENING ${port}`) }, app.fetch);
