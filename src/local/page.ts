// The live page of a local run (served by the control server): tier sizes and members, the run's history drawn
// with uPlot (served from node_modules at /assets, so it works offline) — sizes and backlog, then the scaling
// metrics against their alarm thresholds — the scaling changes, and the app's gallery in a frame that reloads
// when a new fractal is rendered. It loads the whole history (/api/history) once, then follows (?since=).
export function livePage(appUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>faafo-stack local</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/uplot.css">
<style>
 body{font-family:sans-serif;margin:1.2em;color:#222;max-width:1000px} h1{font-size:1.3em} h2{font-size:1.05em;margin:1.2em 0 .4em}
 .tiers{display:flex;gap:1.5em;flex-wrap:wrap}
 .tier{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;min-width:16em;max-width:28em} .size{font-size:2.4em;font-weight:bold}
 .last{color:#555;font-size:.85em}
 table{border-collapse:collapse;font-size:.85em} td,th{border-bottom:1px solid #eee;padding:.2em .6em;text-align:left}
 .up{color:#2a7a2a}.down{color:#b22}.event{color:#a60} iframe{width:100%;height:480px;border:1px solid #ccc}
 #status,.empty{color:#777;font-size:.85em}
</style></head>
<body>
<h1>faafo-stack local run</h1>
<p>App: <a id="app" href="${appUrl}" target="_blank">${appUrl}</a> <span id="status">connecting…</span></p>
<div class="tiers" id="tiers"></div>
<h2>Sizes and backlog</h2>
<div id="sizes"></div>
<h2>Scaling metrics and alarm thresholds</h2>
<div id="metrics"></div>
<h2>Scaling changes</h2>
<table><thead><tr><th>time</th><th>tier</th><th>action</th><th>size</th><th>reason</th><th>members</th></tr></thead>
<tbody id="decisions"></tbody></table>
<p class="empty" id="no-decisions">No scaling change yet.</p>
<h2>Gallery</h2>
<iframe id="gallery" src="${appUrl}/" title="gallery" data-loads="0" onload="this.dataset.loads = Number(this.dataset.loads) + 1; this.dataset.loadedAt = Date.now()"></iframe>
<script src="/assets/uplot.js"></script>
<script>
const esc = s => String(s).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'})[c]);
const clock = sec => new Date(sec * 1000).toLocaleTimeString('en-GB');
const KEYS = ['apiSize','workerSize','backlog','apiCpu','workerCpu','workerMetric'];
const H = {t: []}; for (const k of KEYS) H[k] = [];
let since = null, capacity = Infinity, th = null, rendered = null, galleryAt = 0;
const charts = {}; window.faafoCharts = charts;

// Time axis with wall-clock labels; the labels drawn last are kept on the chart element (the page's tests read them).
const timeAxis = () => ({label: 'time', values: (u, splits) => {
  const v = splits.map(clock); u.root.dataset.timeTicks = v.join(' '); return v; }});
const width = () => Math.max(320, Math.min(960, document.body.clientWidth - 10));
const flat = v => H.t.map(() => v);
const dashed = (label, scale, stroke) => ({label, scale, stroke, width: 1.5, dash: [6, 4]});
const stepped = uPlot.paths.stepped({align: 1});
// Samples come every second or so: lines only, no point markers.
const noPoints = list => list.map((s, i) => i ? {...s, points: {show: false}} : s);

function makeCharts() {
  charts.sizes = new uPlot({
    width: width(), height: 240, legend: {live: false},
    scales: {x: {time: true}, n: {range: (u, lo, hi) => [0, Math.max(2, (hi ?? 0) + 1)]}, b: {range: (u, lo, hi) => [0, Math.max(4, (hi ?? 0) * 1.1)]}},
    series: noPoints([
      {label: 'time', value: (u, v) => v == null ? '-' : clock(v)},
      {label: 'API servers', scale: 'n', stroke: '#1f77b4', width: 2, paths: stepped},
      {label: 'workers', scale: 'n', stroke: '#2ca02c', width: 2, paths: stepped},
      {label: 'backlog (fractals not rendered)', scale: 'b', stroke: '#d62728', width: 1.5, fill: 'rgba(214,39,40,.08)'},
    ]),
    axes: [timeAxis(), {scale: 'n', label: 'processes', incrs: [1, 2, 5, 10, 20, 50, 100]},
           {scale: 'b', side: 1, label: 'backlog (fractals)', grid: {show: false}}],
  }, sizesData(), document.getElementById('sizes'));
  const queue = th.workers.metric === 'backlog_per_worker';
  const series = [
    {label: 'time', value: (u, v) => v == null ? '-' : clock(v)},
    {label: 'API CPU % (' + th.api.metric + ')', scale: '%', stroke: '#1f77b4', width: 2},
    {label: 'worker CPU %', scale: '%', stroke: '#2ca02c', width: 2},
    dashed('API scale-up above ' + th.api.scaleUp + ' %', '%', '#ff7f0e'),
    dashed('API scale-down below ' + th.api.scaleDown + ' %', '%', '#9467bd'),
  ];
  const axes = [timeAxis(), {scale: '%', label: 'CPU % of one core'}];
  if (queue) {
    series.push({label: 'backlog per worker', scale: 'q', stroke: '#d62728', width: 2},
      dashed('workers scale-up above ' + th.workers.scaleUp + ' per worker', 'q', '#8c564b'),
      dashed('workers scale-down below ' + th.workers.scaleDown + ' per worker', 'q', '#e377c2'));
    axes.push({scale: 'q', side: 1, label: 'backlog per worker', grid: {show: false}});
  } else {
    series.push(dashed('workers scale-up above ' + th.workers.scaleUp + ' %', '%', '#8c564b'),
      dashed('workers scale-down below ' + th.workers.scaleDown + ' %', '%', '#e377c2'));
  }
  charts.metrics = new uPlot({width: width(), height: 240, legend: {live: false}, scales: {x: {time: true}, '%': {range: (u, lo, hi) => [0, Math.max(100, (hi ?? 0) * 1.1)]},
    q: {range: (u, lo, hi) => [0, Math.max(th.workers.scaleUp * 1.5, (hi ?? 0) * 1.1)]}}, series: noPoints(series), axes}, metricsData(queue), document.getElementById('metrics'));
  charts.queue = queue;
}
const sizesData = () => [H.t, H.apiSize, H.workerSize, H.backlog];
const metricsData = queue => queue
  ? [H.t, H.apiCpu, H.workerCpu, flat(th.api.scaleUp), flat(th.api.scaleDown), H.workerMetric, flat(th.workers.scaleUp), flat(th.workers.scaleDown)]
  : [H.t, H.apiCpu, H.workerCpu, flat(th.api.scaleUp), flat(th.api.scaleDown), flat(th.workers.scaleUp), flat(th.workers.scaleDown)];

async function followHistory() {
  const h = await (await fetch('/api/history' + (since === null ? '' : '?since=' + since), {cache: 'no-store'})).json();
  th = h.thresholds; capacity = h.capacity;
  for (const s of h.samples) {
    H.t.push(s.t / 1000); for (const k of KEYS) H[k].push(s[k]);
    since = s.t; if (s.rendered !== null) refreshGallery(s.rendered);
  }
  const extra = H.t.length - capacity;
  if (extra > 0) for (const k of ['t', ...KEYS]) H[k].splice(0, extra);
  if (!charts.sizes) { if (H.t.length) makeCharts(); return; }
  if (h.samples.length) { charts.sizes.setData(sizesData()); charts.metrics.setData(metricsData(charts.queue)); }
}

// Reload the gallery frame when the count of rendered fractals grows (at most every 3 s).
function refreshGallery(n) {
  if (rendered !== null && n > rendered && Date.now() - galleryAt > 3000) {
    const f = document.getElementById('gallery'); f.src = f.src; galleryAt = Date.now(); rendered = n;
  } else if (rendered === null || n < rendered) rendered = n;
}

function showState(s) {
  document.getElementById('tiers').innerHTML = s.tiers.map(t =>
    '<div class="tier" data-tier="'+esc(t.name)+'"><div>'+esc(t.name)+' <small>('+t.min+'..'+t.max+', '+esc(t.metric)+')</small></div>'+
    '<div class="size" data-size="'+t.size+'">'+t.size+'</div>'+
    '<div>'+esc(t.metric)+': '+(t.value===null?'-':t.value)+(t.cooldownEndsAt && new Date(t.cooldownEndsAt)>new Date()?' · cooldown':'')+'</div>'+
    '<div><small>'+t.members.map(m=>esc(m.name)+(m.cpu===null?'':' '+Math.round(m.cpu)+'%')).join(', ')+'</small></div>'+
    (t.lastDecision ? '<div class="last">last decision ('+new Date(t.lastDecision.at).toLocaleTimeString('en-GB')+'): '+esc(t.lastDecision.action)+', '+esc(t.lastDecision.reason)+'</div>' : '')+
    '</div>').join('');
  // Changes only: scalings, and members that exited (a "none" without members is a held-back or quiet verdict).
  const changes = s.decisions.filter(d => d.action !== 'none' || d.members.length > 0).reverse().slice(0, 30);
  document.getElementById('no-decisions').style.display = changes.length ? 'none' : '';
  document.getElementById('decisions').innerHTML = changes.map(d =>
    '<tr class="'+(d.action==='scale_up'?'up':d.action==='scale_down'?'down':'event')+'"><td>'+new Date(d.at).toLocaleTimeString('en-GB')+'</td><td>'+esc(d.tier)+'</td><td>'+esc(d.action)+'</td><td>'+d.from+' → '+d.to+'</td><td>'+esc(d.reason)+'</td><td>'+esc(d.members.join(', '))+'</td></tr>').join('');
}

async function poll() {
  try {
    showState(await (await fetch('/api/state', {cache: 'no-store'})).json());
    await followHistory();
    document.getElementById('status').textContent = 'updated ' + new Date().toLocaleTimeString('en-GB');
  } catch (e) { document.getElementById('status').textContent = 'not reachable: ' + e; }
  setTimeout(poll, 1000);
}
poll();
window.addEventListener('resize', () => { for (const c of [charts.sizes, charts.metrics]) c?.setSize({width: width(), height: 240}); });
</script>
</body></html>
`;
}
