export * from './evaluate.ts';
export * from './freshness.ts';
export * from './from-metrics.ts';
