import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar, isSeq, Scalar, type Node } from 'yaml';
import { BloblangError, Interpolation, Mapping } from './bloblang.ts';
import { COMPONENTS, PIPELINE, TOP_LEVEL, type ComponentKind, type FieldSpec } from './spec.ts';
import { parseByteSize, parseDuration } from './units.ts';

/** One lint finding, printed as `file:line: message` like `rpk connect lint`. */
export interface LintError {
  file: string;
  line: number;
  message: string;
}

/** A component after validation: its name, label, normalised config (defaults filled) and its own processors. */
export interface ComponentConf {
  kind: ComponentKind;
  name: string;
  label: string | undefined;
  config: unknown;
  processors: ComponentConf[];
  line: number;
}

export interface StreamConfig {
  file: string;
  input: ComponentConf;
  pipeline: { threads: number; processors: ComponentConf[] };
  output: ComponentConf;
  resources: Record<ComponentKind, Map<string, ComponentConf>>;
  http: { enabled: boolean; address: string; root_path: string };
  logger: { level: string; format: string; add_timestamp: boolean; static_fields: Record<string, string> };
  shutdownTimeoutMs: number;
  shutdownDelayMs: number;
}

/**
 * Values the runner narrows further than Connect's option lists: Connect would accept them, but the runner does not
 * implement them, so they are refused by name rather than run differently.
 */
const NARROWED_OPTIONS: Record<string, string[]> = {
  'processor.archive.format': ['concatenate', 'json_array', 'lines'],
  'processor.unarchive.format': ['json_array', 'lines'],
  'output.broker.pattern': ['fan_out', 'fan_out_sequential'],
  'output.sql_insert.driver': ['clickhouse', 'postgres'],
  'output.stdout.codec': ['lines'],
  // `committed` is auto.offset.reset=none, which kafkajs cannot express.
  'input.redpanda.start_offset': ['earliest', 'latest'],
};

/** Fields holding Go durations or byte sizes, checked at lint time so a typo never reaches runtime. */
const DURATION_FIELDS = new Set(['rebalance_timeout', 'session_timeout', 'heartbeat_interval', 'commit_period', 'fetch_max_wait', 'period', 'timeout', 'retry_period', 'max_retry_backoff', 'initial_interval', 'max_interval', 'max_elapsed_time', 'shutdown_timeout', 'shutdown_delay']);
const BYTE_SIZE_FIELDS = new Set(['max_yield_batch_bytes']);

const ENV_PATTERN = /\$\{(\{)?([0-9A-Za-z_.]+)(?::([^}]*))?\}(\})?/g;

/**
 * Replaces `${VAR}` / `${VAR:default}` in the raw text, line by line so YAML line numbers stay true. `${{VAR}}` is an
 * escaped literal. An undefined variable without a default is a lint error, as with rpk (unless the caller skips the check).
 */
export function interpolateEnv(text: string, env: Record<string, string | undefined>, file: string, errors: LintError[]): string {
  return text
    .split('\n')
    .map((lineText, index) =>
      lineText.replace(ENV_PATTERN, (whole, open: string | undefined, name: string, fallback: string | undefined, close: string | undefined) => {
        if (open !== undefined && close !== undefined) return '$' + whole.slice(2, -1);
        const value = env[name];
        const suffix = (open ?? '') + (close ?? '');
        if (value !== undefined && value !== '') return value + suffix;
        if (fallback !== undefined) return fallback + suffix;
        errors.push({ file, line: index + 1, message: `required environment variable ${name} is not set and has no default (use \${${name}:default})` });
        return '' + suffix;
      }),
    )
    .join('\n');
}

class Validator {
  readonly errors: LintError[] = [];
  constructor(private readonly file: string, private readonly lines: LineCounter) {}

  lineOf(node: Node | null | undefined): number {
    const offset = node?.range?.[0];
    return offset === undefined ? 1 : this.lines.linePos(offset).line;
  }

  err(node: Node | null | undefined, message: string, extraLines = 0): void {
    this.errors.push({ file: this.file, line: this.lineOf(node) + extraLines, message });
  }

  /** Validates a value against a field spec; returns the plain JS value with defaults filled. */
  field(spec: FieldSpec, node: Node | null | undefined, where: string, optionKey: string): unknown {
    if (node === null || node === undefined || (isScalar(node) && node.value === null && spec.type !== 'unknown')) {
      if (spec.kind === 'array' && spec.default === undefined && spec.children === undefined) return [];
      if (spec.children !== undefined && spec.kind !== 'array') return this.object(spec, null, where, optionKey);
      return structuredClone(spec.default);
    }
    if (spec.kind === 'array') {
      if (!isSeq(node)) return this.err(node, `${where}: expected an array`);
      return node.items.map((item) => this.single(spec, item as Node, where, optionKey));
    }
    if (spec.kind === 'map') {
      if (!isMap(node)) return this.err(node, `${where}: expected an object`);
      const out: Record<string, unknown> = {};
      for (const pair of node.items) out[String((pair.key as Scalar).value)] = this.single(spec, pair.value as Node, `${where}.${String((pair.key as Scalar).value)}`, optionKey);
      return out;
    }
    return this.single(spec, node, where, optionKey);
  }

  private single(spec: FieldSpec, node: Node, where: string, optionKey: string): unknown {
    if (spec.type === 'input' || spec.type === 'processor' || spec.type === 'output') return this.component(spec.type, node, where);
    if (spec.children !== undefined) return this.object(spec, node, where, optionKey);
    if (spec.type === 'object') {
      // An object without fields (`drop: {}`): anything inside it is a field the runner does not know.
      if (isMap(node)) for (const pair of node.items) this.err(pair.key as Node, `field ${String((pair.key as Scalar).value)} is not supported by the local runner in ${where}`);
      else if (!(isScalar(node) && node.value === null)) this.err(node, `${where}: expected an object`);
      return {};
    }
    if (!isScalar(node)) return this.err(node, `${where}: expected a ${spec.type} value`);
    const v = node.value;
    switch (spec.type) {
      case 'string': {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return this.err(node, `${where}: expected a string`);
        const s = String(v);
        this.checkString(spec, node, s, where, optionKey);
        return s;
      }
      case 'int':
      case 'float': {
        const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
        if (typeof n !== 'number' || Number.isNaN(n) || (spec.type === 'int' && !Number.isInteger(n))) return this.err(node, `${where}: expected ${spec.type === 'int' ? 'an integer' : 'a number'}`);
        return n;
      }
      case 'bool':
        if (typeof v !== 'boolean') return this.err(node, `${where}: expected true or false`);
        return v;
      default:
        return v;
    }
  }

  private checkString(spec: FieldSpec, node: Scalar, s: string, where: string, optionKey: string): void {
    const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED ? 1 : 0;
    const options = NARROWED_OPTIONS[optionKey] ?? spec.options;
    if (options !== undefined && !options.includes(s)) this.err(node, `${where}: value "${s}" is not supported by the local runner (supported: ${options.join(', ')})`);
    const leaf = where.split('.').pop() ?? '';
    try {
      if (DURATION_FIELDS.has(leaf) && s !== '') parseDuration(s);
      if (BYTE_SIZE_FIELDS.has(leaf)) parseByteSize(s);
    } catch (error) {
      this.err(node, `${where}: ${(error as Error).message}`);
    }
    try {
      if (spec.bloblang && s.trim() !== '') Mapping.parse(s);
      else if (spec.interpolated) Interpolation.parse(s);
    } catch (error) {
      if (!(error instanceof BloblangError)) throw error;
      this.err(node, `${where}: ${spec.bloblang ? 'bloblang' : 'interpolation'}: ${error.message}`, error.line - 1 + block);
    }
  }

  private object(spec: FieldSpec, node: Node | null, where: string, optionKey: string): Record<string, unknown> | undefined {
    const children = spec.children ?? {};
    if (node !== null && !isMap(node)) {
      this.err(node, `${where}: expected an object`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    const seen = new Map<string, Node>();
    for (const pair of node?.items ?? []) {
      const key = String((pair.key as Scalar).value);
      if (!(key in children)) {
        this.err(pair.key as Node, `field ${key} is not supported by the local runner in ${where} (supported: ${Object.keys(children).join(', ')})`);
        continue;
      }
      seen.set(key, pair.value as Node);
    }
    for (const [key, child] of Object.entries(children)) {
      const valueNode = seen.get(key);
      // As in Connect: a field without default that is not optional must be set (objects with fields never are).
      const required = child.default === undefined && !child.optional && (child.children === undefined || child.kind === 'array');
      if (valueNode === undefined && required) {
        this.err(node, `${where}: field ${key} is required`);
        continue;
      }
      out[key] = this.field(child, valueNode, `${where}.${key}`, `${optionKey}.${key}`);
    }
    return out;
  }

  /** A component node: exactly one component key, plus `label` and (for inputs/outputs) `processors`. */
  component(kind: ComponentKind, node: Node, where: string): ComponentConf | undefined {
    if (!isMap(node)) {
      this.err(node, `${where}: expected a ${kind} object`);
      return undefined;
    }
    let label: string | undefined;
    let processors: ComponentConf[] = [];
    let found: { name: string; value: Node } | undefined;
    const supported = COMPONENTS[kind];
    for (const pair of node.items) {
      const key = String((pair.key as Scalar).value);
      const value = pair.value as Node;
      if (key === 'label') {
        label = isScalar(value) ? String(value.value) : undefined;
        if (label === undefined || !/^[A-Za-z0-9_-]{3,128}$/.test(label)) this.err(value, `${where}: label must be 3-128 characters of A-Za-z0-9_-`);
      } else if (key === 'processors' && kind !== 'processor') {
        processors = isSeq(value) ? value.items.map((p, i) => this.component('processor', p as Node, `${where}.processors.${i}`)).filter((p): p is ComponentConf => p !== undefined) : [];
      } else if (key === 'resource') {
        if (found !== undefined) this.err(pair.key as Node, `${where}: ${kind} has more than one type (${found.name}, resource)`);
        found = { name: 'resource', value };
      } else if (key in supported) {
        if (found !== undefined) this.err(pair.key as Node, `${where}: ${kind} has more than one type (${found.name}, ${key})`);
        found = { name: key, value };
      } else {
        this.err(pair.key as Node, `${kind} "${key}" is not supported by the local runner (supported: ${Object.keys(supported).join(', ')})`);
        return undefined;
      }
    }
    if (found === undefined) {
      this.err(node, `${where}: no ${kind} type given (supported: ${Object.keys(supported).join(', ')})`);
      return undefined;
    }
    const line = this.lineOf(node);
    if (found.name === 'resource') {
      const ref = isScalar(found.value) ? String(found.value.value) : '';
      return { kind, name: 'resource', label, config: ref, processors, line };
    }
    const spec = (supported[found.name] as { config: FieldSpec }).config;
    const config = this.field(spec, found.value, `${kind} ${found.name}`, `${kind}.${found.name}`);
    for (const message of runnerLimits(kind, found.name, config)) this.err(found.value, `${kind} ${found.name}: ${message}`);
    return { kind, name: found.name, label, config, processors, line };
  }
}

/** Settings real Connect allows but the runner cannot honour (no global `redpanda:` block, no partition-pinned topics...). */
function runnerLimits(kind: ComponentKind, name: string, config: unknown): string[] {
  const c = (config ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  const isEmpty = (v: unknown): boolean => v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  if (name === 'redpanda' && isEmpty(c.seed_brokers)) out.push('seed_brokers is required by the local runner (there is no global redpanda block)');
  if (kind === 'input' && name === 'redpanda') {
    if (isEmpty(c.consumer_group)) out.push('consumer_group is required by the local runner');
    if (isEmpty(c.topics)) out.push('topics is required');
    if (Array.isArray(c.topics) && c.topics.some((t) => String(t).includes(':'))) out.push('partition-pinned topics (topic:partition) are not supported by the local runner');
  }
  if (kind === 'output' && name === 'sql_insert' && c.driver === 'clickhouse' && (!isEmpty(c.prefix) || !isEmpty(c.suffix))) {
    out.push('prefix/suffix are not supported for clickhouse by the local runner (rows are inserted as JSONEachRow over HTTP)');
  }
  return out;
}

const TOP_KEYS = ['input', 'pipeline', 'output', 'input_resources', 'processor_resources', 'output_resources', 'metrics', 'http', 'logger', 'shutdown_timeout', 'shutdown_delay'];

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  skipEnvVarCheck?: boolean;
}

/** Parses and validates one config text. Returns the stream config (undefined when there were errors) and every finding. */
export function loadConfigText(text: string, file: string, options: LoadOptions = {}): { config: StreamConfig | undefined; errors: LintError[] } {
  const envErrors: LintError[] = [];
  const resolved = interpolateEnv(text, options.env ?? process.env, file, envErrors);
  const lines = new LineCounter();
  const doc = parseDocument(resolved, { lineCounter: lines, prettyErrors: false });
  const v = new Validator(file, lines);
  if (!options.skipEnvVarCheck) v.errors.push(...envErrors);
  for (const e of doc.errors) v.errors.push({ file, line: e.linePos?.[0]?.line ?? 1, message: `yaml: ${e.message.split('\n')[0] ?? ''}` });
  if (doc.errors.length > 0) return { config: undefined, errors: v.errors };
  const root = doc.contents as Node | null;
  if (root !== null && !isMap(root)) {
    v.err(root, 'expected a config object at the top level');
    return { config: undefined, errors: v.errors };
  }
  const nodes = new Map<string, Node>();
  for (const pair of root?.items ?? []) {
    const key = String((pair.key as Scalar).value);
    if (!TOP_KEYS.includes(key)) v.err(pair.key as Node, `field ${key} is not supported by the local runner at the top level (supported: ${TOP_KEYS.join(', ')})`);
    else nodes.set(key, pair.value as Node);
  }
  const input = nodes.has('input') ? v.component('input', nodes.get('input') as Node, 'input') : undefined;
  if (!nodes.has('input')) v.err(root, 'input is required (the local runner has no stdin input)');
  const output = nodes.has('output') ? v.component('output', nodes.get('output') as Node, 'output') : undefined;
  if (!nodes.has('output')) v.err(root, 'output is required');
  const pipeline = v.field(PIPELINE, nodes.get('pipeline'), 'pipeline', 'pipeline') as StreamConfig['pipeline'] | undefined;
  const resources = { input: new Map(), processor: new Map(), output: new Map() } as StreamConfig['resources'];
  for (const kind of ['input', 'processor', 'output'] as const) {
    const list = nodes.get(`${kind}_resources`);
    if (list === undefined) continue;
    if (!isSeq(list)) {
      v.err(list, `${kind}_resources: expected an array`);
      continue;
    }
    list.items.forEach((item, i) => {
      const c = v.component(kind, item as Node, `${kind}_resources.${i}`);
      if (c === undefined) return;
      if (c.label === undefined) v.err(item as Node, `${kind}_resources.${i}: a resource needs a label`);
      else resources[kind].set(c.label, c);
    });
  }
  checkMetrics(v, nodes.get('metrics'));
  const top = Object.fromEntries(Object.entries(TOP_LEVEL).map(([k, spec]) => [k, v.field(spec, nodes.get(k), k, k)]));
  checkResourceRefs(v, file, [input, output, ...(pipeline?.processors ?? [])], resources);
  v.errors.sort((a, b) => a.line - b.line);
  if (v.errors.length > 0 || input === undefined || output === undefined || pipeline === undefined) return { config: undefined, errors: v.errors };
  return {
    config: {
      file,
      input,
      output,
      pipeline,
      resources,
      http: top.http as StreamConfig['http'],
      logger: top.logger as StreamConfig['logger'],
      shutdownTimeoutMs: parseDuration(top.shutdown_timeout as string),
      shutdownDelayMs: parseDuration(top.shutdown_delay as string),
    },
    errors: [],
  };
}

/** Only the in-memory Prometheus exporter exists here: `metrics: { prometheus: {} }` (the default) or `mapping: ""`. */
function checkMetrics(v: Validator, node: Node | undefined): void {
  if (node === undefined) return;
  if (!isMap(node)) return v.err(node, 'metrics: expected an object');
  for (const pair of node.items) {
    const key = String((pair.key as Scalar).value);
    const value = pair.value as Node | null;
    const empty = value === null || (isScalar(value) && (value.value === null || value.value === '')) || (isMap(value) && value.items.length === 0);
    if (key === 'prometheus' && empty) continue;
    if (key === 'mapping' && empty) continue;
    v.err(pair.key as Node, `metrics ${key}${empty ? '' : ' with fields'} is not supported by the local runner (supported: prometheus: {})`);
  }
}

function checkResourceRefs(v: Validator, file: string, roots: Array<ComponentConf | undefined>, resources: StreamConfig['resources']): void {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const c = value as Partial<ComponentConf>;
    if (c.kind !== undefined && c.name === 'resource' && !resources[c.kind].has(String(c.config))) {
      v.errors.push({ file, line: c.line ?? 1, message: `${c.kind} resource "${String(c.config)}" is not defined in ${c.kind}_resources` });
    }
    Object.values(value).forEach(visit);
  };
  roots.forEach(visit);
  Object.values(resources).forEach((m) => [...m.values()].forEach(visit));
}

export function loadConfigFile(file: string, options: LoadOptions = {}): { config: StreamConfig | undefined; errors: LintError[] } {
  return loadConfigText(readFileSync(file, 'utf8'), file, options);
}

export function formatLintError(e: LintError): string {
  return `${e.file}:${e.line}: ${e.message}`;
}
