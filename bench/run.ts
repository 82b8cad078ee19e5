import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `npm run bench -- NAME` runs the default export of bench/NAME.ts; without a known NAME it lists the benches. */

const dir = fileURLToPath(new URL('.', import.meta.url));
const available = (await readdir(dir)).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
const name = process.argv[2];

if (!name || !available.includes(name)) {
  if (name) console.error(`bench: no bench named "${name}"`);
  console.error(`usage: npm run bench -- NAME\navailable: ${available.join(', ') || '(none)'}`);
  process.exit(name ? 2 : 1);
}

const mod = (await import(pathToFileURL(`${dir}${name}.ts`).href)) as { default?: (args: string[]) => unknown };
if (typeof mod.default !== 'function') {
  console.error(`bench: bench/${name}.ts has no default export function`);
  process.exit(2);
}
await mod.default(process.argv.slice(3));
