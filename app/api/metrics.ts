// Prometheus metrics of one API instance (own registry, so several instances in one process don't collide).
// Queue depth and pending/done counts are read from the queue and database at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FractalRepository, TaskQueue } from '../types.js';

export interface ApiMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  latency: Histogram<'route' | 'method' | 'status'>;
  renderSeconds: Histogram<string>;
  stored: Counter<'generated_by'>;
  republished: Counter<string>;
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

export function createMetrics(deps: { repo: FractalRepository; queue: TaskQueue }, defaults = true): ApiMetrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'faafo_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'faafo_http_request_duration_seconds',
    help: 'HTTP request latency in seconds, by route pattern, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const up = new Gauge({
    name: 'faafo_dependency_up',
    help: '1 when the dependency answered at the last scrape, else 0',
    labelNames: ['dependency'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'faafo_queue_depth',
    help: 'Tasks waiting in the queue (ready, not yet delivered to a worker)',
    registers: [registry],
    async collect() {
      try {
        this.set(await withTimeout(deps.queue.depth(), 3000));
        up.set({ dependency: 'queue' }, 1);
      } catch {
        up.set({ dependency: 'queue' }, 0); // keep the last known depth
      }
    },
  });
  // One database query per scrape feeds both gauges.
  let counts: { at: number; p: Promise<{ pending: number; done: number }> } | undefined;
  const countsOnce = () => {
    if (!counts || Date.now() - counts.at > 1000) {
      counts = { at: Date.now(), p: withTimeout(deps.repo.counts(), 3000) };
      counts.p.catch(() => undefined);
    }
    return counts.p;
  };
  for (const which of ['pending', 'done'] as const) {
    new Gauge({
      name: `faafo_fractals_${which}`,
      help: which === 'pending' ? 'Fractals created but not rendered yet' : 'Fractals rendered and stored',
      registers: [registry],
      async collect() {
        try {
          this.set((await countsOnce())[which]);
          up.set({ dependency: 'database' }, 1);
        } catch {
          up.set({ dependency: 'database' }, 0); // keep the last known value
        }
      },
    });
  }
  const renderSeconds = new Histogram({
    name: 'faafo_render_seconds',
    help: 'Render duration reported by workers with their results, in seconds',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  const stored = new Counter({
    name: 'faafo_fractals_stored_total',
    help: 'Fractal results stored, by the worker that rendered them (generated_by)',
    labelNames: ['generated_by'] as const,
    registers: [registry],
  });
  const republished = new Counter({
    name: 'faafo_tasks_republished_total',
    help: 'Tasks re-published for rows whose first publish was never confirmed',
    registers: [registry],
  });
  return { registry, requests, latency, renderSeconds, stored, republished };
}
