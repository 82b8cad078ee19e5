import { Mapping } from './bloblang.ts';
import { Accumulator, BatchPolicy, type BatchPolicyConf } from './batcher.ts';
import type { ComponentConf } from './config.ts';
import type { Message } from './message.ts';
import { buildProcessors, runProcessors } from './processors.ts';
import { redpandaOutput, type RedpandaOutputConf } from './redpanda.ts';
import { BatchError, componentId, sleep, type Ctx, type Output } from './runtime.ts';
import { sqlInsertOutput, type SqlInsertConf } from './sql-insert.ts';

const resourceCache = new WeakMap<ComponentConf, Output>();

/** Builds an output with its own `processors`, its `batching` policy and metrics around the bare component. */
export function buildOutput(conf: ComponentConf, ctx: Ctx, path: string): Output {
  if (conf.name === 'resource') {
    const target = ctx.resources.output.get(String(conf.config)) as ComponentConf;
    let o = resourceCache.get(target);
    if (o === undefined) {
      o = buildOutput(target, ctx, `resource.${String(conf.config)}`);
      resourceCache.set(target, o);
    }
    return o;
  }
  const labels = { label: componentId(conf, path), path };
  const processors = buildProcessors(conf.processors, ctx, `${path}.processors`);
  let inner = buildBare(conf, ctx, path);
  const c = conf.config as Record<string, unknown> | null;
  const batching = c !== null && typeof c === 'object' && !Array.isArray(c) ? (c.batching as BatchPolicyConf | undefined) : undefined;
  if (batching !== undefined) inner = batched(inner, batching, ctx, path);
  return {
    async write(batch) {
      const started = performance.now();
      const processed = processors.length === 0 ? batch : await runProcessors(processors, batch);
      if (processed.length === 0) return;
      try {
        await inner.write(processed);
        ctx.metrics.time('output_latency_ns', labels, performance.now() - started);
        ctx.metrics.add('output_sent', labels, processed.length);
      } catch (error) {
        ctx.metrics.add('output_error', labels, processed.length);
        throw error;
      }
    },
    close: () => inner.close(),
  };
}

/** An output-level batching policy: writes from several input batches are grouped and acknowledged together. */
function batched(inner: Output, conf: BatchPolicyConf, ctx: Ctx, path: string): Output {
  const policy = new BatchPolicy(conf);
  if (!policy.isActive && (conf.processors ?? []).length === 0) return inner;
  const processors = buildProcessors(conf.processors ?? [], ctx, `${path}.batching.processors`);
  const acc = new Accumulator<{ messages: Message[] }>(policy, async (items) => {
    const all = items.flatMap((i) => i.messages);
    await inner.write(processors.length === 0 ? all : await runProcessors(processors, all));
  });
  return {
    async write(batch) {
      const outcome = await acc.add({ messages: batch });
      if (outcome !== undefined) throw outcome;
    },
    async close() {
      await acc.flush();
      await inner.close();
    },
  };
}

async function untilSuccess(write: () => Promise<void>, ctx: Ctx, what: string): Promise<void> {
  for (let wait = 100; ; wait = Math.min(3000, wait * 2)) {
    try {
      return await write();
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      ctx.log.warn(`${what} failed, retrying: ${(error as Error).message}`);
      await sleep(wait, ctx.signal);
    }
  }
}

function buildBare(conf: ComponentConf, ctx: Ctx, path: string): Output {
  const c = conf.config as Record<string, unknown>;
  const noop = async (): Promise<void> => undefined;
  switch (conf.name) {
    case 'drop':
      return { write: noop, close: noop };
    case 'stdout':
      return {
        write: async (batch) => {
          const text = batch.map((m) => m.content.toString('utf8') + '\n').join('');
          await new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
        },
        close: noop,
      };
    case 'reject_errored': {
      const child = buildOutput(conf.config as ComponentConf, ctx, `${path}.reject_errored`);
      return {
        async write(batch) {
          const failed = new Map<number, string>();
          batch.forEach((m, i) => {
            if (m.error !== undefined) failed.set(i, `rejecting due to failed processing: ${m.error}`);
          });
          const ok = batch.filter((m) => m.error === undefined);
          if (ok.length > 0) await child.write(ok);
          if (failed.size > 0) throw new BatchError([...failed.values()][0] as string, failed);
        },
        close: () => child.close(),
      };
    }
    case 'fallback': {
      const children = (conf.config as ComponentConf[]).map((o, i) => buildOutput(o, ctx, `${path}.fallback.${i}`));
      return {
        // Each output gets what the previous one failed (only the failed messages when it says which), with fallback_error.
        async write(batch) {
          let pending = batch;
          for (let i = 0; i < children.length; i++) {
            try {
              await (children[i] as Output).write(pending);
              return;
            } catch (error) {
              if (i === children.length - 1) throw error;
              const failed = error instanceof BatchError ? error.failed : new Map(pending.map((_, j) => [j, (error as Error).message]));
              pending = [...failed].map(([j, reason]) => {
                const m = (pending[j] as Message).copy();
                m.meta.set('fallback_error', reason);
                return m;
              });
            }
          }
        },
        async close() {
          for (const o of children) await o.close();
        },
      };
    }
    case 'switch':
      return switchOutput(c, ctx, path);
    case 'broker': {
      const outputs = (c.outputs as ComponentConf[]).map((o, i) => buildOutput(o, ctx, `${path}.broker.${i}`));
      return {
        // fan_out and fan_out_sequential both retry a failing output until it succeeds (back-pressure), as in Connect.
        async write(batch) {
          const send = (o: Output, i: number): Promise<void> => untilSuccess(() => o.write(batch.map((m) => m.copy())), ctx, `${path}.broker.${i}`);
          if (c.pattern === 'fan_out_sequential') for (const [i, o] of outputs.entries()) await send(o, i);
          else await Promise.all(outputs.map(send));
        },
        async close() {
          for (const o of outputs) await o.close();
        },
      };
    }
    case 'sql_insert':
      return sqlInsertOutput(c as unknown as SqlInsertConf, ctx);
    case 'redpanda':
      return redpandaOutput(c as unknown as RedpandaOutputConf, ctx);
    default:
      throw new Error(`output ${conf.name} has no implementation`);
  }
}

function switchOutput(c: Record<string, unknown>, ctx: Ctx, path: string): Output {
  const cases = (c.cases as Array<{ check: string; output: ComponentConf; continue: boolean }>).map((k, i) => ({
    check: k.check.trim() === '' ? null : Mapping.parse(k.check),
    output: buildOutput(k.output, ctx, `${path}.cases.${i}`),
    continue: k.continue,
  }));
  return {
    async write(batch) {
      const routed: Message[][] = cases.map(() => []);
      const unmatched: Message[] = [];
      for (const m of batch) {
        let matched = false;
        for (let i = 0; i < cases.length; i++) {
          const k = cases[i] as (typeof cases)[number];
          let ok: boolean;
          try {
            ok = k.check === null || k.check.check(m);
          } catch {
            ok = false; // A check that errors counts as false, as in Connect.
          }
          if (!ok) continue;
          (routed[i] as Message[]).push(m);
          matched = true;
          if (!k.continue) break;
        }
        if (!matched) unmatched.push(m);
      }
      if (unmatched.length > 0 && c.strict_mode === true) throw new Error(`${unmatched.length} message(s) matched no switch case (strict_mode)`);
      await Promise.all(
        cases.map(async (k, i) => {
          const part = routed[i] as Message[];
          if (part.length === 0) return;
          if (c.retry_until_success === true) await untilSuccess(() => k.output.write(part), ctx, `${path}.cases.${i}`);
          else await k.output.write(part);
        }),
      );
    },
    async close() {
      for (const k of cases) await k.output.close();
    },
  };
}
