import { describe, expect, it } from 'vitest';
import { Mapping } from '../../scripts/connect/bloblang.ts';
import { Message } from '../../scripts/connect/message.ts';
import { applyMapping, buildProcessors, runProcessors } from '../../scripts/connect/processors.ts';
import type { Ctx } from '../../scripts/connect/runtime.ts';
import { createLogger } from '../../scripts/connect/logger.ts';
import { Metrics } from '../../scripts/connect/metrics.ts';
import { HttpServers } from '../../scripts/connect/server.ts';

const ctx = (): Ctx => ({
  log: createLogger({ level: 'NONE', format: 'logfmt', add_timestamp: false, static_fields: {} }),
  metrics: new Metrics(),
  resources: { processor: new Map(), input: new Map(), output: new Map(), cache: new Map(), rate_limit: new Map() } as never,
  signal: new AbortController().signal,
  servers: new HttpServers(),
  serviceAddress: '',
});

describe('messages made from values (lazy content, shared parsed JSON)', () => {
  it('mappings never write into the JSON of the message they read, cloned or not', () => {
    const source = new Message(Buffer.from(JSON.stringify({ a: { b: 1 }, list: [1, 2] })));
    const before = JSON.stringify(source.json());
    const shared = Mapping.parse('root = this.a').apply(source, undefined);
    expect(shared.root).toEqual({ b: 1 });
    const written = Mapping.parse('root = this\nroot.a.c = 2\nroot.list = this.list').apply(source, undefined);
    expect(written.root).toEqual({ a: { b: 1, c: 2 }, list: [1, 2] });
    const mutated = Mapping.parse('root.a.d = 3').apply(source, source.json() as never);
    expect(mutated.root).toEqual({ a: { b: 1, d: 3 }, list: [1, 2] });
    expect(JSON.stringify(source.json())).toBe(before);
    expect(source.content.toString()).toBe(before);
  });

  it('a value-made message serialises on demand, and bytes inside a value read back as strings', () => {
    const m = Message.fromJSON({ x: 1, s: 'é' });
    expect(m.content.toString('utf8')).toBe('{"x":1,"s":"é"}');
    m.setValue({ raw: new Uint8Array(Buffer.from('hi')) });
    expect(m.json()).toEqual({ raw: 'hi' });
    m.setValue({ y: [1, null] });
    expect(m.json()).toEqual({ y: [1, null] });
    expect(JSON.parse(m.content.toString())).toEqual({ y: [1, null] });
    const c = m.copy();
    c.setBytes(Buffer.from('{"z":0}'));
    expect(m.json()).toEqual({ y: [1, null] });
  });

  it('archive json_array joins the parts into one array (as values and as bytes); unarchive splits it back', async () => {
    const parts = [new Message(Buffer.from(' {"a": 1} ')), Message.fromJSON({ b: [2] }), new Message(Buffer.from('"s"'))];
    const archive = buildProcessors([{ name: 'archive', config: { format: 'json_array' } }] as never, ctx(), 'test');
    const [archived] = await runProcessors(archive, parts);
    expect(JSON.parse((archived as Message).content.toString())).toEqual([{ a: 1 }, { b: [2] }, 's']);
    expect((archived as Message).json()).toEqual([{ a: 1 }, { b: [2] }, 's']);
    const unarchive = buildProcessors([{ name: 'unarchive', config: { format: 'json_array' } }] as never, ctx(), 'test');
    const back = await runProcessors(unarchive, [archived as Message]);
    expect(back.map((m) => m.json())).toEqual([{ a: 1 }, { b: [2] }, 's']);
    const bad = await runProcessors(archive, [new Message(Buffer.from('not json')), Message.fromJSON(1)]);
    expect(bad.every((m) => (m.error ?? '').startsWith('failed to archive'))).toBe(true);
    const mapped = Message.fromJSON({ ok: true, message: { k: 1 } });
    applyMapping(Mapping.parse('root = this.message'), mapped, false);
    expect(mapped.content.toString()).toBe('{"k":1}');
  });
});
