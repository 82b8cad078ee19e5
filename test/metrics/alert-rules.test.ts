import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PLATFORM_METRIC_NAMES } from '../../functions/lib/metrics/platform.ts';

interface Rule { alert?: string; record?: string; expr?: unknown; for?: unknown; labels?: Record<string, unknown>; annotations?: Record<string, unknown> }
const doc = parse(readFileSync(new URL('../../deploy/prometheus/alerts.yml', import.meta.url), 'utf8')) as { groups?: { name?: unknown; rules?: Rule[] }[] };
const rules = (doc.groups ?? []).flatMap((g) => g.rules ?? []);

/** PromQL functions, keywords and aggregation words that look like identifiers but are not metrics. */
const NOT_METRICS = new Set(['sum', 'by', 'without', 'rate', 'increase', 'histogram_quantile', 'time', 'and', 'or', 'unless', 'max', 'min', 'avg', 'le', 'bool', 'on', 'ignoring']);
/** Metric names in a PromQL expression: identifiers outside label matchers, ranges and `by (...)` clauses, minus functions. */
const metricsOf = (expr: string): string[] =>
  [...expr.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '').matchAll(/(?<![\w.])[a-zA-Z_:][\w:]*/g)]
    .map((m) => m[0])
    .filter((w) => !NOT_METRICS.has(w))
    .map((w) => w.replace(/_(bucket|sum|count)$/, ''));

describe('deploy/prometheus/alerts.yml', () => {
  it('is a valid rule file: groups with names and rules with alert, expr, for, labels.severity and annotations', () => {
    expect(Array.isArray(doc.groups)).toBe(true);
    expect(rules.length).toBeGreaterThan(0);
    const names = new Set<string>();
    for (const g of doc.groups!) expect(typeof g.name).toBe('string');
    for (const r of rules) {
      expect(typeof r.alert, JSON.stringify(r)).toBe('string');
      expect(names.has(r.alert!), `duplicate alert ${r.alert}`).toBe(false);
      names.add(r.alert!);
      expect(typeof r.expr).toBe('string');
      if (r.for !== undefined) expect(String(r.for)).toMatch(/^\d+[smhd]$/);
      expect(['info', 'warning', 'critical']).toContain(r.labels?.severity);
      expect(typeof r.annotations?.summary).toBe('string');
      expect(Object.keys(r).every((k) => ['alert', 'expr', 'for', 'labels', 'annotations', 'keep_firing_for'].includes(k))).toBe(true);
    }
  });

  it('references only metrics the code registers, and covers every seed alert (gaps, latency, storage, quota)', () => {
    for (const r of rules) {
      const used = metricsOf(String(r.expr));
      expect(used.length, r.alert).toBeGreaterThan(0);
      for (const m of used) expect(PLATFORM_METRIC_NAMES, `${r.alert} uses ${m}`).toContain(m);
    }
    const checks = new Set(rules.map((r) => r.labels?.check));
    for (const c of ['data_gap', 'high_latency', 'storage_capacity', 'api_quota', 'stream_stale']) expect(checks).toContain(c);
  });
});
