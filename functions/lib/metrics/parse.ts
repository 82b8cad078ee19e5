import type { MetricType } from './registry.ts';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType | 'untyped';
  help: string;
  samples: Sample[];
}

function unescape(v: string, help: boolean): string {
  return v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === '\\' ? '\\' : !help && c === '"' ? '"' : `\\${c}`));
}

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n)) throw new Error(`invalid sample value "${v}"`);
  return n;
}

function parseLabels(s: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let at = 0;
  while (at < s.length) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m) throw new Error(`invalid labels in "${line}"`);
    labels[m[1]!] = unescape(m[2]!, false);
    at = re.lastIndex;
  }
  return labels;
}

/** The family a sample belongs to: histogram samples carry _bucket/_sum/_count suffixes. */
function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(sample);
  if (direct) return direct;
  const m = /^(.*)_(bucket|sum|count)$/.exec(sample);
  const f = m ? families.get(m[1]!) : undefined;
  return f?.type === 'histogram' ? f : undefined;
}

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly enough to catch rendering mistakes: every sample must
 * follow its family's TYPE line, labels must be well quoted, values must be numbers. Used by tests and by the monitor
 * runner, which scrapes `/metrics` endpoints.
 */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      const f = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'HELP') f.help = unescape(rest, true);
      else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`invalid TYPE in "${line}"`);
        if (f.samples.length > 0) throw new Error(`TYPE after samples for ${name}`);
        f.type = rest as Family['type'];
      }
      families.set(name, f);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) throw new Error(`invalid sample line "${line}"`);
    const name = m[1]!;
    const family = familyOf(name, families);
    if (!family) throw new Error(`sample ${name} has no TYPE line before it`);
    family.samples.push({ name, labels: m[2] ? parseLabels(m[2], line) : {}, value: parseValue(m[3]!) });
  }
  return families;
}

/** The value of the sample `name` whose labels include `labels`, summed over the matching series. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
    }
  }
  return total;
}
