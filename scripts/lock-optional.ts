import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * chdb lists platform builds as optional dependencies, but only `@chdb/lib-linux-x64-gnu` exists in the registry we
 * reach. `npm install` then leaves the others out of package-lock.json and `npm ci` refuses the lock as out of sync.
 * Recording them as platform-restricted optional entries lets `npm ci` skip them on Linux x64 without fetching.
 * Run after any `npm install`: `npx tsx scripts/lock-optional.ts` (test/lockfile.test.ts checks it was).
 */
const LOCK = fileURLToPath(new URL('../package-lock.json', import.meta.url));

interface LockPackage { version?: string; optionalDependencies?: Record<string, string>; os?: string[]; cpu?: string[]; optional?: boolean }
interface Lockfile { packages: Record<string, LockPackage> }

/** Platform (os, cpu) of each chdb build, from its package name. */
function platformOf(name: string): { os: string[]; cpu: string[] } | null {
  const match = /lib-(darwin|linux)-(arm64|x64)/.exec(name);
  return match ? { os: [match[1]!], cpu: [match[2]!] } : null;
}

/** Names of optional platform builds that the lock lacks. */
export function missingOptionalEntries(lock: Lockfile): Array<{ name: string; version: string }> {
  const chdb = lock.packages['node_modules/chdb'];
  return Object.entries(chdb?.optionalDependencies ?? {})
    .filter(([name]) => lock.packages[`node_modules/${name}`] === undefined)
    .map(([name, version]) => ({ name, version }));
}

export async function readLock(): Promise<Lockfile> {
  return JSON.parse(await readFile(LOCK, 'utf8')) as Lockfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lock = await readLock();
  const missing = missingOptionalEntries(lock);
  for (const { name, version } of missing) {
    const platform = platformOf(name);
    if (platform === null) throw new Error(`cannot tell the platform of ${name}`);
    // Field order as npm writes it, so a later `npm install` leaves the lock byte-for-byte unchanged.
    lock.packages[`node_modules/${name}`] = { version, cpu: platform.cpu, optional: true, os: platform.os };
  }
  const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
  await writeFile(LOCK, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
  console.log(missing.length === 0 ? 'package-lock.json already lists every optional chdb build' : `recorded ${missing.map((m) => m.name).join(', ')}`);
}
