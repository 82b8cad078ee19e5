/** The state every handler works on, and the request context type. */
import type { Reader, Writer } from './codec.ts';
import type { GroupCoordinator } from './groups.ts';
import type { OffsetStore } from './store.ts';
import type { SyncBatcher } from './sync.ts';
import type { Topic, TopicCatalog } from './topics-state.ts';

export const NODE_ID = 0;
export const CLUSTER_ID = 'embedded-broker';

export interface BrokerCore {
  host: string;
  port: number;
  catalog: TopicCatalog;
  offsets: OffsetStore;
  groups: GroupCoordinator;
  syncer: SyncBatcher;
  autoCreateTopics: boolean;
  log: (msg: string) => void;
  stopped: boolean;
  /** Calls `fn` when the broker stops (so long-polls end early); returns a cancel function. */
  onStop(fn: () => void): () => void;
}

export interface RequestContext {
  core: BrokerCore;
  apiKey: number;
  version: number;
  flexible: boolean;
  clientId: string;
  clientHost: string;
}

/** A handler returns the response body, or null for "no response frame" (Produce acks=0). */
export type Handler = (ctx: RequestContext, r: Reader) => Writer | null | Promise<Writer | null>;

/** The topic, auto-creating it (1 partition) when the broker allows it and `create` is set. */
export function topicFor(core: BrokerCore, name: string, create: boolean): Topic | undefined {
  const t = core.catalog.topics.get(name);
  if (t || !create || !core.autoCreateTopics) return t;
  if (core.catalog.create(name, 1, {}).error === 0) core.log(`auto-created topic ${name}`);
  return core.catalog.topics.get(name);
}
