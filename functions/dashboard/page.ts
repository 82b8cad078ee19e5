/** The single page: no build step, a vanilla JS module and CSS served as-is; the chart library comes from /vendor. */

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Market data dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script src="/vendor/lightweight-charts.js"></script>
<script type="module" src="/app.js"></script>
</head>
<body>
<header>
  <h1>Market data</h1>
  <label>Symbol <select id="symbol"></select></label>
  <span id="timeframes" role="group" aria-label="Timeframe"></span>
  <label><input type="checkbox" class="ind" value="sma" checked> SMA</label>
  <label><input type="checkbox" class="ind" value="ema" checked> EMA</label>
  <label><input type="checkbox" class="ind" value="bb"> Bollinger</label>
  <span id="status">connecting…</span>
</header>
<main>
  <section id="chart-panel"><div id="chart"></div><div id="chart-info"></div></section>
  <aside>
    <section id="alerts-panel"><h2>Alerts</h2><ol id="alerts"></ol></section>
    <section id="health-panel"><h2>Pipeline health</h2><div id="health"><p class="pending">loading…</p></div></section>
  </aside>
</main>
</body>
</html>
`;

export const APP_CSS = `
body { margin: 0; font: 13px system-ui, sans-serif; background: #0f1419; color: #d8dee6; }
header { display: flex; gap: 12px; align-items: center; padding: 8px 12px; border-bottom: 1px solid #263040; flex-wrap: wrap; }
h1 { font-size: 16px; margin: 0 12px 0 0; } h2 { font-size: 13px; margin: 8px 0; text-transform: uppercase; color: #8a98a8; }
button.tf { background: #1b2330; color: inherit; border: 1px solid #2e3a4c; padding: 3px 8px; cursor: pointer; }
button.tf[aria-pressed="true"] { background: #2962ff; border-color: #2962ff; }
main { display: grid; grid-template-columns: 1fr 360px; height: calc(100vh - 48px); }
#chart-panel { position: relative; } #chart { position: absolute; inset: 0 0 24px 0; } #chart-info { position: absolute; bottom: 0; left: 8px; color: #8a98a8; }
aside { display: flex; flex-direction: column; min-height: 0; border-left: 1px solid #263040; padding: 0 10px; }
/* The alert feed stays in view above the health panel; each scrolls on its own. */
#alerts-panel { flex: 0 1 auto; max-height: 38%; overflow: auto; border-bottom: 1px solid #263040; } #health-panel { flex: 1 1 auto; min-height: 0; overflow: auto; }
table { width: 100%; border-collapse: collapse; margin-bottom: 6px; } td { padding: 1px 4px; border-bottom: 1px solid #1d2633; } td.v { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: #8a98a8; padding-top: 4px; }
#alerts { list-style: none; padding: 0; margin: 0; } #alerts li { padding: 4px 6px; margin-bottom: 4px; border-left: 3px solid #2962ff; background: #151c26; }
#alerts li.system { border-left-color: #ff9800; } #alerts li.system.critical { border-left-color: #f23645; } #alerts li.system.resolved { border-left-color: #089981; opacity: .8; }
#alerts li.signal { border-left-color: #ab47bc; } #alerts small { color: #8a98a8; display: block; }
#status.live { color: #089981; }
td.pending, p.pending { color: #c9a227; font-style: italic; } td.none { color: #8a98a8; }
#alerts:empty:not([data-loaded])::before { content: 'loading recent alerts…'; color: #c9a227; font-style: italic; }
#alerts[data-loaded="true"]:empty::before { content: 'No alerts in the recent history.'; color: #8a98a8; }
#alerts[data-loaded="failed"]:empty::before { content: 'Recent alerts could not be loaded; new ones appear as they fire.'; color: #f23645; }
`;

export const APP_JS = `
const LC = window.LightweightCharts;
const TF_MS = { '1m': 60000, '5m': 300000, '1h': 3600000, '1d': 86400000 };
const state = { symbol: '', timeframe: '1m', bars: [], candles: new Map(), markers: [], config: null };
const $ = (id) => document.getElementById(id);

const chart = LC.createChart($('chart'), { autoSize: true, layout: { background: { color: '#0f1419' }, textColor: '#d8dee6' },
  grid: { vertLines: { color: '#1d2633' }, horzLines: { color: '#1d2633' } }, timeScale: { timeVisible: true, secondsVisible: false } });
const candleSeries = chart.addSeries(LC.CandlestickSeries, { upColor: '#089981', downColor: '#f23645', wickUpColor: '#089981', wickDownColor: '#f23645', borderVisible: false });
const volumeSeries = chart.addSeries(LC.HistogramSeries, { priceScaleId: 'vol', priceFormat: { type: 'volume' } });
chart.priceScale('vol').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
const markers = LC.createSeriesMarkers(candleSeries, []);
const overlays = new Map();

function sec(ms) { return Math.floor(ms / 1000); }

function indicatorValue(c, kind) {
  const ind = c.indicators || {};
  for (const id of Object.keys(ind)) {
    if (id.toLowerCase().indexOf(kind) !== 0) continue;
    const v = ind[id].values || {};
    if (kind === 'bb') return { upper: v.upper, middle: v.middle, lower: v.lower };
    const first = Object.keys(v)[0];
    return { value: first === undefined ? null : v[first] };
  }
  return null;
}

/** Indicator overlays come from the candles' indicators field; without it SMA/EMA(20) are computed here for display. */
function computeOverlay(kind, bars) {
  const out = { line: [], upper: [], lower: [] };
  let ema = null; const k = 2 / 21;
  bars.forEach((b, i) => {
    const c = state.candles.get(b.time);
    const given = c ? indicatorValue(c, kind) : null;
    const win = bars.slice(Math.max(0, i - 19), i + 1).map((x) => x.close);
    const mean = win.reduce((a, x) => a + x, 0) / win.length;
    if (kind === 'sma') out.line.push({ time: b.time, value: given && given.value != null ? given.value : mean });
    if (kind === 'ema') { ema = ema === null ? b.close : b.close * k + ema * (1 - k); out.line.push({ time: b.time, value: given && given.value != null ? given.value : ema }); }
    if (kind === 'bb') {
      const sd = Math.sqrt(win.reduce((a, x) => a + (x - mean) * (x - mean), 0) / win.length);
      out.line.push({ time: b.time, value: given && given.middle != null ? given.middle : mean });
      out.upper.push({ time: b.time, value: given && given.upper != null ? given.upper : mean + 2 * sd });
      out.lower.push({ time: b.time, value: given && given.lower != null ? given.lower : mean - 2 * sd });
    }
  });
  return out;
}

function renderOverlays() {
  const colors = { sma: '#f7c948', ema: '#4fc3f7', bb: '#9575cd' };
  document.querySelectorAll('input.ind').forEach((box) => {
    const kind = box.value;
    let s = overlays.get(kind);
    if (!box.checked) { if (s) { s.forEach((x) => chart.removeSeries(x)); overlays.delete(kind); } return; }
    if (!s) {
      s = [chart.addSeries(LC.LineSeries, { color: colors[kind], lineWidth: 1, priceLineVisible: false, lastValueVisible: false })];
      if (kind === 'bb') s.push(chart.addSeries(LC.LineSeries, { color: colors[kind], lineWidth: 1, lineStyle: 2, priceLineVisible: false, lastValueVisible: false }),
        chart.addSeries(LC.LineSeries, { color: colors[kind], lineWidth: 1, lineStyle: 2, priceLineVisible: false, lastValueVisible: false }));
      overlays.set(kind, s);
    }
    const o = computeOverlay(kind, state.bars);
    s[0].setData(o.line); if (s[1]) s[1].setData(o.upper); if (s[2]) s[2].setData(o.lower);
  });
}

function barOf(c) { return { time: sec(c.timestamp), open: c.open, high: c.high, low: c.low, close: c.close }; }
function volOf(c) { return { time: sec(c.timestamp), value: c.volume, color: c.close >= c.open ? '#08998166' : '#f2364566' }; }

function renderInfo() {
  const last = state.bars[state.bars.length - 1];
  $('chart').dataset.bars = String(state.bars.length);
  $('chart').dataset.lastTime = last ? String(last.time) : '';
  $('chart').dataset.timeframe = state.timeframe;
  $('chart-info').textContent = state.symbol + ' ' + state.timeframe + ' · ' + state.bars.length + ' bars' + (last ? ' · last ' + new Date(last.time * 1000).toISOString() + ' close ' + last.close : '');
}

async function loadHistory() {
  const to = Date.now();
  const from = to - TF_MS[state.timeframe] * 300;
  const res = await fetch('/api/candles?symbol=' + encodeURIComponent(state.symbol) + '&timeframe=' + state.timeframe + '&from=' + from + '&to=' + to);
  const body = await res.json();
  state.candles = new Map();
  for (const c of body.candles || []) state.candles.set(sec(c.timestamp), c);
  state.bars = (body.candles || []).map(barOf);
  candleSeries.setData(state.bars);
  volumeSeries.setData((body.candles || []).map(volOf));
  renderMarkers(); renderOverlays(); renderInfo();
  chart.timeScale().scrollToRealTime();
}

/** A live candle of the shown timeframe replaces or appends its bar; a 1m candle also moves a coarser forming bar. */
function applyCandle(c) {
  if (c.symbol !== state.symbol) return;
  const tfMs = TF_MS[state.timeframe];
  let bar;
  if (c.timeframe === state.timeframe) bar = barOf(c);
  else if (c.timeframe === '1m' && tfMs > 60000) {
    const t = sec(Math.floor(c.timestamp / tfMs) * tfMs);
    const last = state.bars[state.bars.length - 1];
    bar = last && last.time === t ? { time: t, open: last.open, high: Math.max(last.high, c.high), low: Math.min(last.low, c.low), close: c.close } : { time: t, open: c.open, high: c.high, low: c.low, close: c.close };
  } else return;
  const last = state.bars[state.bars.length - 1];
  if (last && bar.time < last.time) return;
  if (last && bar.time === last.time) state.bars[state.bars.length - 1] = bar; else state.bars.push(bar);
  if (c.timeframe === state.timeframe) { state.candles.set(bar.time, c); volumeSeries.update(volOf(c)); }
  candleSeries.update(bar);
  renderOverlays(); renderInfo();
}

function renderMarkers() {
  const tfMs = TF_MS[state.timeframe];
  const shown = state.markers.filter((e) => e.symbol === state.symbol).map((e) => ({
    time: sec(Math.floor(e.at / tfMs) * tfMs), position: e.kind === 'signal' && e.direction === 'bearish' ? 'aboveBar' : 'belowBar',
    color: e.kind === 'signal' ? '#ab47bc' : '#2962ff', shape: e.kind === 'signal' ? (e.direction === 'bearish' ? 'arrowDown' : 'arrowUp') : 'circle',
    text: e.kind === 'signal' ? e.signal : e.title }));
  shown.sort((a, b) => a.time - b.time);
  markers.setMarkers(shown);
}

/** Newest first by emission time, once per id: replayed history and live events may arrive in either order. */
function addAlert(e, batch) {
  if (document.querySelector('#alerts li[data-id="' + CSS.escape(e.id) + '"]')) return;
  const emitted = e.emittedAt || e.at;
  const li = document.createElement('li');
  li.className = e.kind + (e.kind === 'system' ? ' ' + e.status + ' ' + e.severity : '');
  li.dataset.id = e.id;
  li.dataset.emitted = String(emitted);
  li.innerHTML = '<b></b><small></small>';
  li.querySelector('b').textContent = (e.kind === 'system' ? '[' + e.check + ' ' + e.status + '] ' : '') + e.title;
  li.querySelector('small').textContent = new Date(emitted).toISOString().slice(11, 19) + ' · ' + (e.subject || e.symbol || '') + ' · ' + e.message;
  let before = null;
  for (const other of $('alerts').children) if (Number(other.dataset.emitted) <= emitted) { before = other; break; }
  $('alerts').insertBefore(li, before);
  while ($('alerts').children.length > 200) $('alerts').lastChild.remove();
  if (e.kind !== 'system' && e.symbol) {
    state.markers.push(e);
    if (state.markers.length > 500) state.markers.splice(0, state.markers.length - 500);
    if (!batch) renderMarkers();
  }
}

/** The recent alerts the server kept (oldest first): a page opened now shows what fired before it. */
async function loadRecentAlerts() {
  try {
    const body = await (await fetch('/api/alerts')).json();
    for (const ev of body.events || []) addAlert(ev.data, true);
    renderMarkers();
    $('alerts').dataset.loaded = 'true';
  } catch {
    $('alerts').dataset.loaded = 'failed';
  }
}

function fmt(v) { return typeof v !== 'number' ? String(v) : Math.abs(v) >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : Math.abs(v) >= 1000 ? Math.round(v).toString() : v.toFixed(v % 1 === 0 ? 0 : 3); }

const HEALTH_TITLES = { candleRate: 'Candles/min per stage', ingestRate: 'Source messages/s', latencyP99Seconds: 'Latency p99 per stage (s)',
  consumerLag: 'Consumer lag per stage/topic (messages)', storeWrites: 'Store writes (records/min)', deadLetters: 'Dead letters (stage/reason)',
  errors: 'Errors (component/code)', gaps: 'Data gaps (series)', firing: 'Firing checks', freshnessSeconds: 'Freshness behind (s)', storageBytes: 'Storage (bytes)',
  quotaRemaining: 'CryptoCompare quota left' };
const RATE_SECTIONS = ['candleRate', 'ingestRate', 'latencyP99Seconds', 'storeWrites'];

/** Each section is in one state (data-state): ok (numbers), none (nothing to report: 0) or waiting (why no value yet). */
function renderHealth(h) {
  const root = $('health'); root.textContent = '';
  root.dataset.at = String(h.at);
  const waiting = h.waiting || {};
  for (const key of Object.keys(HEALTH_TITLES)) {
    const t = document.createElement('table'); t.dataset.section = key;
    const cap = document.createElement('caption');
    cap.textContent = HEALTH_TITLES[key] + (RATE_SECTIONS.includes(key) && h.windowSeconds > 0 ? ' · last ' + Math.round(h.windowSeconds) + ' s' : '');
    t.append(cap);
    const rows = Object.entries(h[key] || {});
    if (waiting[key]) {
      t.dataset.state = 'waiting';
      const td = t.insertRow().insertCell(); td.colSpan = 2; td.className = 'pending'; td.textContent = waiting[key];
    } else if (rows.length === 0) {
      t.dataset.state = 'none';
      const tr = t.insertRow(); const k = tr.insertCell(); k.className = 'none'; k.textContent = 'none';
      const v = tr.insertCell(); v.className = 'v'; v.textContent = '0';
    } else {
      t.dataset.state = 'ok';
      for (const [k, v] of rows) { const tr = t.insertRow(); tr.insertCell().textContent = k; const td = tr.insertCell(); td.className = 'v'; td.textContent = fmt(v); }
    }
    root.append(t);
  }
}

function setTimeframe(tf) {
  state.timeframe = tf;
  document.querySelectorAll('button.tf').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.tf === tf)));
  void loadHistory();
}

async function main() {
  state.config = await (await fetch('/api/config')).json();
  state.symbol = state.config.symbols[0];
  for (const s of state.config.symbols) { const o = document.createElement('option'); o.value = s; o.textContent = s; $('symbol').append(o); }
  $('symbol').addEventListener('change', () => { state.symbol = $('symbol').value; void loadHistory(); });
  for (const tf of state.config.timeframes) {
    const b = document.createElement('button'); b.className = 'tf'; b.dataset.tf = tf; b.textContent = tf;
    b.addEventListener('click', () => setTimeframe(tf)); $('timeframes').append(b);
  }
  document.querySelectorAll('input.ind').forEach((box) => box.addEventListener('change', renderOverlays));
  setTimeframe('1m');
  fetch('/api/health').then((r) => r.json()).then(renderHealth, () => {});
  const es = new EventSource('/events');
  // Recent alerts once the stream is subscribed (and again after a reconnect), so none emitted in between is missed.
  es.onopen = () => { $('status').textContent = 'live'; $('status').className = 'live'; void loadRecentAlerts(); };
  es.onerror = () => { $('status').textContent = 'reconnecting…'; $('status').className = ''; };
  es.addEventListener('candle', (m) => applyCandle(JSON.parse(m.data)));
  for (const t of ['alert', 'signal', 'system']) es.addEventListener(t, (m) => addAlert(JSON.parse(m.data)));
  es.addEventListener('health', (m) => renderHealth(JSON.parse(m.data)));
}

void main();
`;
