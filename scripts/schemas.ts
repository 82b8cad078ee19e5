import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { MESSAGE_SCHEMAS } from '../schemas/index.ts';

export const JSON_SCHEMA_DIR = fileURLToPath(new URL('../schemas/json/', import.meta.url));

/** JSON Schema (draft 2020-12) text for each message schema, generated from zod. */
export function renderJsonSchemas(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, schema] of Object.entries(MESSAGE_SCHEMAS)) {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' });
    out.set(`${name}.schema.json`, `${JSON.stringify({ $id: `https://schemas.local/${name}.schema.json`, title: name, ...json }, null, 2)}\n`);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await mkdir(JSON_SCHEMA_DIR, { recursive: true });
  for (const [file, text] of renderJsonSchemas()) {
    await writeFile(`${JSON_SCHEMA_DIR}${file}`, text);
    console.log(`wrote schemas/json/${file}`);
  }
}
