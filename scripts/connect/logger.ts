import { redact } from '../../functions/lib/errors.ts';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** Connect's logger settings: level, json or logfmt, static fields. Lines go to stderr so `stdout` outputs stay clean. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  log(level: string, message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(settings: { level: string; format: string; add_timestamp: boolean; static_fields: Record<string, string> }, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const level = settings.level.toUpperCase();
  const min = level === 'OFF' || level === 'NONE' ? Infinity : level === 'ALL' ? 0 : Math.max(0, LEVELS.indexOf(level));
  const emit = (lvl: string, message: string, fields: Record<string, unknown> = {}): void => {
    const index = LEVELS.indexOf(lvl.toUpperCase());
    if (index < min) return;
    const record: Record<string, unknown> = { ...settings.static_fields, ...(settings.add_timestamp ? { time: new Date().toISOString() } : {}), level: lvl.toLowerCase(), msg: redact(message), ...fields };
    write(settings.format === 'json' ? JSON.stringify(record) : Object.entries(record).map(([k, v]) => `${k}=${JSON.stringify(typeof v === 'string' ? v : (v ?? null))}`).join(' '));
  };
  return {
    debug: (m, f) => emit('DEBUG', m, f),
    info: (m, f) => emit('INFO', m, f),
    warn: (m, f) => emit('WARN', m, f),
    error: (m, f) => emit('ERROR', m, f),
    log: emit,
  };
}
