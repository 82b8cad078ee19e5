import { availableParallelism } from 'node:os';
import type { StreamConfig } from './config.ts';
import { buildInput } from './inputs.ts';
import { createLogger, type Logger } from './logger.ts';
import { CONTENT_TYPE as METRICS_CONTENT_TYPE } from '../../functions/lib/metrics/registry.ts';
import { Metrics } from './metrics.ts';
import { buildOutput } from './outputs.ts';
import { buildProcessors, runProcessors } from './processors.ts';
import { sleep, type Ctx } from './runtime.ts';
import { HttpServers } from './server.ts';

export interface RunningStream {
  metrics: Metrics;
  /** Resolves when the input ended and everything was delivered (or the stream was stopped). */
  done: Promise<void>;
  /** Graceful stop: stop the input, drain in-flight batches (up to shutdown_timeout), commit, close. */
  stop(): Promise<void>;
  /** The bound port of the service HTTP server, when `http.enabled`. */
  httpPort: number | undefined;
}

export interface StartOptions {
  servers?: HttpServers;
  log?: Logger;
  metrics?: Metrics;
}

/** Starts one pipeline: input -> pipeline processors -> output, acknowledging each input batch only after delivery. */
export async function startStream(config: StreamConfig, options: StartOptions = {}): Promise<RunningStream> {
  const servers = options.servers ?? new HttpServers();
  const ownServers = options.servers === undefined;
  const log = options.log ?? createLogger(config.logger);
  const metrics = options.metrics ?? new Metrics();
  const hardStop = new AbortController();
  const ctx: Ctx = { log, metrics, resources: config.resources, signal: hardStop.signal, servers, serviceAddress: config.http.address };

  let ready = false;
  let httpPort: number | undefined;
  if (config.http.enabled) {
    const root = config.http.root_path.replace(/\/$/, '');
    const text = (body: string, status = 200) => (_req: unknown, res: import('node:http').ServerResponse) => res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body);
    for (const p of new Set(['', root])) {
      // Several streams of one process share the service server: the first one registers the endpoints.
      if (servers.has(config.http.address, `${p}/ping`)) continue;
      await servers.route(config.http.address, `${p}/ping`, text('pong'));
      await servers.route(config.http.address, `${p}/ready`, (req, res) => text(ready ? 'OK' : 'not ready', ready ? 200 : 503)(req, res));
      await servers.route(config.http.address, `${p}/metrics`, (_req, res) => res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE }).end(metrics.render()));
    }
    httpPort = await servers.portOf(config.http.address);
  }

  const input = buildInput(config.input, ctx, 'root.input');
  const processors = buildProcessors(config.pipeline.processors, ctx, 'root.pipeline.processors');
  const output = buildOutput(config.output, ctx, 'root.output');
  // Like Connect's pipeline threads: -1 = one per CPU. With Kafka inputs (one batch per partition in flight) this is
  // also how many partitions progress at once.
  const workers = config.pipeline.threads <= 0 ? availableParallelism() : config.pipeline.threads;
  /** Closes the output, the input, the processors and (when this stream owns them) the HTTP servers. */
  const release = async (): Promise<void> => {
    await output.close().catch((e: unknown) => log.warn(`closing output: ${(e as Error).message}`));
    await input.close().catch((e: unknown) => log.warn(`closing input: ${(e as Error).message}`));
    for (const p of processors) await p.close?.();
    if (ownServers) await servers.closeAll();
  };
  try {
    // Started means taking data: a caller may send to an http_server input as soon as this resolves.
    await input.ready;
  } catch (error) {
    await input.stop().catch(() => undefined);
    await release();
    throw error;
  }
  ready = true;

  const worker = async (): Promise<void> => {
    for (;;) {
      const d = await input.read();
      if (d === null) return;
      try {
        const out = await runProcessors(processors, d.batch);
        if (out.length > 0) await output.write(out);
        d.ack();
      } catch (error) {
        log.warn(`batch not delivered: ${(error as Error).message}`);
        d.ack(error as Error);
      }
    }
  };
  const drained = Promise.all(Array.from({ length: workers }, worker));
  let closing: Promise<void> | undefined;
  const finish = (): Promise<void> => (closing ??= drained.then(release));
  const done = drained.then(() => finish());

  return {
    metrics,
    done,
    httpPort,
    async stop() {
      ready = false;
      if (config.shutdownDelayMs > 0) await sleep(config.shutdownDelayMs);
      await input.stop();
      const timer = setTimeout(() => hardStop.abort(), config.shutdownTimeoutMs);
      try {
        await finish();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
