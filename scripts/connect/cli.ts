import { basename } from 'node:path';
import { loadConfigFile, type StreamConfig } from './config.ts';
import { expandConfigPaths, formatLintError, lintFiles } from './lint.ts';
import { Metrics } from './metrics.ts';
import { HttpServers } from './server.ts';
import { startStream, type RunningStream } from './stream.ts';

/**
 * `npm run connect -- [run] FILE...` runs pipelines like `rpk connect run` (several files run side by side, sharing one
 * service HTTP server per address); `npm run connect -- lint [--skip-env-var-check] [FILES|DIR]` checks them like
 * `rpk connect lint` (default: connect/*.yaml) and exits 1 with `file:line: message` lines.
 */
async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'lint') {
    const skipEnvVarCheck = rest.includes('--skip-env-var-check');
    const files = expandConfigPaths(rest.filter((a) => !a.startsWith('--')));
    const errors = lintFiles(files, { skipEnvVarCheck });
    for (const e of errors) console.error(formatLintError(e));
    if (errors.length === 0) console.error(`${files.length} config(s) OK`);
    return errors.length === 0 ? 0 : 1;
  }
  const files = first === 'run' || first === 'streams' ? rest : argv;
  if (files.length === 0) {
    console.error('usage: npm run connect -- [run] connect/FILE.yaml [more files...] | lint [FILES|DIR]');
    return 2;
  }
  const configs: StreamConfig[] = [];
  let failed = false;
  for (const f of files) {
    const { config, errors } = loadConfigFile(f);
    for (const e of errors) console.error(formatLintError(e));
    if (config) configs.push(config);
    else failed = true;
  }
  if (failed) return 1;
  const servers = new HttpServers();
  const metrics = new Metrics();
  const streams: RunningStream[] = [];
  for (const c of configs) streams.push(await startStream(c, { servers, metrics: configs.length > 1 ? metrics.withLabels({ stream: basename(c.file) }) : metrics }));
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => (stopping ??= Promise.all(streams.map((s) => s.stop())).then(() => servers.closeAll()));
  process.once('SIGINT', () => void stopAll());
  process.once('SIGTERM', () => void stopAll());
  await Promise.all(streams.map((s) => s.done));
  await stopAll();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
