/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from `minMs`, jittered upwards by up to 50% so many
 * clients do not reconnect in step, never below `minMs` (CryptoCompare: "always wait at least 5 seconds") nor above `maxMs`.
 */
export function reconnectDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const exponential = minMs * 2 ** Math.min(attempt, 30);
  const jittered = exponential * (1 + 0.5 * random());
  return Math.max(minMs, Math.min(maxMs, Math.round(jittered)));
}
