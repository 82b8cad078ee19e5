/**
 * The version table: what we advertise in ApiVersions and implement. Ranges cover kafkajs 2.2.4 (its maxima, §1.2 of
 * the research note), librdkafka 2.x (which picks the highest common version, e.g. flexible OffsetFetch 7) and the
 * flexible versions of newer clients such as @platformatic/kafka (batched FindCoordinator 4 and OffsetFetch 8,
 * CreateTopics 7, DeleteTopics 6). Fetch stops at 12 and Metadata at 9 because later versions identify topics by id.
 * ApiVersions and FindCoordinator advertise min 0 because librdkafka gates features on it; Produce starts at 3 and
 * Fetch at 4 because only RecordBatch v2 is stored.
 */
import { Writer, type Reader } from './codec.ts';
import type { Handler, RequestContext } from './core.ts';
import { alterConfigs, createPartitions, createTopics, deleteTopics, describeConfigs } from './api-admin.ts';
import { fetch, listOffsets, metadata, produce } from './api-data.ts';
import { describeGroups, findCoordinator, heartbeat, joinGroup, leaveGroup, listGroups, offsetCommit, offsetFetch, syncGroup } from './api-groups.ts';

export interface ApiSpec { name: string; min: number; max: number; flexibleFrom: number; handler: Handler }

export const ERR_UNSUPPORTED_VERSION = 35;
export const API_VERSIONS_KEY = 18;

export const APIS: ReadonlyMap<number, ApiSpec> = new Map<number, ApiSpec>([
  [0, { name: 'Produce', min: 3, max: 9, flexibleFrom: 9, handler: produce }],
  [1, { name: 'Fetch', min: 4, max: 12, flexibleFrom: 12, handler: fetch }],
  [2, { name: 'ListOffsets', min: 0, max: 7, flexibleFrom: 6, handler: listOffsets }],
  [3, { name: 'Metadata', min: 0, max: 9, flexibleFrom: 9, handler: metadata }],
  [8, { name: 'OffsetCommit', min: 0, max: 8, flexibleFrom: 8, handler: offsetCommit }],
  [9, { name: 'OffsetFetch', min: 0, max: 8, flexibleFrom: 6, handler: offsetFetch }],
  [10, { name: 'FindCoordinator', min: 0, max: 4, flexibleFrom: 3, handler: findCoordinator }],
  [11, { name: 'JoinGroup', min: 0, max: 7, flexibleFrom: 6, handler: joinGroup }],
  [12, { name: 'Heartbeat', min: 0, max: 4, flexibleFrom: 4, handler: heartbeat }],
  [13, { name: 'LeaveGroup', min: 0, max: 4, flexibleFrom: 4, handler: leaveGroup }],
  [14, { name: 'SyncGroup', min: 0, max: 5, flexibleFrom: 4, handler: syncGroup }],
  [15, { name: 'DescribeGroups', min: 0, max: 5, flexibleFrom: 5, handler: describeGroups }],
  [16, { name: 'ListGroups', min: 0, max: 4, flexibleFrom: 3, handler: listGroups }],
  [18, { name: 'ApiVersions', min: 0, max: 3, flexibleFrom: 3, handler: apiVersions }],
  [19, { name: 'CreateTopics', min: 0, max: 7, flexibleFrom: 5, handler: createTopics }],
  [20, { name: 'DeleteTopics', min: 0, max: 6, flexibleFrom: 4, handler: deleteTopics }],
  [32, { name: 'DescribeConfigs', min: 0, max: 4, flexibleFrom: 4, handler: describeConfigs }],
  [33, { name: 'AlterConfigs', min: 0, max: 2, flexibleFrom: 2, handler: alterConfigs }],
  [37, { name: 'CreatePartitions', min: 0, max: 2, flexibleFrom: 2, handler: createPartitions }],
  [44, { name: 'IncrementalAlterConfigs', min: 0, max: 1, flexibleFrom: 1, handler: alterConfigs }],
]);

function apiVersions(ctx: RequestContext, r: Reader): Writer {
  if (ctx.version >= 3) {
    r.str(); // client_software_name
    r.str(); // client_software_version
  }
  return encodeApiVersions(ctx.version, 0);
}

/** Also used for the UNSUPPORTED_VERSION answer, which Kafka always encodes as v0. */
export function encodeApiVersions(version: number, error: number): Writer {
  const w = new Writer(version >= 3);
  w.i16(error).arr([...APIS], (w1, [key, spec]) => w1.i16(key).i16(spec.min).i16(spec.max).tags());
  if (version >= 1) w.i32(0);
  return w.tags();
}
