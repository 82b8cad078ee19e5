import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BATCH_FUNCTIONS, isBatchFunctionName } from '../../functions/lib/batch/names.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WORKERD_DIST = `${ROOT}dist/workerd/`;

/** Bundles functions/NAME/worker.ts into one ES module for workerd; returns the script text and where it was written. */
export async function buildWorker(name: string): Promise<{ script: string; file: string }> {
  if (!isBatchFunctionName(name)) throw new Error(`unknown function "${name}": use one of ${BATCH_FUNCTIONS.join(', ')}`);
  await mkdir(WORKERD_DIST, { recursive: true });
  const file = `${WORKERD_DIST}${name}.js`;
  const result = await build({
    entryPoints: [`${ROOT}functions/${name}/worker.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    outfile: file,
    write: true,
    logLevel: 'warning',
    metafile: false,
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed for ${name}`);
  const { readFile } = await import('node:fs/promises');
  return { script: await readFile(file, 'utf8'), file };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  for (const name of names.length > 0 ? names : BATCH_FUNCTIONS) {
    const { file } = await buildWorker(name);
    console.log(`built ${file}`);
  }
}
