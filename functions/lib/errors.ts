/**
 * Errors are values: a stable machine-readable `code`, a message a user can act on, and optional details.
 * Secrets never go into either; `redact` strips anything that looks like an API key before text leaves the process.
 */
export class AppError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** HTTP status this error maps to when surfaced by a function or the MCP endpoint. */
  readonly status: number;

  constructor(code: string, message: string, options: { details?: Record<string, unknown>; status?: number; cause?: unknown } = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.status = options.status ?? 500;
  }

  toJSON(): { code: string; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

const SECRET_PATTERNS: RegExp[] = [
  /(api_key=)[^&\s"']+/gi,
  /(Apikey\s+)[^\s"']+/gi,
  /(Bearer\s+)[^\s"']+/gi,
  /(\/\/[^:/\s]+:)[^@\s]+(@)/g,
];

/** Removes API keys, bearer tokens and URL passwords from a string. */
export function redact(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, (_m, a: string, b?: string) => `${a}***${b ?? ''}`);
  return out;
}
