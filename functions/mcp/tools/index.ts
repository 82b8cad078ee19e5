import type { Scope } from '../ports.ts';
import { createAlertRule, deleteAlertRule, getEvents, listAlertRules, updateAlertRule } from './alerts.ts';
import { runAnalytics } from './analytics.ts';
import { getBackfillStatus, requestBackfill } from './backfill.ts';
import { getIndicators, runBacktest } from './compute.ts';
import type { ToolDef } from './define.ts';
import { getCandles, getDataQuality, getLatestPrices, listMarkets } from './market.ts';

/** Every tool, in the (deterministic) order tools/list returns them. */
export const TOOLS: readonly ToolDef[] = [
  getCandles, getLatestPrices, getIndicators, listMarkets, getDataQuality,
  requestBackfill, getBackfillStatus,
  createAlertRule, listAlertRules, updateAlertRule, deleteAlertRule, getEvents,
  runAnalytics, runBacktest,
] as unknown as readonly ToolDef[];

export const TOOL_SCOPES: Readonly<Record<string, Scope>> = Object.fromEntries(TOOLS.map((t) => [t.name, t.scope]));
