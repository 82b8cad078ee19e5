import { redact } from '../../functions/lib/errors.ts';
import { Interpolation } from './bloblang.ts';
import { httpRequest, requestSignal } from './http-request.ts';
import type { Message } from './message.ts';
import { sleep, type Ctx, type Processor } from './runtime.ts';
import { parseDuration } from './units.ts';

export interface HttpProcessorConf {
  url: string;
  verb: string;
  headers: Record<string, string>;
  timeout: string;
  retry_period: string;
  max_retry_backoff: string;
  retries: number;
  backoff_on: number[];
  drop_on: number[];
  successful_on: number[];
}

/**
 * Connect's `http` processor: one request per message of the batch, in order (so one per batch after `archive`).
 * The response body replaces the content; a failure keeps the original content, flags it with Connect's error text
 * and sets `http_status_code`. `backoff_on` codes back off exponentially, other failures wait `retry_period`,
 * `drop_on` codes fail at once.
 */
export function httpProcessor(conf: HttpProcessorConf, ctx: Ctx): Processor {
  const url = Interpolation.parse(conf.url);
  const headers = Object.entries(conf.headers).map(([k, v]) => [k, Interpolation.parse(v)] as const);
  const timeoutMs = parseDuration(conf.timeout);
  const retryPeriodMs = parseDuration(conf.retry_period);
  const maxBackoffMs = parseDuration(conf.max_retry_backoff);

  const isSuccess = (status: number): boolean =>
    !conf.backoff_on.includes(status) && !conf.drop_on.includes(status) && ((status >= 200 && status < 300) || conf.successful_on.includes(status));

  async function send(m: Message): Promise<void> {
    const requestHeaders: Record<string, string> = {};
    for (const [k, v] of headers) requestHeaders[k] = v.render(m);
    if (!Object.keys(requestHeaders).some((k) => k.toLowerCase() === 'content-type')) requestHeaders['Content-Type'] = 'application/octet-stream';
    const target = url.render(m);
    let failure = '';
    let backoffMs = retryPeriodMs;
    for (let attempt = 0; attempt <= conf.retries; attempt++) {
      if (attempt > 0) await sleep(backoffMs, ctx.signal);
      if (ctx.signal.aborted) break;
      let status: number;
      const request = requestSignal(ctx.signal, timeoutMs);
      try {
        const res = await httpRequest(target, {
          method: conf.verb,
          headers: requestHeaders,
          ...(conf.verb === 'GET' || conf.verb === 'HEAD' ? {} : { body: m.content }),
          signal: request.signal,
        });
        status = res.status;
        m.meta.set('http_status_code', String(status));
        if (isSuccess(status)) {
          m.setBytes(res.body);
          m.error = undefined;
          return;
        }
        failure = `HTTP request returned unexpected response code (${status}): ${res.statusText}, Error: ${res.body.toString('utf8').slice(0, 500)}`;
      } catch (error) {
        failure = `${conf.verb} ${redact(target)}: ${(error as Error).message}`;
        backoffMs = retryPeriodMs;
        continue;
      } finally {
        request.release();
      }
      if (conf.drop_on.includes(status)) break;
      backoffMs = conf.backoff_on.includes(status) ? Math.min(maxBackoffMs, attempt === 0 ? retryPeriodMs : backoffMs * 2) : retryPeriodMs;
    }
    m.error = redact(failure);
  }

  return {
    async process(batch) {
      for (const m of batch) await send(m);
      return batch;
    },
  };
}
