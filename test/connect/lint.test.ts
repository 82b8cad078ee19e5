import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLintError, interpolateEnv, loadConfigText, type LintError } from '../../scripts/connect/config.ts';
import { expandConfigPaths, lintFiles } from '../../scripts/connect/lint.ts';

const FIXTURES = 'test/connect/fixtures';
const lint = (text: string, env: Record<string, string> = {}): string[] => loadConfigText(text, 'connect/x.yaml', { env }).errors.map(formatLintError);

describe('connect lint', () => {
  it('accepts the example pipelines (function stage, SQL sink, DLQ fallback)', () => {
    const files = expandConfigPaths([FIXTURES]);
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(lintFiles(files, { env: {} }).map(formatLintError)).toEqual([]);
  });

  it('fills Connect defaults into the loaded config', () => {
    const { config } = loadConfigText('input:\n  generate: { mapping: root = 1 }\npipeline:\n  processors:\n    - http: { url: "http://x" }\noutput:\n  drop: {}\n', 'x.yaml', { env: {} });
    const http = config?.pipeline.processors[0]?.config as Record<string, unknown>;
    expect(http).toMatchObject({ verb: 'POST', timeout: '5s', retries: 3, retry_period: '1s', max_retry_backoff: '300s', backoff_on: [429], drop_on: [] });
    expect(config?.input.config).toMatchObject({ interval: '1s', count: 0, batch_size: 1, auto_replay_nacks: true });
    expect(config?.http).toEqual({ enabled: true, address: '0.0.0.0:4195', root_path: '/benthos' });
    expect(config?.shutdownTimeoutMs).toBe(20_000);
  });

  it('rejects unknown components by name with file and line', () => {
    const errors = lint('input:\n  generate: { mapping: root = 1 }\npipeline:\n  processors:\n    - bloblang: root = this\noutput:\n  kafka_franz: {}\n');
    expect(errors[0]).toMatch(/^connect\/x\.yaml:5: processor "bloblang" is not supported by the local runner \(supported: archive, .*mapping/);
    expect(errors[1]).toMatch(/^connect\/x\.yaml:7: output "kafka_franz" is not supported by the local runner/);
  });

  it('rejects unknown fields, wrong types, bad options and missing required fields with their line', () => {
    const errors = lint(
      [
        'input:',
        '  http_server:',
        '    path: /in',
        '    ws_path: /ws',
        'pipeline:',
        '  processors:',
        '    - http: { verb: POST }',
        '    - archive: { format: tar }',
        '    - retry: { max_retries: lots, processors: [] }',
        'output:',
        '  broker: { pattern: round_robin, outputs: [ { drop: {} } ] }',
      ].join('\n'),
    );
    expect(errors).toEqual([
      expect.stringMatching(/^connect\/x\.yaml:4: field ws_path is not supported by the local runner in input http_server/),
      expect.stringMatching(/^connect\/x\.yaml:7: processor http: field url is required/),
      expect.stringMatching(/^connect\/x\.yaml:8: processor archive\.format: value "tar" is not supported by the local runner \(supported: concatenate, json_array, lines\)/),
      expect.stringMatching(/^connect\/x\.yaml:9: processor retry\.max_retries: expected an integer/),
      expect.stringMatching(/^connect\/x\.yaml:11: output broker\.pattern: value "round_robin" is not supported/),
    ]);
  });

  it('rejects unsupported Bloblang at the line where it appears, inside block mappings too', () => {
    const errors = lint(
      [
        'input:',
        '  generate:',
        '    mapping: |',
        '      root = this',
        '      root.id = ksuid()',
        'pipeline:',
        '  processors:',
        '    - mapping: root = this.name.uppercase()',
        'output:',
        '  redpanda: { seed_brokers: [b:9092], topic: "${! this.foo.bar(1) }" }',
      ].join('\n'),
    );
    expect(errors).toEqual([
      expect.stringMatching(/^connect\/x\.yaml:5: input generate\.mapping: bloblang: function "ksuid" is not supported by the local runner \(supported: content, /),
      expect.stringMatching(/^connect\/x\.yaml:8: processor mapping: bloblang: method "uppercase" is not supported by the local runner/),
      expect.stringMatching(/^connect\/x\.yaml:10: output redpanda\.topic: interpolation: method "bar" is not supported/),
    ]);
  });

  it('requires fields Connect requires, arrays included', () => {
    expect(lint('input:\n  generate: { mapping: root = 1 }\npipeline:\n  processors:\n    - retry: {}\noutput:\n  switch: {}\n')).toEqual([
      'connect/x.yaml:5: processor retry: field processors is required',
      'connect/x.yaml:7: output switch: field cases is required',
    ]);
  });

  it('rejects what the runner cannot honour although Connect would accept it', () => {
    const errors = lint('input:\n  redpanda: { topics: [t] }\noutput:\n  sql_insert: { driver: mysql, dsn: x, table: t, columns: [a], args_mapping: "root = [this.a]" }\nmetrics:\n  statsd: {}\n');
    expect(errors.join('\n')).toMatch(/:2: input redpanda: seed_brokers is required by the local runner/);
    expect(errors.join('\n')).toMatch(/:2: input redpanda: consumer_group is required/);
    expect(errors.join('\n')).toMatch(/:4: output sql_insert\.driver: value "mysql" is not supported by the local runner \(supported: clickhouse, postgres\)/);
    expect(errors.join('\n')).toMatch(/:6: metrics statsd is not supported/);
  });

  it('interpolates ${VAR} and ${VAR:default}; an undefined variable without default is an error at its line', () => {
    const errors: LintError[] = [];
    const text = interpolateEnv('a: ${A}\nb: ${B:fallback}\nc: ${C}\nd: ${{A}}\ne: "${! this.x }"\nf: ${EMPTY:}x', { A: 'set' }, 'f.yaml', errors);
    expect(text).toBe('a: set\nb: fallback\nc: \nd: ${A}\ne: "${! this.x }"\nf: x');
    expect(errors.map(formatLintError)).toEqual(['f.yaml:3: required environment variable C is not set and has no default (use ${C:default})']);
    const { config } = loadConfigText('input:\n  generate: { mapping: root = 1, count: ${N:7} }\noutput:\n  drop: {}\n', 'x.yaml', { env: { N: '12' } });
    expect((config?.input.config as { count: number }).count).toBe(12);
  });

  it('the CLI exits 1 with file:line lines, and 0 on valid configs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'connect-lint-'));
    writeFileSync(join(dir, 'bad.yaml'), 'input:\n  generate: { mapping: root = 1 }\noutput:\n  stdout: { codecx: lines }\n');
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/connect/cli.ts', 'lint', dir], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`${join(dir, 'bad.yaml')}:4: field codecx is not supported by the local runner in output stdout`);
    const good = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/connect/cli.ts', 'lint', FIXTURES], { encoding: 'utf8' });
    expect(good.stderr).toContain('config(s) OK');
    expect(good.status).toBe(0);
  });
});

// Only where a real Connect binary exists (CI has none, see connect.md §7): its lint must accept what ours accepts.
const realConnect = ['rpk', 'redpanda-connect'].find((bin) => spawnSync('which', [bin]).status === 0);
if (realConnect !== undefined) {
  describe('real Connect lint', () => {
    it(`${realConnect} lint accepts the configs our linter accepts`, () => {
      const args = realConnect === 'rpk' ? ['connect', 'lint'] : ['lint'];
      execFileSync(realConnect, [...args, ...expandConfigPaths([FIXTURES])], { encoding: 'utf8' });
    });
  });
}
