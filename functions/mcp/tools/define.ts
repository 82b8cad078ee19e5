import * as z from 'zod';
import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { Scope } from '../ports.ts';
import type { McpDeps } from '../deps.ts';

/** What a tool handler sees about the call besides its arguments. */
export interface ToolCall {
  /** API key id of the caller (the owner of rules it creates). */
  keyId: string;
  signal: AbortSignal;
  deps: McpDeps;
}

/** One MCP tool: schemas, the scope a key needs to call it, and its handler. */
export interface ToolDef<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  scope: Scope;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run(args: z.infer<I>, call: ToolCall): Promise<z.infer<O>>;
}

/**
 * The tool with a strict argument object: an unknown key is refused with a message naming it, instead of being dropped
 * silently (a misspelt optional argument would otherwise change the answer without the agent noticing).
 */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(def: ToolDef<I, O>): ToolDef<I, O> {
  const input = z.strictObject(def.input.shape, {
    error: (issue) => (issue.code === 'unrecognized_keys'
      ? `unknown argument ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} for ${def.name}: remove it (the tool's inputSchema lists every argument)`
      : undefined),
  });
  return { ...def, input: input as unknown as I };
}

export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, idempotentHint: true, destructiveHint: false, openWorldHint: false };
