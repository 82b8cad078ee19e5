import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  statusText: string;
  body: Buffer;
}

// One keep-alive pool per scheme for the whole runner: a pipeline calls the same function host for every batch.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * One HTTP request on node:http(s) with keep-alive, resolving with the whole answer. The runner calls a function once
 * per batch, and fetch (undici) cost about 0.5 ms more CPU per call than this (`bench/functions.ts` sizes, 5 candles),
 * which at small batches was a tenth of the pipeline's CPU.
 */
export function httpRequest(target: string, init: { method: string; headers: Record<string, string>; body?: Buffer; signal: AbortSignal }): Promise<HttpAnswer> {
  const url = new URL(target);
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (client === undefined) return Promise.reject(new Error(`unsupported URL scheme ${url.protocol} (http: or https:)`));
  const headers: Record<string, string | number> = { ...init.headers };
  if (init.body !== undefined) headers['Content-Length'] = init.body.length;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: init.method, headers, agent: agents[url.protocol as 'http:' | 'https:'], signal: init.signal }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts) }));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(new Error('the connection closed before the answer was complete'));
      });
    });
    req.on('error', (error: Error) => reject(init.signal.aborted ? abortError(init.signal) : error));
    req.end(init.body);
  });
}

/**
 * A signal for one request: aborted when `parent` aborts (with its reason) or after `timeoutMs` (a TimeoutError, worded
 * as AbortSignal.timeout words it). `release()` once the request is over detaches it from `parent` and clears the timer.
 * Not AbortSignal.any: on Node 20 each such composite stays in a long-lived parent's set of dependants
 * (nodejs/node#55351, #64476), so a runner calling a function per batch grew by about 70 bytes per call for as long as
 * it ran; AbortSignal.timeout also leaves a timer armed for the whole timeout after every call.
 */
export function requestSignal(parent: AbortSignal, timeoutMs: number): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, release: () => undefined };
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/** The abort reason as an Error: a timeout reads "The operation was aborted due to timeout", as fetch's did. */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('The operation was aborted');
}
