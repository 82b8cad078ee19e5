/** The batch functions that have an app factory, a worker entry and a README under functions/NAME/. */
export const BATCH_FUNCTIONS = ['validate', 'enrich', 'indicators', 'alerts', 'signals'] as const;
export type BatchFunctionName = (typeof BATCH_FUNCTIONS)[number];

export function isBatchFunctionName(name: string): name is BatchFunctionName {
  return (BATCH_FUNCTIONS as readonly string[]).includes(name);
}
