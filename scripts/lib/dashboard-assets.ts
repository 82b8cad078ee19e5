import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The chart library's standalone build is not in the package's exports map, so it is found next to package.json. */
/** The chart library's standalone production build, read from the installed package (nothing vendored in the repo). */
export function chartLibraryReader(): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => (cached ??= readFile(join(dirname(require.resolve('lightweight-charts/package.json')), 'dist', 'lightweight-charts.standalone.production.js'), 'utf8'));
}
