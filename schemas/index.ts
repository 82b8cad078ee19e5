import type * as z from 'zod';
import { AlertsMessage } from './alerts.ts';
import { AnalyticsRequestMessage } from './analytics-requests.ts';
import { DeadLetter } from './dead-letter.ts';
import { MarketMetadataMessage } from './market-metadata.ts';
import { OhlcvMessage } from './ohlcv.ts';

export * from './common.ts';
export * from './ohlcv.ts';
export * from './market-metadata.ts';
export * from './alerts.ts';
export * from './analytics-requests.ts';
export * from './dead-letter.ts';
export * from './verdict.ts';
export * from './alert-rule.ts';

/** Every message schema by name; `npm run schemas` writes `schemas/json/NAME.schema.json` from these. */
export const MESSAGE_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  'ohlcv': OhlcvMessage,
  'market-metadata': MarketMetadataMessage,
  'alerts': AlertsMessage,
  'analytics-requests': AnalyticsRequestMessage,
  'dead-letter': DeadLetter,
};
