// A DoctorCloud that answers from recorded API responses (test/fixtures/doctor/*.json) instead of a real cloud:
// for the checks the local cloud cannot run (no Nova/Glance/Neutron/Octavia here). Routes are keyed
// "<service> <METHOD> <path>[?query]" (query keys sorted); a route without the query matches any query.
// Unknown routes throw, so a test notices a call it did not expect. Every call is recorded in `calls`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DoctorCloud } from '../../src/doctor/index.js';
import { repoRoot } from './lifecycle-cli.js';

interface Fixture {
  catalog: Record<string, string>;
  projectId: string;
  userId: string;
  routes: Record<string, { status: number; body: unknown }>;
}

export class FixtureCloud implements DoctorCloud {
  readonly name = 'recorded';
  readonly calls: string[] = [];
  readonly catalog: Record<string, string>;
  readonly routes: Fixture['routes'];
  readonly projectId: string;
  readonly userId: string;

  constructor(file: string, patch: { routes?: Fixture['routes']; without?: string[] } = {}) {
    const f = JSON.parse(readFileSync(path.join(repoRoot, 'test/fixtures/doctor', file), 'utf8')) as Fixture;
    this.catalog = { ...f.catalog };
    for (const s of patch.without ?? []) delete this.catalog[s];
    this.routes = { ...f.routes, ...patch.routes };
    this.projectId = f.projectId;
    this.userId = f.userId;
  }

  hasService(t: string) {
    return t in this.catalog;
  }
  endpoint(t: string) {
    return this.catalog[t];
  }
  async token() {
    return 'recorded-token';
  }

  async request<T>(
    service: string,
    method: string,
    p: string,
    opts: { query?: Record<string, unknown>; okStatuses?: number[] } = {},
  ) {
    if (!this.hasService(service)) throw new Error(`${service} not in the catalog`);
    const q = Object.entries(opts.query ?? {})
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('&');
    const key = `${service} ${method.toUpperCase()} ${p}`;
    this.calls.push(q ? `${key}?${q}` : key);
    const hit = (q && this.routes[`${key}?${q}`]) || this.routes[key];
    if (!hit) throw new Error(`no recorded answer for ${q ? `${key}?${q}` : key}`);
    const ok = opts.okStatuses ? opts.okStatuses.includes(hit.status) : hit.status >= 200 && hit.status < 300;
    if (!ok) throw new Error(`${key}: HTTP ${hit.status} ${JSON.stringify(hit.body)}`);
    return { status: hit.status, data: structuredClone(hit.body) as T, headers: {} };
  }
}
