// The live page of a local run (served by the supervisor on its control port): tier sizes and members, the last
// scaling decisions, a small size-over-time chart, and the app's gallery in a frame. It polls /api/state.
export function livePage(appUrl: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>faafo-stack local</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font-family:sans-serif;margin:1.2em;color:#222} h1{font-size:1.3em} .tiers{display:flex;gap:1.5em;flex-wrap:wrap}
 .tier{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;min-width:16em} .size{font-size:2.4em;font-weight:bold}
 table{border-collapse:collapse;font-size:.85em} td,th{border-bottom:1px solid #eee;padding:.2em .6em;text-align:left}
 .up{color:#2a7a2a}.down{color:#b22}.none{color:#777} iframe{width:100%;height:480px;border:1px solid #ccc}
 #status{color:#777;font-size:.85em}
</style></head>
<body>
<h1>faafo-stack local run</h1>
<p>App: <a id="app" href="${appUrl}" target="_blank">${appUrl}</a> <span id="status">connecting…</span></p>
<div class="tiers" id="tiers"></div>
<h2>Sizes over time</h2>
<svg id="chart" width="600" height="120" style="border:1px solid #eee"></svg>
<h2>Recent scaling decisions</h2>
<table><thead><tr><th>time</th><th>tier</th><th>action</th><th>size</th><th>reason</th><th>members</th></tr></thead>
<tbody id="decisions"></tbody></table>
<h2>Gallery</h2>
<iframe id="gallery" src="${appUrl}/" title="gallery"></iframe>
<script>
const hist = {}; const colors = {api:'#1f77b4', workers:'#2ca02c'};
const esc = s => String(s).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'})[c]);
function draw(){
  const svg = document.getElementById('chart'); const W=600,H=120; let out='';
  const all = Object.values(hist).flat(); if(!all.length) return;
  const t0 = Math.min(...all.map(p=>p[0])), t1 = Math.max(...all.map(p=>p[0]), t0+1);
  const ymax = Math.max(1, ...all.map(p=>p[1]));
  for (const [tier, pts] of Object.entries(hist)) {
    const d = pts.map(([t,v])=>((t-t0)/(t1-t0)*(W-10)+5).toFixed(1)+','+(H-5-v/ymax*(H-20)).toFixed(1)).join(' ');
    out += '<polyline fill="none" stroke-width="2" stroke="'+(colors[tier]||'#999')+'" points="'+d+'"/>';
  }
  svg.innerHTML = out;
}
async function poll(){
  try {
    const s = await (await fetch('/api/state', {cache:'no-store'})).json();
    document.getElementById('status').textContent = 'updated ' + new Date().toLocaleTimeString();
    document.getElementById('tiers').innerHTML = s.tiers.map(t =>
      '<div class="tier" data-tier="'+esc(t.name)+'"><div>'+esc(t.name)+' <small>('+t.min+'..'+t.max+', '+esc(t.metric)+')</small></div>'+
      '<div class="size" data-size="'+t.size+'">'+t.size+'</div>'+
      '<div>'+esc(t.metric)+': '+(t.value===null?'-':t.value)+(t.cooldownEndsAt && new Date(t.cooldownEndsAt)>new Date()?' · cooldown':'')+'</div>'+
      '<div><small>'+t.members.map(m=>esc(m.name)+(m.cpu===null?'':' '+Math.round(m.cpu)+'%')).join(', ')+'</small></div></div>').join('');
    const now = Date.now();
    for (const t of s.tiers) { (hist[t.name] ??= []).push([now, t.size]); if (hist[t.name].length>600) hist[t.name].shift(); }
    draw();
    document.getElementById('decisions').innerHTML = s.decisions.slice().reverse().slice(0,30).map(d =>
      '<tr class="'+(d.action==='scale_up'?'up':d.action==='scale_down'?'down':'none')+'"><td>'+new Date(d.at).toLocaleTimeString()+'</td><td>'+esc(d.tier)+'</td><td>'+esc(d.action)+'</td><td>'+d.from+' → '+d.to+'</td><td>'+esc(d.reason)+'</td><td>'+esc(d.members.join(', '))+'</td></tr>').join('');
  } catch (e) { document.getElementById('status').textContent = 'not reachable: ' + e; }
}
poll(); setInterval(poll, 1000);
</script>
</body></html>
`;
}
