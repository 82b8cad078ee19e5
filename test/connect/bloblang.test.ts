import { describe, expect, it } from 'vitest';
import { BloblangError, Interpolation, Mapping } from '../../scripts/connect/bloblang.ts';
import { Message } from '../../scripts/connect/message.ts';

const msg = (value: unknown, meta: Record<string, string> = {}, error?: string): Message => new Message(Buffer.from(JSON.stringify(value)), new Map(Object.entries(meta)), error);
const q = (src: string, m: Message): unknown => Mapping.parse(src).query(m);

describe('bloblang subset', () => {
  const doc = { ok: true, symbol: 'BTC-USD', price: '42.5', ts: 1700000000000, b: { c: 3 }, list: [1, 2] };

  it('maps root, fields and arrays (args_mapping shape)', () => {
    expect(q('root = this.symbol', msg(doc))).toBe('BTC-USD');
    expect(q('root = this', msg(doc))).toEqual(doc);
    expect(q('root = [ this.ts, this.b.c, this.price.number(), this.missing ]', msg(doc))).toEqual([1700000000000, 3, 42.5, null]);
    const r = Mapping.parse('root = this\nroot.a.x = this.b.c\nbare = "y"\nmeta topic = "t"').apply(msg(doc), undefined);
    expect(r.root).toMatchObject({ symbol: 'BTC-USD', a: { x: 3 }, bare: 'y' });
    expect(r.meta.get('topic')).toBe('t');
  });

  it('evaluates comparisons, boolean logic and literals', () => {
    const m = msg(doc);
    expect(q('this.ok == true', m)).toBe(true);
    expect(q('this.ok != true || this.ts > 5 && this.b.c <= 3', m)).toBe(true);
    expect(q('this.symbol == "BTC-USD" && !(this.b.c >= 4)', m)).toBe(true);
    expect(q('root = [null, 1.5, "s", false, -2]', m)).toEqual([null, 1.5, 's', false, -2]);
    expect(q('this.b == {"c": 3}', m)).toBe(true);
    expect(q('this.exists("b.c") && !this.exists("b.d")', m)).toBe(true);
    expect(() => q('this.symbol && true', m)).toThrow(/expected bool value/);
    expect(() => q('this.symbol > 3', m)).toThrow(/cannot compare types string/);
  });

  it('reads errors, metadata, content and json()', () => {
    const m = msg({ a: { b: 'x' } }, { kafka_key: 'k1' }, 'boom');
    expect(q('errored()', m)).toBe(true);
    expect(q('error()', m)).toBe('boom');
    expect(q('@kafka_key', m)).toBe('k1');
    expect(q('meta("kafka_key")', m)).toBe('k1');
    expect(q('meta("nope")', m)).toBe(null);
    expect(q('content().string()', m)).toBe('{"a":{"b":"x"}}');
    expect(q('json("a.b")', m)).toBe('x');
    expect(q('this.nope.or("d")', m)).toBe('d');
    expect(q('root = uuid_v4()', m)).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(q('now()', m) as string)).not.toBeNaN();
  });

  it('deletes messages and supports if/else', () => {
    expect(Mapping.parse('root = if errored() { deleted() }').apply(msg(1, {}, 'e'), undefined).deleted).toBe(true);
    expect(Mapping.parse('root = if errored() { deleted() }').apply(msg(1), undefined).root).toBeUndefined();
    expect(q('root = if this.n > 1 { "big" } else { "small" }', msg({ n: 2 }))).toBe('big');
  });

  it('converts with .number() and .string(), failing clearly on junk', () => {
    expect(q('this.n.string()', msg({ n: 5 }))).toBe('5');
    expect(q('this.s.number()', msg({ s: '1e3' }))).toBe(1000);
    expect(() => q('this.s.number()', msg({ s: 'abc' }))).toThrow(/expected number value/);
    expect(() => q('root = this.x', new Message('not json'))).toThrow(/failed to parse message as JSON/);
  });

  it('interpolates ${! ... } and keeps escapes literal', () => {
    const m = msg({ symbol: 'ETH-USD', n: 3 }, { kafka_topic: 'ticks' });
    expect(Interpolation.parse('${! this.symbol }').render(m)).toBe('ETH-USD');
    expect(Interpolation.parse('${! meta("kafka_topic") }.dlq/${! this.n }/${! {"a": 1} }').render(m)).toBe('ticks.dlq/3/{"a":1}');
    expect(Interpolation.parse('x${{!literal}}').render(m)).toBe('x${!literal}');
    expect(Interpolation.parse('static').isStatic).toBe(true);
  });

  it('refuses anything outside the subset by name, with its line', () => {
    expect(() => Mapping.parse('root = this.map_each(x -> x)')).toThrow(/method "map_each" is not supported by the local runner/);
    expect(() => Mapping.parse('root = ksuid()')).toThrow(/function "ksuid" is not supported/);
    try {
      Mapping.parse('root = this\nroot.t = this.ts.ts_parse("2006")');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BloblangError);
      expect((error as BloblangError).line).toBe(2);
      expect((error as BloblangError).message).toMatch(/method "ts_parse"/);
    }
    expect(() => Mapping.parse('let x = 1')).toThrow(/"let" variables are not supported/);
  });
});

describe('bloblang values', () => {
  it('writes bytes from content() as strings and never mutates the source document', () => {
    const m = new Message('{"a":{"b":1}}');
    const r = Mapping.parse('root.raw = content()\nroot.copy = this.a\nroot.copy.b = 2').apply(m, undefined);
    const out = new Message('x');
    out.setValue(r.root);
    expect(out.content.toString()).toBe('{"raw":"{\\"a\\":{\\"b\\":1}}","copy":{"b":2}}');
    expect(m.json()).toEqual({ a: { b: 1 } });
  });
});
