export { createStreamerClient, type StreamerClient, type StreamerClientOptions, type WebSocketConstructor, type WebSocketLike } from './client.ts';
export { StreamerError, type ConnectionState, type StreamerErrorCode, type StreamerEvent, type StreamerEventType, type StreamTicker, type StreamTrade, type SubscriptionState } from './events.ts';
export { candleSubscription, marketName, parseSubscription, UNIT_TIMEFRAME, type CandleUnit, type Subscription } from './protocol.ts';
export { reconnectDelayMs } from './backoff.ts';
