/** The two client eras the suites drive the server with: SDK v2 (2026-07-28, auto negotiation) and SDK v1 (2025-era). */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface CallOutcome { isError: boolean; structured: Record<string, unknown>; text: string }

export interface TestClient {
  era: 'modern' | 'legacy';
  listTools(): Promise<{ name: string; annotations?: Record<string, unknown>; outputSchema?: unknown; inputSchema: unknown }[]>;
  call(name: string, args: Record<string, unknown>): Promise<CallOutcome>;
  close(): Promise<void>;
  protocolVersion(): string | undefined;
  readText(uri: string): Promise<string>;
  subscribeCapability(): boolean | undefined;
}

function outcome(r: { isError?: unknown; structuredContent?: unknown; content?: unknown }): CallOutcome {
  const content = (r.content ?? []) as { type: string; text?: string }[];
  return { isError: r.isError === true, structured: (r.structuredContent ?? {}) as Record<string, unknown>, text: content.find((c) => c.type === 'text')?.text ?? '' };
}

export async function modernClient(url: string, token: string): Promise<TestClient & { raw: Client }> {
  const raw = new Client({ name: 'test-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await raw.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return {
    era: 'modern', raw,
    listTools: async () => (await raw.listTools()).tools as never,
    call: async (name, args) => outcome(await raw.callTool({ name, arguments: args }) as never),
    close: () => raw.close(),
    protocolVersion: () => (raw as unknown as { getNegotiatedProtocolVersion?: () => string }).getNegotiatedProtocolVersion?.(),
    readText: async (uri) => ((await raw.readResource({ uri })).contents[0] as { text: string }).text,
    subscribeCapability: () => raw.getServerCapabilities()?.resources?.subscribe,
  };
}

export async function legacyClient(url: string, token: string): Promise<TestClient> {
  const raw = new LegacyClient({ name: 'test-v1', version: '1.0.0' });
  const transport = new LegacyTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await raw.connect(transport);
  return {
    era: 'legacy',
    listTools: async () => (await raw.listTools()).tools as never,
    call: async (name, args) => outcome(await raw.callTool({ name, arguments: args }) as never),
    close: () => raw.close(),
    protocolVersion: () => transport.protocolVersion,
    readText: async (uri) => ((await raw.readResource({ uri })).contents[0] as { text: string }).text,
    subscribeCapability: () => raw.getServerCapabilities()?.resources?.subscribe,
  };
}
