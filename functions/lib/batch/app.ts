import { Hono } from 'hono';
import type * as z from 'zod';
import { checkFor } from '../../../schemas/fast/index.ts';
import type { PipelineStage } from '../../../schemas/dead-letter.ts';
import type { ManyVerdict, Verdict } from '../../../schemas/verdict.ts';
import { AppError, isAppError, redact } from '../errors.ts';
import { platformMetrics, type PlatformMetrics } from '../metrics/platform.ts';
import { metricsRoute } from '../metrics/route.ts';
import { DEFAULT_MAX_BODY_BYTES, readBodyText } from './read-body.ts';
import { deadLetterOf, isRefusal, refuse, type Refusal } from './refusal.ts';

/** What an element handler sees besides its elements. */
export interface BatchContext {
  /** Epoch ms for this batch (one reading of the injected clock, so a batch is judged at one instant). */
  readonly now: number;
  readonly stage: PipelineStage;
}

export interface BatchAppOptions {
  /** Largest accepted body in bytes (Content-Length and the streamed body both count). */
  maxBodyBytes?: number;
  /** Injected clock (epoch ms); tests pin it. */
  clock?: () => number;
  /** Shared metrics (one registry per process, served at GET /metrics); default: a private one. */
  metrics?: PlatformMetrics;
}

interface BatchSpec<I, R> extends BatchAppOptions {
  /** Function name reported by GET /health. */
  name: string;
  stage: PipelineStage;
  /** Schema every element must satisfy; failures are refused as SCHEMA_INVALID. */
  input: z.ZodType<I>;
  /**
   * Handles the elements that passed `input`, in batch order, returning one outcome per element.
   * Throwing means the function itself failed: the whole batch answers 5xx and the pipeline retries it.
   */
  process(elements: readonly I[], ctx: BatchContext): Promise<ReadonlyArray<R | Refusal>>;
}

/** A one-to-one function (validate, enrich, indicators): each element answers `{ ok, message }` or a dead letter. */
export function createOneToOneApp<I, O>(spec: BatchSpec<I, O>): Hono {
  return buildApp(spec, (message: O): Verdict<O> => ({ ok: true, message }));
}

/** A 0..N function (alerts, signals): each element answers `{ ok, messages: [...] }` or a dead letter. */
export function createOneToManyApp<I, O>(spec: BatchSpec<I, O[]>): Hono {
  return buildApp(spec, (messages: O[]): ManyVerdict<O> => ({ ok: true, messages }));
}

function buildApp<I, R>(spec: BatchSpec<I, R>, accept: (result: R) => unknown): Hono {
  const maxBodyBytes = spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const clock = spec.clock ?? Date.now;
  // The input's fast path where schemas/fast has one (OhlcvMessage): same verdicts and issues as zod, a fraction of the cost.
  const checkInput = checkFor(spec.input);
  const metrics = spec.metrics ?? platformMetrics();
  const app = new Hono();
  app.route('/', metricsRoute(metrics.registry));

  app.get('/health', (c) => c.json({ status: 'ok', function: spec.name, stage: spec.stage, runtime: runtimeName() }));

  app.post('/', async (c) => {
    requireJsonContentType(c.req.header('content-type'));
    const batch = parseBatch(await readBodyText(c.req.raw, maxBodyBytes));
    const ctx: BatchContext = { now: clock(), stage: spec.stage };

    const answers: unknown[] = new Array<unknown>(batch.length);
    const validIndexes: number[] = [];
    const validElements: I[] = [];
    batch.forEach((element, index) => {
      const checked = checkInput(element);
      if (checked.ok) {
        validIndexes.push(index);
        validElements.push(checked.value);
      } else {
        answers[index] = { ok: false, deadLetter: deadLetterOf(spec.stage, schemaRefusal(checked.issues), element, ctx.now) };
      }
    });

    const outcomes = validElements.length === 0 ? [] : await spec.process(validElements, ctx);
    if (outcomes.length !== validElements.length) {
      throw new AppError('FUNCTION_BUG', `${spec.name} answered ${outcomes.length} outcomes for ${validElements.length} elements`, { status: 500 });
    }
    outcomes.forEach((outcome, i) => {
      const index = validIndexes[i] as number;
      answers[index] = isRefusal(outcome) ? { ok: false, deadLetter: deadLetterOf(spec.stage, outcome, batch[index], ctx.now) } : accept(outcome);
    });
    countBatch(metrics, spec.stage, batch, answers, ctx.now);
    return c.json(answers);
  });

  app.all('/', () => {
    throw new AppError('METHOD_NOT_ALLOWED', 'use POST / with a JSON array body (or GET /health)', { status: 405 });
  });
  app.notFound(() => errorResponse(new AppError('NOT_FOUND', 'unknown path: use POST /, GET /health or GET /metrics', { status: 404 })));
  app.onError((error) => {
    metrics.errors.inc({ component: spec.name, code: isAppError(error) ? error.code : 'INTERNAL' });
    return errorResponse(error);
  });
  return app;
}

/** Dead letters by reason, and the stage latency (receivedAt to now) of every accepted element that carries receivedAt. */
function countBatch(metrics: PlatformMetrics, stage: PipelineStage, batch: readonly unknown[], answers: readonly unknown[], now: number): void {
  answers.forEach((answer, i) => {
    const dl = (answer as { deadLetter?: { reasonCode?: string } }).deadLetter;
    if (dl !== undefined) {
      metrics.deadLetters.inc({ stage, reason: dl.reasonCode ?? 'UNKNOWN' });
      return;
    }
    const receivedAt = (batch[i] as { receivedAt?: unknown } | null)?.receivedAt;
    if (typeof receivedAt === 'number') metrics.pipelineLatency.observe({ stage }, Math.max(0, now - receivedAt) / 1000);
  });
}

function requireJsonContentType(contentType: string | undefined): void {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) return;
  throw new AppError('UNSUPPORTED_MEDIA_TYPE', `content type "${mediaType || '(none)'}" is not JSON: send Content-Type: application/json (in Connect: http.headers.Content-Type)`, { status: 415 });
}

function parseBatch(text: string): unknown[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new AppError('INVALID_JSON', `request body is not valid JSON (${(error as Error).message.slice(0, 200)}): send one Connect batch as a JSON array (archive format json_array)`, { status: 400 });
  }
  if (!Array.isArray(body)) {
    const kind = body === null ? 'null' : typeof body;
    throw new AppError('NOT_AN_ARRAY', `request body is a JSON ${kind}, not an array: send one Connect batch as a JSON array (archive format json_array)`, { status: 400 });
  }
  return body;
}

function schemaRefusal(zodIssues: readonly z.core.$ZodIssue[]): Refusal {
  const issues = zodIssues.slice(0, 20).map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  const summary = issues.slice(0, 5).map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
  return refuse('SCHEMA_INVALID', `element does not match the input schema: ${summary}`, { issues });
}

function errorResponse(error: unknown): Response {
  const appError = isAppError(error)
    ? error
    : new AppError('INTERNAL', `function failed: ${error instanceof Error ? error.message : String(error)}`, { status: 500 });
  return new Response(JSON.stringify({ error: { code: appError.code, message: redact(appError.message) } }), {
    status: appError.status,
    // After a refused upload the connection may hold unread bytes: tell the client not to reuse it.
    headers: appError.status === 413 ? { 'content-type': 'application/json', connection: 'close' } : { 'content-type': 'application/json' },
  });
}

/** Which runtime serves this app; health answers carry it so a deployment (and the tests) can tell Node, Deno and workerd apart. */
function runtimeName(): string {
  const g = globalThis as { Deno?: unknown; navigator?: { userAgent?: string }; process?: { release?: { name?: string } } };
  if (g.Deno !== undefined) return 'deno';
  const agent = g.navigator?.userAgent ?? '';
  if (agent.includes('Cloudflare-Workers')) return 'workerd';
  if (g.process?.release?.name === 'node') return 'node';
  return agent || 'unknown';
}
