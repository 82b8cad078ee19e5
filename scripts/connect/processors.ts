import { Interpolation, Mapping, valueToString, DELETED } from './bloblang.ts';
import type { ComponentConf } from './config.ts';
import { httpProcessor, type HttpProcessorConf } from './http-processor.ts';
import { Message } from './message.ts';
import { componentId, sleep, type Ctx, type Processor } from './runtime.ts';
import { parseDuration } from './units.ts';

/** Runs processors in sequence over a batch, as a pipeline does. */
export async function runProcessors(processors: Processor[], batch: Message[]): Promise<Message[]> {
  let current = batch;
  for (const p of processors) {
    if (current.length === 0) break;
    current = await p.process(current);
  }
  return current;
}

/** Applies a Bloblang mapping to one message in place; returns false when the mapping deleted it. */
export function applyMapping(mapping: Mapping, m: Message, mutate: boolean): boolean {
  try {
    const result = mapping.apply(m, mutate ? m.json() : undefined);
    if (result.deleted) return false;
    for (const [k, v] of result.meta) {
      if (v === DELETED) m.meta.delete(k);
      else m.meta.set(k, v);
    }
    if (result.root !== undefined) m.setValue(result.root);
  } catch (error) {
    m.error = `failed assignment: ${(error as Error).message}`;
  }
  return true;
}

export function buildProcessors(confs: ComponentConf[], ctx: Ctx, path: string): Processor[] {
  return confs.map((c, i) => buildProcessor(c, ctx, `${path}.${i}`));
}

const resourceCache = new WeakMap<ComponentConf, Processor>();

export function buildProcessor(conf: ComponentConf, ctx: Ctx, path: string): Processor {
  if (conf.name === 'resource') {
    const target = ctx.resources.processor.get(String(conf.config)) as ComponentConf;
    let p = resourceCache.get(target);
    if (p === undefined) {
      p = buildProcessor(target, ctx, `resource.${String(conf.config)}`);
      resourceCache.set(target, p);
    }
    return p;
  }
  const inner = buildBare(conf, ctx, path);
  const labels = { label: componentId(conf, path), path };
  return {
    async process(batch) {
      ctx.metrics.add('processor_received', labels, batch.length);
      const started = performance.now();
      const out = await inner.process(batch);
      ctx.metrics.time('processor_latency_ns', labels, performance.now() - started);
      ctx.metrics.add('processor_sent', labels, out.length);
      ctx.metrics.add('processor_error', labels, out.filter((m) => m.error !== undefined).length);
      return out;
    },
    close: inner.close,
  };
}

function buildBare(conf: ComponentConf, ctx: Ctx, path: string): Processor {
  const c = conf.config as Record<string, unknown>;
  switch (conf.name) {
    case 'mapping': {
      const mapping = Mapping.parse(conf.config as string);
      return { process: async (batch) => batch.filter((m) => applyMapping(mapping, m, false)) };
    }
    case 'archive':
      return archive(c.format as string);
    case 'unarchive':
      return unarchive(c.format as string);
    case 'http':
      return httpProcessor(c as unknown as HttpProcessorConf, ctx);
    case 'retry':
      return retry(c, ctx, path);
    case 'switch':
      return switchProcessor(c as unknown as Array<{ check: string; processors: ComponentConf[]; fallthrough: boolean }>, ctx, path);
    case 'branch':
      return branch(c, ctx, path);
    case 'log': {
      const message = Interpolation.parse(c.message as string);
      const fields = typeof c.fields_mapping === 'string' && c.fields_mapping.trim() !== '' ? Mapping.parse(c.fields_mapping) : null;
      return {
        async process(batch) {
          for (const m of batch) {
            let extra: Record<string, unknown> = {};
            try {
              const v = fields?.query(m);
              if (v !== null && typeof v === 'object') extra = v as Record<string, unknown>;
            } catch (error) {
              extra = { fields_mapping_error: (error as Error).message };
            }
            let text: string;
            try {
              text = message.render(m);
            } catch (error) {
              text = `log message interpolation failed: ${(error as Error).message}`;
            }
            ctx.log.log(c.level as string, text, { label: componentId(conf, path), ...extra });
          }
          return batch;
        },
      };
    }
    case 'catch': {
      const children = buildProcessors(conf.config as ComponentConf[], ctx, `${path}.catch`);
      return {
        // Like Connect, catch works message by message and clears the flag afterwards.
        async process(batch) {
          const out: Message[] = [];
          for (const m of batch) {
            if (m.error === undefined) {
              out.push(m);
              continue;
            }
            for (const r of await runProcessors(children, [m])) {
              r.error = undefined;
              out.push(r);
            }
          }
          return out;
        },
      };
    }
    default:
      throw new Error(`processor ${conf.name} has no implementation`);
  }
}

function archive(format: string): Processor {
  return {
    async process(batch) {
      const first = batch[0] as Message;
      if (format === 'json_array') {
        try {
          return [Message.jsonArrayOf(batch, batch.map((m) => m.json()), first)];
        } catch (error) {
          for (const m of batch) m.error = `failed to archive: ${(error as Error).message}`;
          return batch;
        }
      }
      const joined = format === 'lines' ? Buffer.from(batch.map((m) => m.content.toString('utf8')).join('\n')) : Buffer.concat(batch.map((m) => m.content));
      const out = first.copy();
      out.setBytes(joined);
      return [out];
    },
  };
}

function unarchive(format: string): Processor {
  return {
    async process(batch) {
      const out: Message[] = [];
      for (const m of batch) {
        if (format === 'lines') {
          for (const line of m.content.toString('utf8').split('\n')) {
            const part = m.copy();
            part.setBytes(Buffer.from(line));
            out.push(part);
          }
          continue;
        }
        let value: unknown;
        try {
          value = m.json();
        } catch (error) {
          m.error = `failed to unarchive: ${(error as Error).message}`;
          out.push(m);
          continue;
        }
        if (!Array.isArray(value)) {
          m.error = `failed to unarchive: expected a JSON array, got ${value === null ? 'null' : typeof value}`;
          out.push(m);
          continue;
        }
        // Each element inherits the archived message's metadata and error flag, as `part.Copy()` does in Connect.
        for (const el of value) out.push(Message.fromJSON(el, m));
      }
      return out;
    },
  };
}

function retry(c: Record<string, unknown>, ctx: Ctx, path: string): Processor {
  const backoff = c.backoff as { initial_interval: string; max_interval: string; max_elapsed_time: string };
  const initialMs = parseDuration(backoff.initial_interval);
  const maxMs = parseDuration(backoff.max_interval);
  const maxElapsedMs = parseDuration(backoff.max_elapsed_time);
  const maxRetries = c.max_retries as number;
  const children = buildProcessors(c.processors as ComponentConf[], ctx, `${path}.retry`);
  return {
    // Children run per message; each attempt starts from the original, with earlier errors cleared.
    async process(batch) {
      const out: Message[] = [];
      for (const original of batch) {
        const started = Date.now();
        let wait = initialMs;
        for (let attempt = 0; ; attempt++) {
          const copy = original.copy();
          copy.error = undefined;
          const result = await runProcessors(children, [copy]);
          const failed = result.find((m) => m.error !== undefined);
          const outOfTime = maxElapsedMs > 0 && Date.now() - started + wait > maxElapsedMs;
          const outOfTries = maxRetries > 0 && attempt + 1 > maxRetries;
          if (failed === undefined || outOfTime || outOfTries || ctx.signal.aborted) {
            for (const m of result) m.meta.set('retry_count', String(attempt));
            if (failed !== undefined && ctx.signal.aborted) throw new Error(`retry interrupted by shutdown: ${failed.error ?? ''}`);
            out.push(...result);
            break;
          }
          ctx.log.warn(`retrying after error: ${failed.error ?? ''}`, { path, attempt: attempt + 1 });
          await sleep(wait, ctx.signal);
          wait = Math.min(maxMs, wait * 1.5);
        }
      }
      return out;
    },
  };
}

function switchProcessor(cases: Array<{ check: string; processors: ComponentConf[]; fallthrough: boolean }>, ctx: Ctx, path: string): Processor {
  const built = cases.map((k, i) => ({ check: k.check.trim() === '' ? null : Mapping.parse(k.check), processors: buildProcessors(k.processors, ctx, `${path}.${i}`), fallthrough: k.fallthrough }));
  return {
    async process(batch) {
      // Messages that match a case go through its processors together as one batch.
      const groups: Message[][] = built.map(() => []);
      const rest: Message[] = [];
      for (const m of batch) {
        let placed = false;
        for (let i = 0; i < built.length; i++) {
          const k = built[i] as (typeof built)[number];
          let match: boolean;
          try {
            match = k.check === null || k.check.check(m);
          } catch (error) {
            m.error = `switch check failed: ${(error as Error).message}`;
            break;
          }
          if (match) {
            (groups[i] as Message[]).push(m);
            placed = true;
            if (!k.fallthrough) break;
          }
        }
        if (!placed) rest.push(m);
      }
      const out: Message[] = [];
      for (let i = 0; i < built.length; i++) {
        const g = groups[i] as Message[];
        if (g.length > 0) out.push(...(await runProcessors((built[i] as (typeof built)[number]).processors, g)));
      }
      return [...out, ...rest];
    },
  };
}

function branch(c: Record<string, unknown>, ctx: Ctx, path: string): Processor {
  const request = (c.request_map as string).trim() === '' ? null : Mapping.parse(c.request_map as string);
  const result = (c.result_map as string).trim() === '' ? null : Mapping.parse(c.result_map as string);
  const children = buildProcessors(c.processors as ComponentConf[], ctx, `${path}.branch`);
  return {
    async process(batch) {
      const sent: Array<{ original: Message; copy: Message }> = [];
      for (const original of batch) {
        const copy = original.copy();
        if (request !== null) {
          copy.setBytes(Buffer.from('null'));
          const r = request.apply(original, undefined);
          if (r.deleted) continue;
          copy.setValue(r.root ?? null);
        }
        sent.push({ original, copy });
      }
      const results = await runProcessors(children, sent.map((s) => s.copy));
      if (results.length !== sent.length) {
        for (const s of sent) s.original.error = `branch processors returned ${results.length} messages for ${sent.length}: the result must keep the same count and order (avoid archive/unarchive within a branch unless the function answers one element per input)`;
        return batch;
      }
      results.forEach((r, i) => {
        const original = (sent[i] as { original: Message }).original;
        if (r.error !== undefined) {
          original.error = r.error;
          return;
        }
        if (result === null) return;
        try {
          const applied = result.apply(r, original.json());
          for (const [k, v] of applied.meta) if (v !== DELETED) original.meta.set(k, valueToString(v));
          if (applied.root !== undefined) original.setValue(applied.root);
        } catch (error) {
          original.error = `branch result_map failed: ${(error as Error).message}`;
        }
      });
      return batch;
    },
  };
}
