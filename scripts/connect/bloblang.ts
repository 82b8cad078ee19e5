import { randomUUID } from 'node:crypto';
import { toJSONText, type Message } from './message.ts';

/**
 * The Bloblang subset the local runner evaluates: parsed once at lint/build time, evaluated per message.
 * Anything outside the subset is refused at parse time with the function or method name, so a pipeline
 * never silently means something different here than in Redpanda Connect.
 */

export const SUPPORTED_FUNCTIONS = ['content', 'deleted', 'error', 'errored', 'json', 'meta', 'metadata', 'now', 'uuid_v4'] as const;
export const SUPPORTED_METHODS = ['contains', 'exists', 'join', 'number', 'or', 'split', 'string', 'ts_format', 'ts_unix_milli'] as const;

export class BloblangError extends Error {
  /** 1-based line inside the mapping text, so the linter can add it to the YAML line. */
  readonly line: number;
  constructor(message: string, line = 1) {
    super(message);
    this.name = 'BloblangError';
    this.line = line;
  }
}

/** Marker for `deleted()`: the mapping removes the message. */
export const DELETED: unique symbol = Symbol('deleted');
type Value = unknown;

type Expr =
  | { t: 'lit'; v: Value }
  | { t: 'this'; path: string[] }
  | { t: 'root'; path: string[] }
  | { t: 'meta'; key: string | null }
  | { t: 'fn'; name: string; args: Expr[] }
  | { t: 'method'; target: Expr; name: string; args: Expr[] }
  | { t: 'get'; target: Expr; key: string }
  | { t: 'bin'; op: string; l: Expr; r: Expr }
  | { t: 'not'; e: Expr }
  | { t: 'neg'; e: Expr }
  | { t: 'arr'; items: Expr[] }
  | { t: 'obj'; entries: Array<[string, Expr]> }
  | { t: 'if'; cond: Expr; then: Expr; else: Expr | null };

type Target = { kind: 'root'; path: string[] } | { kind: 'meta'; key: string };
type Statement = { target: Target; expr: Expr };

interface Token {
  k: 'id' | 'num' | 'str' | 'op' | 'nl' | 'eof';
  v: string;
  line: number;
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '=', '!', '.', ',', '(', ')', '[', ']', '{', '}', '+', '-', '*', '/', '%', ':', '@'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '\n') {
      out.push({ k: 'nl', v: '\n', line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < src.length && /[A-Za-z0-9_]/.test(src[j] as string)) j++;
      out.push({ k: 'id', v: src.slice(i, j), line });
      i = j;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ k: 'num', v: m[0], line });
      i += m[0].length;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new BloblangError('unterminated string literal', line);
      out.push({ k: 'str', v: JSON.parse(src.slice(i, j + 1)) as string, line });
      i = j + 1;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (op === undefined) throw new BloblangError(`unexpected character "${c}"`, line);
      out.push({ k: 'op', v: op, line });
      i += op.length;
    }
  }
  out.push({ k: 'eof', v: '', line });
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  peek(offset = 0): Token {
    return this.toks[Math.min(this.pos + offset, this.toks.length - 1)] as Token;
  }
  next(): Token {
    return this.toks[this.pos++] as Token;
  }
  is(k: Token['k'], v?: string): boolean {
    const t = this.peek();
    return t.k === k && (v === undefined || t.v === v);
  }
  expect(k: Token['k'], v?: string): Token {
    const t = this.next();
    if (t.k !== k || (v !== undefined && t.v !== v)) throw new BloblangError(`expected ${v ?? k}, got "${t.v || t.k}"`, t.line);
    return t;
  }
  skipNewlines(): void {
    while (this.is('nl')) this.next();
  }

  statements(): Statement[] {
    const out: Statement[] = [];
    this.skipNewlines();
    while (!this.is('eof')) {
      out.push(this.statement());
      if (!this.is('eof')) this.expect('nl');
      this.skipNewlines();
    }
    return out;
  }

  private statement(): Statement {
    const t = this.peek();
    let target: Target;
    if (t.k === 'id' && t.v === 'meta' && this.peek(1).k === 'id') {
      this.next();
      target = { kind: 'meta', key: this.next().v };
    } else if (t.k === 'op' && t.v === '@') {
      this.next();
      target = { kind: 'meta', key: this.expect('id').v };
    } else if (t.k === 'id' && t.v === 'root') {
      this.next();
      target = { kind: 'root', path: this.pathTail() };
    } else if (t.k === 'id' && t.v !== 'this' && t.v !== 'let' && (this.peek(1).v === '=' || this.peek(1).v === '.')) {
      // A bare `a.b = x` assigns `root.a.b`, as in Bloblang.
      target = { kind: 'root', path: [this.next().v, ...this.pathTail()] };
    } else if (t.k === 'id' && t.v === 'let') {
      throw new BloblangError('"let" variables are not supported by the local runner', t.line);
    } else throw new BloblangError(`expected an assignment such as "root = ...", got "${t.v}"`, t.line);
    this.expect('op', '=');
    return { target, expr: this.query() };
  }

  private pathTail(): string[] {
    const path: string[] = [];
    while (this.is('op', '.')) {
      this.next();
      const t = this.next();
      if (t.k !== 'id' && t.k !== 'str') throw new BloblangError(`expected a field name after ".", got "${t.v}"`, t.line);
      path.push(t.v);
    }
    return path;
  }

  query(): Expr {
    return this.binary(0);
  }

  private static readonly LEVELS: string[][] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];

  private binary(level: number): Expr {
    if (level >= Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    const ops = Parser.LEVELS[level] as string[];
    while (this.peek().k === 'op' && ops.includes(this.peek().v)) {
      const op = this.next().v;
      this.skipNewlines();
      left = { t: 'bin', op, l: left, r: this.binary(level + 1) };
    }
    return left;
  }

  private unary(): Expr {
    if (this.is('op', '!')) {
      this.next();
      return { t: 'not', e: this.unary() };
    }
    if (this.is('op', '-')) {
      this.next();
      return { t: 'neg', e: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private postfix(base: Expr): Expr {
    let e = base;
    while (this.is('op', '.')) {
      this.next();
      const t = this.next();
      if (t.k !== 'id' && t.k !== 'str') throw new BloblangError(`expected a field or method after ".", got "${t.v}"`, t.line);
      if (t.k === 'id' && this.is('op', '(')) {
        if (!(SUPPORTED_METHODS as readonly string[]).includes(t.v)) {
          throw new BloblangError(`method "${t.v}" is not supported by the local runner (supported: ${SUPPORTED_METHODS.join(', ')})`, t.line);
        }
        e = { t: 'method', target: e, name: t.v, args: this.args() };
      } else if (e.t === 'this' || e.t === 'root') e = { ...e, path: [...e.path, t.v] };
      else e = { t: 'get', target: e, key: t.v };
    }
    return e;
  }

  private args(): Expr[] {
    this.expect('op', '(');
    const out: Expr[] = [];
    this.skipNewlines();
    while (!this.is('op', ')')) {
      out.push(this.query());
      this.skipNewlines();
      if (!this.is('op', ')')) this.expect('op', ',');
      this.skipNewlines();
    }
    this.next();
    return out;
  }

  private primary(): Expr {
    const t = this.next();
    if (t.k === 'num') return { t: 'lit', v: Number(t.v) };
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'op' && t.v === '(') {
      this.skipNewlines();
      const e = this.query();
      this.skipNewlines();
      this.expect('op', ')');
      return e;
    }
    if (t.k === 'op' && t.v === '@') {
      if (this.is('id')) return { t: 'meta', key: this.next().v };
      return { t: 'meta', key: null };
    }
    if (t.k === 'op' && t.v === '[') {
      const items: Expr[] = [];
      this.skipNewlines();
      while (!this.is('op', ']')) {
        items.push(this.query());
        this.skipNewlines();
        if (!this.is('op', ']')) this.expect('op', ',');
        this.skipNewlines();
      }
      this.next();
      return { t: 'arr', items };
    }
    if (t.k === 'op' && t.v === '{') {
      const entries: Array<[string, Expr]> = [];
      this.skipNewlines();
      while (!this.is('op', '}')) {
        const k = this.expect('str').v;
        this.expect('op', ':');
        this.skipNewlines();
        entries.push([k, this.query()]);
        this.skipNewlines();
        if (!this.is('op', '}')) this.expect('op', ',');
        this.skipNewlines();
      }
      this.next();
      return { t: 'obj', entries };
    }
    if (t.k === 'id') {
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { t: 'lit', v: null };
      if (t.v === 'this') return { t: 'this', path: [] };
      if (t.v === 'root') return { t: 'root', path: [] };
      if (t.v === 'if') return this.ifExpr();
      if (this.is('op', '(')) {
        if (!(SUPPORTED_FUNCTIONS as readonly string[]).includes(t.v)) {
          throw new BloblangError(`function "${t.v}" is not supported by the local runner (supported: ${SUPPORTED_FUNCTIONS.join(', ')})`, t.line);
        }
        return { t: 'fn', name: t.v, args: this.args() };
      }
      // A bare identifier is a path on `this`, as in Bloblang.
      return { t: 'this', path: [t.v] };
    }
    throw new BloblangError(`unexpected "${t.v || t.k}"`, t.line);
  }

  private ifExpr(): Expr {
    const cond = this.query();
    const then = this.block();
    let otherwise: Expr | null = null;
    if (this.is('id', 'else')) {
      this.next();
      otherwise = this.is('id', 'if') ? (this.next(), this.ifExpr()) : this.block();
    }
    return { t: 'if', cond, then, else: otherwise };
  }

  private block(): Expr {
    this.expect('op', '{');
    this.skipNewlines();
    const e = this.query();
    this.skipNewlines();
    this.expect('op', '}');
    return e;
  }
}

/** What a query can see: the message, and the root document being built (for `root` references). */
export interface EvalContext {
  message: Message;
  root?: Value;
}

function getPath(v: Value, path: readonly string[]): Value {
  let cur = v;
  for (const key of path) {
    if (cur === null || cur === undefined) return null;
    if (Array.isArray(cur) && /^-?\d+$/.test(key)) cur = cur[Number(key) < 0 ? cur.length + Number(key) : Number(key)];
    else if (typeof cur === 'object') cur = (cur as Record<string, Value>)[key];
    else return null;
  }
  return cur === undefined ? null : cur;
}

function typeName(v: Value): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, Value>)[k], (b as Record<string, Value>)[k]));
}

/** The string form Bloblang gives a value in interpolations and `.string()`: strings raw, everything else as JSON. */
export function valueToString(v: Value): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return toJSONText(v);
}

function evaluate(e: Expr, ctx: EvalContext): Value {
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'this':
      return getPath(ctx.message.json(), e.path);
    case 'root':
      return getPath(ctx.root ?? null, e.path);
    case 'meta':
      if (e.key === null) return Object.fromEntries(ctx.message.meta);
      return ctx.message.meta.get(e.key) ?? null;
    case 'get':
      return getPath(evaluate(e.target, ctx), [e.key]);
    case 'arr':
      return e.items.map((i) => evaluate(i, ctx));
    case 'obj':
      return Object.fromEntries(e.entries.map(([k, v]) => [k, evaluate(v, ctx)]));
    case 'not': {
      const v = evaluate(e.e, ctx);
      if (typeof v !== 'boolean') throw new BloblangError(`expected bool value, got ${typeName(v)}`);
      return !v;
    }
    case 'neg': {
      const v = evaluate(e.e, ctx);
      if (typeof v !== 'number') throw new BloblangError(`expected number value, got ${typeName(v)}`);
      return -v;
    }
    case 'if': {
      const c = evaluate(e.cond, ctx);
      if (typeof c !== 'boolean') throw new BloblangError(`expected bool value in if condition, got ${typeName(c)}`);
      if (c) return evaluate(e.then, ctx);
      return e.else === null ? NOTHING : evaluate(e.else, ctx);
    }
    case 'bin':
      return evalBinary(e.op, e.l, e.r, ctx);
    case 'fn':
      return callFunction(e.name, e.args.map((a) => evaluate(a, ctx)), ctx);
    case 'method':
      return callMethod(e.name, e.target, e.args, ctx);
  }
}

/** `if` without `else` whose condition is false: the assignment does not happen. */
const NOTHING: unique symbol = Symbol('nothing');

function evalBinary(op: string, le: Expr, re: Expr, ctx: EvalContext): Value {
  if (op === '&&' || op === '||') {
    const l = evaluate(le, ctx);
    if (typeof l !== 'boolean') throw new BloblangError(`expected bool value for ${op}, got ${typeName(l)}`);
    if (op === '&&' ? !l : l) return l;
    const r = evaluate(re, ctx);
    if (typeof r !== 'boolean') throw new BloblangError(`expected bool value for ${op}, got ${typeName(r)}`);
    return r;
  }
  const l = evaluate(le, ctx);
  const r = evaluate(re, ctx);
  if (op === '==') return deepEqual(l, r);
  if (op === '!=') return !deepEqual(l, r);
  if (op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
  if (['<', '<=', '>', '>='].includes(op) && typeof l === 'string' && typeof r === 'string') {
    return op === '<' ? l < r : op === '<=' ? l <= r : op === '>' ? l > r : l >= r;
  }
  if (typeof l !== 'number' || typeof r !== 'number') throw new BloblangError(`cannot compare types ${typeName(l)} (from left) and ${typeName(r)} (from right) with ${op}`);
  switch (op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    default:
      return l % r;
  }
}

function callFunction(name: string, args: Value[], ctx: EvalContext): Value {
  const m = ctx.message;
  switch (name) {
    case 'content':
      return m.content;
    case 'deleted':
      return DELETED;
    case 'errored':
      return m.error !== undefined;
    case 'error':
      return m.error ?? null;
    case 'json':
      return getPath(m.json(), typeof args[0] === 'string' && args[0] !== '' ? args[0].split('.') : []);
    case 'meta':
    case 'metadata':
      if (args.length === 0) return Object.fromEntries(m.meta);
      return m.meta.get(String(args[0])) ?? null;
    case 'now':
      return new Date().toISOString();
    default:
      return randomUUID();
  }
}

function callMethod(name: string, targetExpr: Expr, argExprs: Expr[], ctx: EvalContext): Value {
  if (name === 'or') {
    try {
      const v = evaluate(targetExpr, ctx);
      if (v !== null && v !== undefined) return v;
    } catch {
      // `.or()` also recovers from a failing target, as in Bloblang.
    }
    return evaluate(argExprs[0] as Expr, ctx);
  }
  if (name === 'exists') {
    const base = evaluate(targetExpr, ctx);
    const path = String(evaluate(argExprs[0] as Expr, ctx));
    let cur = base;
    for (const key of path.split('.')) {
      if (cur === null || typeof cur !== 'object' || !(key in (cur as object))) return false;
      cur = (cur as Record<string, Value>)[key];
    }
    return true;
  }
  const v = evaluate(targetExpr, ctx);
  if (name === 'string') return valueToString(v);
  if (name === 'contains') return containsValue(v, evaluate(argExprs[0] as Expr, ctx));
  if (name === 'join') return joinStrings(v, argExprs.length > 0 ? evaluate(argExprs[0] as Expr, ctx) : '');
  if (name === 'ts_format') return formatTimestamp(v, argExprs.map((a) => evaluate(a, ctx)));
  if (name === 'split') {
    if (typeof v !== 'string') throw new BloblangError(`expected string value for split, got ${typeName(v)}`);
    return v.split(String(evaluate(argExprs[0] as Expr, ctx)));
  }
  if (name === 'ts_unix_milli') {
    const ms = typeof v === 'number' ? Math.round(v * 1000) : typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(ms)) throw new BloblangError(`ts_unix_milli: expected a timestamp, got ${typeName(v)}`);
    return ms;
  }
  // name === 'number'
  if (typeof v === 'number') return v;
  const s = typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : null;
  const n = s === null || s.trim() === '' ? NaN : Number(s);
  if (Number.isNaN(n)) throw new BloblangError(`expected number value, got ${typeName(v)}${s === null ? '' : ` ("${s.slice(0, 40)}")`}`);
  return n;
}

function containsValue(v: Value, needle: Value): boolean {
  if (Array.isArray(v)) return v.some((x) => deepEqual(x, needle));
  if (typeof v === 'string' && typeof needle === 'string') return v.includes(needle);
  throw new BloblangError(`expected array or string value for contains, got ${typeName(v)}`);
}

function joinStrings(v: Value, delim: Value): string {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new BloblangError(`expected array of strings for join, got ${typeName(v)}`);
  return v.join(String(delim));
}

/**
 * Bloblang's `ts_format(layout, tz)` for the Go layout tokens our pipelines use (2006 01 02 15 04 05 .000 Z07:00 -07:00),
 * in UTC only. A number is unix seconds (decimals allowed, as in Bloblang), a string an RFC 3339 timestamp.
 */
function formatTimestamp(v: Value, args: Value[]): string {
  const layout = typeof args[0] === 'string' ? args[0] : '2006-01-02T15:04:05.999999999Z07:00';
  if (args[1] !== undefined && args[1] !== 'UTC') throw new BloblangError(`ts_format: only the "UTC" time zone is supported by the local runner, got ${valueToString(args[1])}`);
  const ms = typeof v === 'number' ? Math.round(v * 1000) : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new BloblangError(`ts_format: expected a unix timestamp or RFC 3339 string, got ${typeName(v)}`);
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDThh:mm:ss.sssZ
  const parts: Record<string, string> = {
    '2006': iso.slice(0, 4), '01': iso.slice(5, 7), '02': iso.slice(8, 10), '15': iso.slice(11, 13), '04': iso.slice(14, 16), '05': iso.slice(17, 19),
    '.000': iso.slice(19, 23), 'Z07:00': 'Z', '-07:00': '+00:00',
  };
  return layout.replace(/Z07:00|-07:00|\.000|2006|01|02|15|04|05/g, (t) => parts[t] as string);
}

/** A parsed mapping: a list of assignments. */
export class Mapping {
  /** Per statement: does a later statement write into a path of root? Only then must assigned values be cloned. */
  private readonly writtenLater: boolean[];
  private readonly writesPaths: boolean;

  private constructor(private readonly statements: Statement[], private readonly bareQuery: Expr | null) {
    this.writtenLater = statements.map((_, i) => statements.slice(i + 1).some((s) => s.target.kind === 'root' && s.target.path.length > 0));
    this.writesPaths = statements.some((s) => s.target.kind === 'root' && s.target.path.length > 0);
  }

  /** Parses a mapping (`root = ...` statements). A single bare query (`this.ok == true`) is accepted too, as Connect does for checks. */
  static parse(src: string): Mapping {
    const toks = tokenize(src);
    const p = new Parser(toks);
    const first = toks.find((t) => t.k !== 'nl');
    const looksLikeAssignment = (() => {
      const assign = toks.findIndex((t) => t.k === 'op' && t.v === '=');
      return assign > 0 && first !== undefined && (first.v === 'root' || first.v === 'meta' || first.v === '@' || (first.k === 'id' && first.v !== 'this' && !/^(true|false|null|if)$/.test(first.v) && toks[toks.indexOf(first) + 1]?.v !== '('));
    })();
    if (!looksLikeAssignment) {
      p.skipNewlines();
      const q = p.query();
      p.skipNewlines();
      p.expect('eof');
      return new Mapping([], q);
    }
    return new Mapping(p.statements(), null);
  }

  /** Evaluates as a query (a check, an interpolation): the bare expression, or what the mapping assigns to root. */
  query(message: Message): Value {
    if (this.bareQuery !== null) {
      const v = evaluate(this.bareQuery, { message });
      return v === NOTHING ? null : v;
    }
    const r = this.apply(message, undefined);
    return r.root === undefined ? null : r.root;
  }

  /** Runs a check: must return a bool. */
  check(message: Message): boolean {
    const v = this.query(message);
    if (typeof v !== 'boolean') throw new BloblangError(`expected bool value from check, got ${typeName(v)}`);
    return v;
  }

  /**
   * Applies the assignments. `root` starts as `initialRoot` (undefined for a fresh document, the current document for
   * mutations such as `branch.result_map`). Returns the new root (undefined when never assigned), whether the message
   * was deleted, and the metadata to set.
   */
  apply(message: Message, initialRoot: Value | undefined): { root: Value | undefined; deleted: boolean; meta: Map<string, Value | typeof DELETED> } {
    // Values are shared with the source message's cached JSON; nothing here writes into them unless a statement writes a
    // path of root, so cloning (the main per-message cost of a mapping) is only done when one does.
    let root: Value | undefined = initialRoot === undefined || !this.writesPaths ? initialRoot : structuredClone(initialRoot);
    const meta = new Map<string, Value | typeof DELETED>();
    const statements = this.bareQuery === null ? this.statements : [{ target: { kind: 'root' as const, path: [] }, expr: this.bareQuery }];
    for (let i = 0; i < statements.length; i++) {
      const s = statements[i] as Statement;
      const clone = this.bareQuery === null && this.writtenLater[i] === true;
      const v = evaluate(s.expr, { message, root });
      if (v === NOTHING) continue;
      if (s.target.kind === 'meta') {
        meta.set(s.target.key, v);
        continue;
      }
      if (v === DELETED && s.target.path.length === 0) return { root: undefined, deleted: true, meta };
      if (s.target.path.length === 0) {
        // Cloned so later `root.x = ...` statements never write into the source message's cached JSON.
        root = clone && v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? structuredClone(v) : v;
        continue;
      }
      if (root === undefined || root === null || typeof root !== 'object') root = {};
      let cur = root as Record<string, Value>;
      const path = s.target.path;
      for (const key of path.slice(0, -1)) {
        const nextValue = cur[key];
        if (nextValue === null || typeof nextValue !== 'object') cur[key] = {};
        cur = cur[key] as Record<string, Value>;
      }
      const last = path[path.length - 1] as string;
      if (v === DELETED) delete cur[last];
      else cur[last] = clone && v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? structuredClone(v) : v;
    }
    return { root, deleted: false, meta };
  }
}

/** A field with `${! ... }` interpolations, parsed once. */
export class Interpolation {
  private constructor(private readonly parts: Array<string | Mapping>) {}

  static parse(src: string): Interpolation {
    const parts: Array<string | Mapping> = [];
    let i = 0;
    let literal = '';
    while (i < src.length) {
      if (src.startsWith('${{!', i)) {
        // `${{!foo}}` is an escaped literal `${!foo}`.
        const end = src.indexOf('}}', i);
        literal += '${!' + src.slice(i + 4, end < 0 ? src.length : end) + '}';
        i = end < 0 ? src.length : end + 2;
      } else if (src.startsWith('${!', i)) {
        let depth = 1;
        let j = i + 3;
        let inStr = false;
        while (j < src.length && depth > 0) {
          const c = src[j];
          if (inStr) {
            if (c === '\\') j++;
            else if (c === '"') inStr = false;
          } else if (c === '"') inStr = true;
          else if (c === '{') depth++;
          else if (c === '}') depth--;
          j++;
        }
        if (depth > 0) throw new BloblangError('unterminated interpolation "${!"');
        if (literal !== '') parts.push(literal);
        literal = '';
        parts.push(Mapping.parse(src.slice(i + 3, j - 1)));
        i = j;
      } else {
        literal += src[i];
        i++;
      }
    }
    if (literal !== '') parts.push(literal);
    return new Interpolation(parts);
  }

  get isStatic(): boolean {
    return this.parts.every((p) => typeof p === 'string');
  }

  render(message: Message): string {
    return this.parts.map((p) => (typeof p === 'string' ? p : valueToString(p.query(message)))).join('');
  }
}
