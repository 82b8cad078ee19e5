import { Interpolation, Mapping } from './bloblang.ts';
import { Accumulator, BatchPolicy, type BatchPolicyConf } from './batcher.ts';
import type { ComponentConf } from './config.ts';
import { Message } from './message.ts';
import { applyMapping, buildProcessors, runProcessors } from './processors.ts';
import { redpandaInput, type RedpandaInputConf } from './redpanda.ts';
import { componentId, deliverUntilDone, HandOff, sleep, type Ctx, type Delivery, type Input } from './runtime.ts';
import { readBody } from './server.ts';
import { parseDuration } from './units.ts';

/** Builds an input with its own `processors` and metrics around the bare component. */
export function buildInput(conf: ComponentConf, ctx: Ctx, path: string): Input {
  if (conf.name === 'resource') return buildInput(ctx.resources.input.get(String(conf.config)) as ComponentConf, ctx, `resource.${String(conf.config)}`);
  const inner = buildBare(conf, ctx, path);
  const processors = buildProcessors(conf.processors, ctx, `${path}.processors`);
  const labels = { label: componentId(conf, path), path };
  return {
    ...(inner.ready === undefined ? {} : { ready: inner.ready }),
    async read() {
      for (;;) {
        const d = await inner.read();
        if (d === null) return null;
        ctx.metrics.add('input_received', labels, d.batch.length);
        if (processors.length === 0) return d;
        const batch = await runProcessors(processors, d.batch);
        if (batch.length > 0) return { batch, ack: d.ack };
        d.ack(); // Everything was filtered out: acknowledged, as in Connect.
      }
    },
    stop: () => inner.stop(),
    close: () => inner.close(),
  };
}

function buildBare(conf: ComponentConf, ctx: Ctx, path: string): Input {
  const c = conf.config as Record<string, unknown>;
  switch (conf.name) {
    case 'generate':
      return generate(c, ctx);
    case 'http_server':
      return httpServer(c, ctx);
    case 'batched':
      return batched(buildInput(c.child as ComponentConf, ctx, `${path}.child`), c.policy as BatchPolicyConf, ctx, path);
    case 'redpanda':
      return redpandaInput(c as unknown as RedpandaInputConf, ctx);
    default:
      throw new Error(`input ${conf.name} has no implementation`);
  }
}

/** `generate`: a mapping run `count` times (0 = forever) every `interval`, `batch_size` messages at a time. */
function generate(c: Record<string, unknown>, ctx: Ctx): Input {
  const mapping = Mapping.parse(c.mapping as string);
  const interval = String(c.interval).replace(/^@every\s+/, '');
  if (interval.includes(' ')) throw new Error(`generate: cron intervals ("${String(c.interval)}") are not supported by the local runner; use a duration or @every <duration>`);
  const intervalMs = interval === '' ? 0 : parseDuration(interval);
  const queue = new HandOff<Delivery>();
  const stopped = new AbortController();
  const count = c.count as number;
  const make = (): Message[] => {
    const out: Message[] = [];
    for (let i = 0; i < (c.batch_size as number); i++) {
      const m = new Message(Buffer.from('null'));
      if (applyMapping(mapping, m, false)) out.push(m);
    }
    return out;
  };
  void (async () => {
    for (let n = 0; (count === 0 || n < count) && !stopped.signal.aborted; n++) {
      if (n > 0 && intervalMs > 0) await sleep(intervalMs, stopped.signal);
      if (stopped.signal.aborted) break;
      const batch = make();
      await deliverUntilDone(queue, () => batch.map((m) => m.copy()), c.auto_replay_nacks as boolean, ctx.log, ctx.signal);
    }
    queue.end();
  })();
  return {
    read: () => queue.read(),
    async stop() {
      stopped.abort();
      queue.end();
    },
    close: async () => undefined,
  };
}

/**
 * `http_server`: each request body is one message; the response is sent only after the output acknowledged it
 * (sync_response status/headers), 502 when it was rejected, 408 after `timeout`.
 */
function httpServer(c: Record<string, unknown>, ctx: Ctx): Input {
  const queue = new HandOff<Delivery>();
  const verbs = (c.allowed_verbs as string[]).map((v) => v.toUpperCase());
  const timeoutMs = parseDuration(c.timeout as string);
  const sync = c.sync_response as { status: string; headers: Record<string, string> };
  const status = Interpolation.parse(sync.status);
  const headers = Object.entries(sync.headers).map(([k, v]) => [k, Interpolation.parse(v)] as const);
  const address = (c.address as string) === '' ? ctx.serviceAddress : (c.address as string);
  const path = c.path as string;
  let open = true;
  const ready = ctx.servers.route(address, path, (req, res) => {
    void (async () => {
      if (!verbs.includes((req.method ?? '').toUpperCase())) return res.writeHead(405).end();
      if (!open) return res.writeHead(503).end('input stopped');
      const body = await readBody(req);
      const meta = new Map<string, unknown>([['http_server_user_agent', req.headers['user-agent'] ?? ''], ['http_server_request_path', path], ['http_server_verb', req.method ?? '']]);
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') meta.set(k, v);
      const message = new Message(body, meta);
      const outcome = await Promise.race([
        new Promise<Error | undefined | 'taken-refused'>((resolve) => {
          void queue.push({ batch: [message], ack: (error) => resolve(error) }).then((accepted) => {
            if (!accepted) resolve('taken-refused');
          });
        }),
        sleep(timeoutMs).then(() => 'timeout' as const),
      ]);
      if (outcome === 'timeout') return res.writeHead(408).end('request timed out');
      if (outcome === 'taken-refused') return res.writeHead(503).end('input stopped');
      if (outcome !== undefined) return res.writeHead(502).end(outcome.message);
      const h: Record<string, string> = {};
      for (const [k, v] of headers) h[k] = v.render(message);
      res.writeHead(Number(status.render(message)) || 200, h).end();
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end((error as Error).message);
    });
  });
  return {
    ready: ready.then(() => undefined, (error: unknown) => {
      throw new Error(`http_server input could not listen on ${address}: ${(error as Error).message}`);
    }),
    read: () => queue.read(),
    async stop() {
      open = false;
      ctx.servers.unroute(address, path);
      queue.end();
    },
    close: async () => undefined,
  };
}

/** `batched`: groups the child's batches under a policy; the combined batch's outcome acknowledges every child batch. */
function batched(child: Input, policyConf: BatchPolicyConf, ctx: Ctx, path: string): Input {
  const queue = new HandOff<Delivery>();
  const processors = buildProcessors(policyConf.processors ?? [], ctx, `${path}.policy.processors`);
  const acc = new Accumulator<{ messages: Message[] }>(new BatchPolicy(policyConf), async (items) => {
    const all = items.flatMap((i) => i.messages);
    const batch = processors.length === 0 ? all : await runProcessors(processors, all);
    const outcome = await new Promise<Error | undefined>((resolve) => {
      void queue.push({ batch, ack: resolve }).then((accepted) => {
        if (!accepted) resolve(new Error('stream stopped before the batch was read'));
      });
    });
    if (outcome !== undefined) throw outcome;
  });
  const pump = (async () => {
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      const d = await child.read();
      if (d === null) break;
      const p = acc.add({ messages: d.batch }).then((error) => d.ack(error));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await acc.flush();
    await Promise.all(inFlight);
    queue.end();
  })();
  return {
    ...(child.ready === undefined ? {} : { ready: child.ready }),
    read: () => queue.read(),
    stop: () => child.stop(),
    async close() {
      await pump;
      await child.close();
    },
  };
}
