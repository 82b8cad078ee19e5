/**
 * MCP API keys: `npm run keys -- create --name N --scopes read,alerts | list | revoke ID`.
 * Keys live hashed (SHA-256) in the api_keys table of TIMESCALE_URL (run `npm run migrate` first); the secret is
 * printed once, by `create`, and never again.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { AppError, isAppError, redact } from '../functions/lib/errors.ts';
import { createPlatformKeyStore } from '../functions/mcp/adapters/platform-stores.ts';
import { SCOPES } from '../functions/mcp/ports.ts';
import type { KeyStorePort, Scope } from '../functions/mcp/ports.ts';
import { forgetApiKey } from '../functions/mcp/security/key-cache.ts';
import { generateApiKey } from '../functions/mcp/security/keys.ts';

const USAGE = 'usage: npm run keys -- create --name NAME --scopes read,alerts,backfill,admin | list | revoke KEY_ID';

function parseScopes(text: string | undefined): Scope[] {
  const scopes = (text ?? 'read').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0) throw new AppError('INVALID_SCOPES', `unknown scopes ${unknown.join(', ')}: choose from ${SCOPES.join(', ')}`, { status: 400 });
  return scopes as Scope[];
}

/** Runs one keys command and returns what to print (exported for the tests). */
export async function runKeysCommand(store: KeyStorePort, argv: string[], now = Date.now()): Promise<string> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' }, scopes: { type: 'string' }, json: { type: 'boolean' } } });
  const [command, id] = positionals;
  switch (command) {
    case 'create': {
      const name = values.name?.trim() ?? '';
      if (!/^[\w .@-]{1,100}$/.test(name)) throw new AppError('INVALID_NAME', 'give --name (1-100 letters, digits, space, . @ _ -)', { status: 400 });
      const { token, record } = await generateApiKey(name, parseScopes(values.scopes), now);
      await store.insert(record);
      return values.json === true
        ? JSON.stringify({ id: record.id, name, scopes: record.scopes, key: token })
        : `created key ${record.id} "${name}" [${record.scopes.join(',')}]\n${token}\nStore it now: it is not shown again.`;
    }
    case 'list': {
      const keys = await store.list();
      if (values.json === true) return JSON.stringify(keys.map(({ hash: _hash, ...k }) => k));
      return keys.length === 0 ? 'no keys' : keys.map((k) => `${k.id}  ${k.revokedAt === null ? 'active ' : 'revoked'}  [${k.scopes.join(',')}]  ${k.name}  created ${new Date(k.createdAt).toISOString()}`).join('\n');
    }
    case 'revoke': {
      if (id === undefined || !/^[a-f0-9]{12}$/.test(id)) throw new AppError('INVALID_KEY_ID', 'give the 12-hex key id shown by `list`', { status: 400 });
      if (!(await store.revoke(id, now))) throw new AppError('KEY_NOT_FOUND', `no active key ${id}: see \`npm run keys -- list\``, { status: 404 });
      // MCP servers in this process drop the key at once; other processes stop accepting it within their key cache TTL.
      forgetApiKey(id);
      return `revoked ${id}`;
    }
    default:
      throw new AppError('USAGE', USAGE, { status: 400 });
  }
}

async function main(): Promise<void> {
  const url = process.env.TIMESCALE_URL;
  if (url === undefined || url === '') throw new AppError('NO_STORE', 'set TIMESCALE_URL (start the embedded store with `npm run timescale`, then `npm run migrate`)', { status: 400 });
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    console.log(await runKeysCommand(createPlatformKeyStore(pool), process.argv.slice(2)));
  } finally {
    await pool.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    const message = isAppError(error) ? error.message : error instanceof Error ? error.message : String(error);
    const hint = /relation "api_keys" does not exist/.test(message) ? ' (run `npm run migrate` first)' : '';
    console.error(`keys: ${redact(message)}${hint}`);
    process.exitCode = 1;
  });
}
