// Run by deno.test.ts under Deno: the streamer client with Deno's global WebSocket, no injected constructor.
import { createStreamerClient } from '../../functions/lib/cryptocompare/ws/index.ts';

declare const Deno: { args: string[]; exit(code: number): never };

const url = Deno.args[0];
if (url === undefined) {
  console.error('usage: deno run --allow-net --allow-read --allow-env deno-client.ts WS_URL');
  Deno.exit(2);
}

const giveUp = setTimeout(() => {
  console.error('no closed candle within 30 s');
  Deno.exit(1);
}, 30_000);

const client = createStreamerClient({
  url,
  source: 'simulator',
  minReconnectDelayMs: 200,
  maxReconnectDelayMs: 1000,
  heartbeatTimeoutMs: 10_000,
  onEvent: (event) => {
    if (event.type === 'error') console.error(JSON.stringify(event.error));
    if (event.type !== 'candle' || event.candle.state !== 'closed') return;
    clearTimeout(giveUp);
    console.log(JSON.stringify({ runtime: 'deno', hasGlobalWebSocket: typeof WebSocket === 'function', sub: event.sub, candle: event.candle }));
    void client.stop().then(() => Deno.exit(0));
  },
});
client.subscribe(['24~CCCAGG~BTC~USD~m']);
