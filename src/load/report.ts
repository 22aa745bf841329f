// Text output of `faafo-stack load`: one line per interval, a line per scaling event, and the final summary.
import type { LoadResult } from './run.js';
import type { ScalingEvent, TimelineRow } from './timeline.js';

const ms = (v: number | null) => (v === null || !Number.isFinite(v) ? '-' : `${Math.round(v)}ms`);

export function formatRow(r: TimelineRow, mode: 'api' | 'tasks'): string {
  const tiers = Object.entries(r.tiers)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const base = `t=${r.t.toFixed(0)}s sent=${r.sent} ok/s=${r.throughput} err=${r.errors} p50=${ms(r.p50)} p99=${ms(r.p99)}`;
  const t = mode === 'tasks' ? ` done=${r.tasksDone} backlog=${r.backlog ?? '-'}` : '';
  return `${base}${t}${tiers ? ` | ${tiers}` : ''}`;
}

export function formatEvent(e: ScalingEvent): string {
  return `t=${e.t.toFixed(0)}s scale-${e.direction} ${e.tier}: ${e.from} -> ${e.to}`;
}

export function formatSummary(r: LoadResult): string {
  const L = r.latencyMs;
  const lines = [
    `${r.mode} load on ${r.url}: ${r.requests.sent} sent in ${r.loadS.toFixed(1)} s (offered ${r.rate}/s), ${r.requests.responses} answered, ${r.requests.throughputPerS}/s`,
    `latency ms: p50 ${ms(L.p50)} p90 ${ms(L.p90)} p99 ${ms(L.p99)} max ${ms(L.max)}`,
    `errors: ${r.requests.errors}${r.requests.errors ? ' (' + Object.entries(r.requests.errorsByKind).map(([k, v]) => `${k} ${v}`).join(', ') + ')' : ''}`,
  ];
  if (r.apiKeyFrom) lines.push(`creates carried the API key from ${r.apiKeyFrom}`);
  if (r.tasks) {
    const c = r.tasks.completionS;
    lines.push(
      `tasks: ${r.tasks.accepted} accepted, ${r.tasks.completed} completed, ${r.tasks.pending} pending; completion s p50 ${fmt(c.p50)} p90 ${fmt(c.p90)} p99 ${fmt(c.p99)}`,
    );
    const by = Object.entries(r.tasks.byWorker);
    if (by.length) lines.push(`rendered by: ${by.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  if (r.watch) {
    lines.push(
      r.scaling.length
        ? `scaling (${r.watch.source}): ${r.scaling.map((e) => `${e.tier} ${e.from}->${e.to} at ${e.t.toFixed(0)} s`).join('; ')}`
        : `scaling (${r.watch.source}): no change`,
    );
    if (r.watch.lastAlarms && Object.keys(r.watch.lastAlarms).length) {
      lines.push(`alarms: ${Object.entries(r.watch.lastAlarms).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    }
  }
  if (r.files) lines.push(`wrote ${r.files.csv}, ${r.files.json}, ${r.files.svg}`);
  return lines.join('\n');
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
