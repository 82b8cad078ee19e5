import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_FUNCTIONS, SUPPORTED_METHODS } from '../../scripts/connect/bloblang.ts';
import { COMPONENTS, PIPELINE, TOP_LEVEL, type FieldSpec } from '../../scripts/connect/spec.ts';

/** The official component dump of Redpanda Connect 4.103.1 (see /work/shared/connect-spec/README.md). */
interface RealField {
  name: string;
  type: string;
  kind: string;
  default?: unknown;
  is_optional?: boolean;
  interpolated?: boolean;
  bloblang?: boolean;
  options?: string[];
  annotated_options?: Array<[string, string]>;
  children?: RealField[];
}
interface RealSpec {
  version: string;
  config: RealField[];
  inputs: Array<{ name: string; status: string; config: RealField }>;
  processors: Array<{ name: string; status: string; config: RealField }>;
  outputs: Array<{ name: string; status: string; config: RealField }>;
  'bloblang-functions': Array<{ name: string }>;
  'bloblang-methods': Array<{ name: string }>;
}
/** The team's reference copy sits beside the checkout (`../shared`, never copied in); CONNECT_SPEC_JSON points elsewhere. */
const SPEC_PATH = process.env.CONNECT_SPEC_JSON ?? fileURLToPath(new URL('../../../shared/connect-spec/connect-4.103.1.json', import.meta.url));
if (!existsSync(SPEC_PATH)) {
  throw new Error(`the Redpanda Connect 4.103.1 component dump is not at ${SPEC_PATH}: put the team's shared/ folder beside this checkout, or set CONNECT_SPEC_JSON to the file (docs-data/connect-4.103.1.json of redpanda-data/rp-connect-docs)`);
}
const real = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as RealSpec;

/** Compares our field with Connect's, recursively: name, type, kind, default, optionality, interpolation, options. */
function diff(ours: FieldSpec, theirs: RealField, path: string): string[] {
  const out: string[] = [];
  if (ours.type !== theirs.type) out.push(`${path}: type ${ours.type} != ${theirs.type}`);
  if (ours.kind !== theirs.kind) out.push(`${path}: kind ${ours.kind} != ${theirs.kind}`);
  if (JSON.stringify(ours.default) !== JSON.stringify(theirs.default)) out.push(`${path}: default ${JSON.stringify(ours.default)} != ${JSON.stringify(theirs.default)}`);
  if (Boolean(ours.optional) !== Boolean(theirs.is_optional)) out.push(`${path}: optional differs`);
  if (Boolean(ours.interpolated) !== Boolean(theirs.interpolated)) out.push(`${path}: interpolated differs`);
  if (Boolean(ours.bloblang) !== Boolean(theirs.bloblang)) out.push(`${path}: bloblang differs`);
  const options = theirs.options ?? theirs.annotated_options?.map((o) => o[0]);
  if (JSON.stringify(ours.options) !== JSON.stringify(options)) out.push(`${path}: options differ`);
  for (const [name, child] of Object.entries(ours.children ?? {})) {
    const match = theirs.children?.find((c) => c.name === name);
    if (match === undefined) out.push(`${path}.${name}: not a field of Connect 4.103.1`);
    else out.push(...diff(child, match, `${path}.${name}`));
  }
  return out;
}

describe('runner schema vs Redpanda Connect 4.103.1', () => {
  it('reads the 4.103.1 dump', () => {
    expect(real.version).toBe('4.103.1');
  });

  for (const [kind, list] of [['input', real.inputs], ['processor', real.processors], ['output', real.outputs]] as const) {
    for (const [name, spec] of Object.entries(COMPONENTS[kind])) {
      it(`${kind} ${name}: every supported field has Connect's name, type, kind and default`, () => {
        const theirs = list.find((c) => c.name === name);
        expect(theirs, `${kind} ${name} exists in Connect`).toBeDefined();
        expect(spec.status).toBe(theirs?.status);
        expect(diff(spec.config, theirs?.config as RealField, `${kind}.${name}`)).toEqual([]);
      });
    }
  }

  it('top-level fields and pipeline match Connect', () => {
    for (const [name, spec] of Object.entries(TOP_LEVEL)) {
      expect(diff(spec, real.config.find((c) => c.name === name) as RealField, name)).toEqual([]);
    }
    expect(diff(PIPELINE, real.config.find((c) => c.name === 'pipeline') as RealField, 'pipeline')).toEqual([]);
  });

  it('every supported Bloblang function and method exists in Connect', () => {
    const fns = real['bloblang-functions'].map((f) => f.name);
    const methods = real['bloblang-methods'].map((f) => f.name);
    expect(SUPPORTED_FUNCTIONS.filter((f) => !fns.includes(f))).toEqual([]);
    expect(SUPPORTED_METHODS.filter((m) => !methods.includes(m))).toEqual([]);
  });

  it('no required Connect field is missing from a supported component', () => {
    const missing: string[] = [];
    const walk = (ours: FieldSpec, theirs: RealField, path: string): void => {
      for (const c of theirs.children ?? []) {
        const required = c.default === undefined && !c.is_optional && c.kind === 'scalar' && c.children === undefined;
        const mine = ours.children?.[c.name];
        if (required && mine === undefined) missing.push(`${path}.${c.name}`);
        if (mine !== undefined && c.children !== undefined) walk(mine, c, `${path}.${c.name}`);
      }
    };
    for (const [kind, list] of [['input', real.inputs], ['processor', real.processors], ['output', real.outputs]] as const) {
      for (const [name, spec] of Object.entries(COMPONENTS[kind])) walk(spec.config, (list.find((c) => c.name === name) as { config: RealField }).config, `${kind}.${name}`);
    }
    expect(missing).toEqual([]);
  });
});
