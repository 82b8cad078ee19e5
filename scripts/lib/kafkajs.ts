/**
 * kafkajs, with its idle timer loop fixed. Every Node-side Kafka client of the platform (the Connect runner, the
 * platform's own producers and consumers, the topic catalog) imports kafkajs from here.
 *
 * Why: kafkajs 2.2.4's RequestQueue re-arms a timer after every check of its pending requests, also when nothing is
 * pending and nothing is throttled; the delay is then negative, so every broker connection wakes its thread about once
 * a millisecond for as long as it is open (tulios/kafkajs#1556 and #1704, open; the fix below is that of the unmerged
 * PR #1667). With a dozen connections per runner thread that was a steady share of the platform's CPU and of its
 * latency, spent waking up for nothing. The fix arms the timer only while requests are pending: when a broker throttles
 * (until the throttle ends), or when max in-flight requests is reached (a finished request checks the queue anyway).
 */
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';

/** The RequestQueue fields the fix reads (kafkajs/src/network/requestQueue/index.js). */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own interval for re-checking a queue that is waiting on max in-flight requests. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
/** The release whose RequestQueue this fix replaces; another version is left as it is. */
export const KAFKAJS_FIXED_VERSION = '2.2.4';

const require = createRequire(import.meta.url);
const version = (require('kafkajs/package.json') as { version: string }).version;

/** Whether this process's kafkajs had its idle timer loop fixed (false: a kafkajs other than 2.2.4, left alone). */
export const kafkajsIdleLoopFixed = version === KAFKAJS_FIXED_VERSION;

if (kafkajsIdleLoopFixed) {
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals };
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
    if (this.throttleCheckTimeoutId !== null || this.pending.length === 0) return;
    const throttledFor = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL_MS);
  };
}

export default kafkajs;
export * from 'kafkajs';
