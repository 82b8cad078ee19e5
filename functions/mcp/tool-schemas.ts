/**
 * Tool schemas as the SDK consumes them, prepared once per process instead of once per request: the server is built
 * per HTTP request (stateless), and without this every tools/call converted the tool's output schema to JSON Schema
 * again (the SDK memoises per registered tool, i.e. per request) and re-validated the whole result with zod.
 *
 * - JSON Schema conversions are memoised per (schema, io, target).
 * - Inputs are validated with zod as before (they are small, and strict: unknown keys are refused).
 * - Outputs are validated with zod by the tool handler in app.ts (so a result outside its schema is answered and
 *   audited as an error), not a second time by the SDK.
 */
import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type * as z from 'zod';

type Converter = (options: { target: string }) => Record<string, unknown>;

function memoised(convert: Converter): Converter {
  const byTarget = new Map<string, Record<string, unknown>>();
  return (options) => {
    let json = byTarget.get(options.target);
    if (json === undefined) {
      json = convert(options);
      byTarget.set(options.target, json);
    }
    return json;
  };
}

function prepare(schema: z.ZodType, validate: boolean): StandardSchemaWithJSON {
  const std = schema['~standard'] as unknown as StandardSchemaWithJSON['~standard'];
  return {
    '~standard': {
      version: 1,
      vendor: std.vendor,
      validate: validate ? std.validate : (value: unknown) => ({ value }),
      jsonSchema: { input: memoised(std.jsonSchema.input as Converter), output: memoised(std.jsonSchema.output as Converter) },
    },
  } as StandardSchemaWithJSON;
}

/** Validated input schema with memoised JSON Schema. */
export function preparedInput(schema: z.ZodType): StandardSchemaWithJSON {
  return prepare(schema, true);
}

/** Output schema for the SDK: advertised (memoised JSON Schema), not validated again (app.ts already did). */
export function preparedOutput(schema: z.ZodType): StandardSchemaWithJSON {
  return prepare(schema, false);
}
