import type * as z from 'zod';
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

export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(def: ToolDef<I, O>): ToolDef<I, O> {
  return def;
}

export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, idempotentHint: true, destructiveHint: false, openWorldHint: false };
