import { parseArgs } from 'node:util';
import { acceleratedClock, realClock } from './clock.ts';
import type { Faults } from './context.ts';
import { startSimulator } from './server.ts';

/** `npm run simulator -- --port P [--seed N] [--symbols BTC-USD,ETH-USD] [--speed 60] [--replay DIR] [--fault-… …]` */

const USAGE = `usage: npm run simulator -- [--port 0] [--host 127.0.0.1] [--seed 1] [--symbols BTC-USD,ETH-USD] [--exchanges cccagg,coinbase]
  [--speed 60] [--replay DIR] [--api-keys K1,K2] [--quiet]
  [--fault-rate-limit none|http429|type99] [--fault-gaps P] [--fault-duplicates P] [--fault-revisions P]
  [--fault-out-of-order P] [--fault-malformed-frames P] [--fault-drop-socket-every-ms MS] [--fault-stall]
(P is a probability 0..1)`;

function fail(message: string): never {
  console.error(`simulator: ${message}\n${USAGE}`);
  process.exit(2);
}

function numberFlag(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number between ${min} and ${max}, got "${raw}"`);
  return n;
}

function listFlag(raw: string | undefined): string[] | undefined {
  return raw === undefined ? undefined : raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' }, host: { type: 'string' }, seed: { type: 'string' }, symbols: { type: 'string' }, exchanges: { type: 'string' },
      speed: { type: 'string' }, replay: { type: 'string' }, 'api-keys': { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' },
      'fault-rate-limit': { type: 'string' }, 'fault-gaps': { type: 'string' }, 'fault-duplicates': { type: 'string' }, 'fault-revisions': { type: 'string' },
      'fault-out-of-order': { type: 'string' }, 'fault-malformed-frames': { type: 'string' }, 'fault-drop-socket-every-ms': { type: 'string' }, 'fault-stall': { type: 'boolean' },
    },
    strict: true,
  });
}
try {
  parsed = parse();
} catch (error) {
  fail((error as Error).message);
}
const v = parsed.values;
if (v.help) {
  console.log(USAGE);
  process.exit(0);
}

const rateLimit = v['fault-rate-limit'];
if (rateLimit !== undefined && !['none', 'http429', 'type99'].includes(rateLimit)) fail(`--fault-rate-limit must be none, http429 or type99, got "${rateLimit}"`);
const faults: Partial<Faults> = {};
if (rateLimit !== undefined) faults.rateLimit = rateLimit as Faults['rateLimit'];
const probabilities = { gaps: 'fault-gaps', duplicates: 'fault-duplicates', revisions: 'fault-revisions', outOfOrder: 'fault-out-of-order', malformedFrames: 'fault-malformed-frames' } as const;
for (const [field, flag] of Object.entries(probabilities) as Array<[keyof typeof probabilities, (typeof probabilities)[keyof typeof probabilities]]>) {
  const p = numberFlag(v[flag], flag, 0, 1);
  if (p !== undefined) faults[field] = p;
}
const dropEvery = numberFlag(v['fault-drop-socket-every-ms'], 'fault-drop-socket-every-ms', 0, Number.MAX_SAFE_INTEGER);
if (dropEvery !== undefined) faults.dropSocketEveryMs = dropEvery;
if (v['fault-stall']) faults.stall = true;

const speed = numberFlag(v.speed, 'speed', 0.001, 1_000_000);
const port = numberFlag(v.port, 'port', 0, 65535);
const seed = numberFlag(v.seed, 'seed', 0, 2 ** 32 - 1);
const symbols = listFlag(v.symbols)?.map((s) => s.toUpperCase());
if (symbols?.some((s) => !/^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$/.test(s))) fail(`--symbols must be BASE-QUOTE pairs such as BTC-USD,ETH-USD, got "${v.symbols}"`);

const sim = await startSimulator({
  ...(port !== undefined ? { port } : {}),
  ...(v.host !== undefined ? { host: v.host } : {}),
  ...(seed !== undefined ? { seed } : {}),
  ...(symbols ? { symbols } : {}),
  ...(v.exchanges ? { exchanges: listFlag(v.exchanges) ?? [] } : {}),
  ...(v.replay ? { replayDir: v.replay } : {}),
  ...(v['api-keys'] ? { apiKeys: listFlag(v['api-keys']) ?? [] } : {}),
  clock: speed !== undefined && speed !== 1 ? acceleratedClock(speed) : realClock(),
  faults,
  log: v.quiet ? () => {} : (line) => console.error(`[simulator] ${line}`),
});
console.log(`REST ${sim.restUrl}`);
console.log(`WS   ${sim.wsUrl}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    sim.stop().then(() => process.exit(0), () => process.exit(1));
  });
}
