import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian packages the test suites drive as independent peers: kcat (librdkafka) and chromium. */
const TOOLS: ReadonlyArray<{ binary: string; packages: string[] }> = [
  { binary: '/usr/bin/kcat', packages: ['kcat'] },
  { binary: '/usr/bin/chromium', packages: ['chromium'] },
];

/** Installs the missing tools with apt-get (CI and developer machines run as root). Never throws: suites that need a missing tool fail with their own clear error. */
export async function ensureTestTools(): Promise<void> {
  const missing = TOOLS.filter((t) => !existsSync(t.binary)).flatMap((t) => t.packages);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.warn(`[setup] missing ${missing.join(', ')} and not root: install them with apt-get`);
    return;
  }
  console.error(`[setup] installing ${missing.join(', ')} from Debian's packages…`);
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'ignore', env, timeout: 600_000 });
  } catch (error) {
    console.warn(`[setup] apt-get failed: ${(error as Error).message}`);
  }
}
