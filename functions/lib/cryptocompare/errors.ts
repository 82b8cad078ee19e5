import { AppError } from '../errors.ts';

/** Typed CryptoCompare failures. Messages say what to do; none ever carries the API key (AppError redacts). */

export type CryptoCompareErrorCode = 'CC_RATE_LIMITED' | 'CC_BAD_REQUEST' | 'CC_NO_DATA' | 'CC_UNAUTHORIZED' | 'CC_HTTP' | 'CC_MALFORMED';

export class CryptoCompareError extends AppError {
  declare readonly code: CryptoCompareErrorCode;

  constructor(code: CryptoCompareErrorCode, message: string, options: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'CryptoCompareError';
  }
}

export class RateLimitedError extends CryptoCompareError {
  /** How long to wait before the exhausted window resets. */
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, details: Record<string, unknown> = {}) {
    super('CC_RATE_LIMITED', message, { status: 429, details: { ...details, retryAfterMs } });
    this.name = 'RateLimitedError';
    this.retryAfterMs = retryAfterMs;
  }
}

export function isCryptoCompareError(value: unknown, code?: CryptoCompareErrorCode): value is CryptoCompareError {
  return value instanceof CryptoCompareError && (code === undefined || value.code === code);
}

export function rateLimited(endpoint: string, retryAfterMs: number, window: string | null): RateLimitedError {
  const wait = Math.ceil(retryAfterMs / 1000);
  return new RateLimitedError(
    `CryptoCompare rate limit reached on ${endpoint}${window ? ` (${window} window exhausted)` : ''}: retry in ${wait}s, or lower the request rate / upgrade the key's plan`,
    retryAfterMs,
    { endpoint, window },
  );
}

export function badRequest(endpoint: string, serverMessage: string, param?: string): CryptoCompareError {
  return new CryptoCompareError('CC_BAD_REQUEST', `CryptoCompare rejected the request to ${endpoint}: ${serverMessage.slice(0, 300)}${param ? ` (check the ${param} parameter)` : ''}`, { status: 400, details: { endpoint, ...(param ? { param } : {}) } });
}

export function noData(endpoint: string, serverMessage: string): CryptoCompareError {
  const hint = /only available for the last 7 days/i.test(serverMessage)
    ? ': min-api keeps minute history for 7 days only; fetch older minutes from the Data API (CRYPTOCOMPARE_DATA_API_URL)'
    : ': check the symbol, the quote currency and the exchange (e) exist together';
  return new CryptoCompareError('CC_NO_DATA', `CryptoCompare has no data for ${endpoint}: ${serverMessage.slice(0, 300)}${hint}`, { status: 404, details: { endpoint } });
}

export function unauthorized(endpoint: string, status: number): CryptoCompareError {
  return new CryptoCompareError('CC_UNAUTHORIZED', `CryptoCompare refused the API key on ${endpoint} (HTTP ${status}): set CRYPTOCOMPARE_API_KEY to a valid key with access to this endpoint`, { status: 401, details: { endpoint, httpStatus: status } });
}

export function httpError(endpoint: string, status: number, detail: string, cause?: unknown): CryptoCompareError {
  return new CryptoCompareError('CC_HTTP', `CryptoCompare request to ${endpoint} failed${status > 0 ? ` with HTTP ${status}` : ''}: ${detail.slice(0, 300)}; retry later or check CRYPTOCOMPARE_REST_URL`, { status: 502, details: { endpoint, httpStatus: status }, cause });
}

export function malformed(endpoint: string, what: string): CryptoCompareError {
  return new CryptoCompareError('CC_MALFORMED', `CryptoCompare answered ${endpoint} with an unexpected payload: ${what.slice(0, 300)}; the API may have changed, report it with the endpoint`, { status: 502, details: { endpoint } });
}
