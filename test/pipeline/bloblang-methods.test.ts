import { describe, expect, it } from 'vitest';
import { Mapping } from '../../scripts/connect/bloblang.ts';
import { Message } from '../../scripts/connect/message.ts';

const run = (mapping: string, doc: unknown): unknown => Mapping.parse(mapping).query(new Message(Buffer.from(JSON.stringify(doc))));

describe('Bloblang methods the sink and poll pipelines use (added to the local runner)', () => {
  it('ts_format formats unix seconds (with decimals) in UTC with Go layouts', () => {
    expect(run('root = (this.t / 1000).ts_format("2006-01-02T15:04:05.000Z07:00", "UTC")', { t: 1_767_225_600_123 })).toBe('2026-01-01T00:00:00.123Z');
    expect(run('root = (this.t / 1000).ts_format("2006-01-02 15:04:05.000", "UTC")', { t: 1_767_225_660_000 })).toBe('2026-01-01 00:01:00.000');
    expect(run('root = (this.t / 1000).ts_format("2006-01-02", "UTC")', { t: 1_767_225_600_000 })).toBe('2026-01-01');
    expect(() => run('root = this.t.ts_format("2006", "Europe/Paris")', { t: 1 })).toThrow(/UTC/);
  });

  it('join, split, contains and ts_unix_milli', () => {
    expect(run('root = "{" + this.f.join(",") + "}"', { f: ['a', 'b'] })).toBe('{a,b}');
    expect(run('root = "{" + this.f.join(",") + "}"', { f: [] })).toBe('{}');
    expect(run('root = "A,B".split(",")', {})).toEqual(['A', 'B']);
    expect(run('root = if this.f.contains("x") { 8 } else { 0 }', { f: ['x'] })).toBe(8);
    expect(run('root = this.s.ts_unix_milli()', { s: '2026-01-01T00:00:00.5Z' })).toBe(1_767_225_600_500);
  });
});
