/** What a REST handler answers; server.ts turns it into an HTTP response. */
export interface RestReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** min-api error envelope: HTTP 200 with `Response:"Error"`, the way the real service reports bad parameters. */
export function minApiError(message: string, type: number, extra: Record<string, unknown> = {}, status = 200): RestReply {
  return { status, body: { Response: 'Error', Message: message, HasWarning: false, Type: type, RateLimit: {}, Data: {}, ...extra, Cooldown: extra.Cooldown ?? 0 } };
}

/** Data API error envelope with a real HTTP status. */
export function dataApiError(status: number, type: number, message: string, param?: string, values: string[] = []): RestReply {
  return { status, body: { Data: {}, Err: param === undefined ? { type, message } : { type, message, other_info: { param, values } } } };
}

export function ok(body: unknown): RestReply {
  return { status: 200, body };
}
