// Plays Ceilometer for tests against the local Gnocchi (test/cloud, --with-telemetry), in TypeScript so
// no Python runs at test time. What it does is what the shared README's "What a test must do" requires:
// - an `instance` resource per server, created as user `ceilometer` in project `service` (what Ceilometer does;
//   Aodh's project filter matches created_by_project_id = service AND project_id = the stack owner's project),
//   with server_group = the server's metering.server_group metadata (or none, like a server booted without it);
// - CUMULATIVE cpu time in ns, exactly ONE point per minute ON the minute boundary, only forward in time, so each
//   60 s bucket's mean is that point and rate:mean = percent/100 x 60e9 per bucket.
// It talks to Keystone and Gnocchi directly (fetch), independent of src/openstack, since it stands for another
// service, not for the user.
import { randomUUID } from 'node:crypto';
import { GnocchiClient, type Requester } from '../../src/openstack/gnocchi.js';

const KEYSTONE =
  process.env.FAKE_CEILOMETER_AUTH_URL ?? `http://127.0.0.1:${process.env.OS_LOCAL_KEYSTONE_PORT ?? 5000}/v3`;
const PASSWORD = 'secret'; // test-only credentials of the local cloud (shared README, "Credentials")
export const ARCHIVE_POLICY = 'faafo-test';
const MIN = 60_000;

interface Auth {
  token: string;
  userId: string;
  projectId: string;
  endpoints: Record<string, string>;
  expires: number;
}

/** Password token for a user of the local cloud, with its public endpoints. */
export async function localToken(user: string, project: string): Promise<Auth> {
  const res = await fetch(`${KEYSTONE}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, domain: { id: 'default' }, password: PASSWORD } },
        },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`keystone: token for ${user}: HTTP ${res.status}`);
  const body = (await res.json()) as {
    token: {
      user: { id: string };
      project: { id: string };
      expires_at: string;
      catalog: { type: string; endpoints: { interface: string; url: string }[] }[];
    };
  };
  const endpoints: Record<string, string> = {};
  for (const s of body.token.catalog) {
    const e = s.endpoints.find((x) => x.interface === 'public');
    if (e) endpoints[s.type] = e.url.replace(/\/$/, '');
  }
  return {
    token: res.headers.get('x-subject-token')!,
    userId: body.token.user.id,
    projectId: body.token.project.id,
    endpoints,
    expires: Date.parse(body.token.expires_at),
  };
}

/** A minimal requester (the shape src/openstack's Cloud.request has) for one local user. */
export function localRequester(user: string, project: string): Requester & { auth(): Promise<Auth> } {
  let auth: Auth | undefined;
  const get = async () => {
    if (!auth || auth.expires - Date.now() < 5 * MIN) auth = await localToken(user, project);
    return auth;
  };
  return {
    auth: get,
    async request<T>(
      serviceType: string,
      method: string,
      path: string,
      opts: {
        body?: unknown;
        query?: Record<string, unknown>;
        okStatuses?: number[];
        headers?: Record<string, string>;
      } = {},
    ) {
      const a = await get();
      const base = a.endpoints[serviceType];
      if (!base) throw new Error(`${serviceType} not in the catalog`);
      const url = new URL(base + path);
      for (const [k, v] of Object.entries(opts.query ?? {})) {
        for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined) url.searchParams.append(k, String(x));
      }
      const res = await fetch(url, {
        method,
        headers: {
          'X-Auth-Token': a.token,
          Accept: 'application/json',
          ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...opts.headers,
        },
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      });
      const text = await res.text();
      let data: unknown = text;
      try {
        data = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      const ok = opts.okStatuses ? opts.okStatuses.includes(res.status) : res.status < 400;
      if (!ok) throw new Error(`${serviceType} ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      return { status: res.status, data: data as T, headers };
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
const minuteOf = (ms: number) => Math.floor(ms / MIN) * MIN;

export interface FakeInstance {
  id: string;
  serverGroup: string | null;
  /** Percent of one vCPU this server burns from now on. */
  percent: number;
  /** Newest pushed point (ms on a minute boundary) and its cumulative value. */
  last?: { at: number; value: number };
  /** Minutes of history its first push adds (a server that just booted has little). */
  historyMin?: number;
  /** The server is gone: Ceilometer set ended_at and sends no more points. */
  ended?: boolean;
  /** Which group the test made it for (server_group may be absent: the broken tie-in). */
  group?: string;
}

/** Ceilometer for a set of fake servers: create their Gnocchi resources, then feed one cpu point per minute. */
export class FakeCeilometer {
  readonly gnocchi: GnocchiClient;
  readonly instances: FakeInstance[] = [];

  constructor(
    /** Project that owns the servers (the stack owner's). */
    readonly owner: { projectId: string; userId: string },
    requester: Requester = localRequester('ceilometer', 'service'),
  ) {
    this.gnocchi = new GnocchiClient(requester);
  }

  /** The Gnocchi `instance` resource Ceilometer makes for a server with metadata metering.server_group. */
  async instance(
    serverGroup: string | null,
    opts: { id?: string; percent?: number; historyMin?: number; group?: string } = {},
  ): Promise<FakeInstance> {
    const id = opts.id ?? randomUUID();
    const body: Record<string, unknown> = {
      id,
      project_id: this.owner.projectId,
      user_id: this.owner.userId,
      display_name: `faafo-member-${id.slice(0, 8)}`,
      flavor_id: 'm1.small',
      flavor_name: 'm1.small',
      host: 'compute-1',
      image_ref: 'debian-12',
      metrics: { cpu: { archive_policy_name: ARCHIVE_POLICY } },
    };
    if (serverGroup !== null) body.server_group = serverGroup;
    await this.gnocchi.createResource('instance', body);
    const inst: FakeInstance = {
      id,
      serverGroup,
      percent: opts.percent ?? 0,
      historyMin: opts.historyMin,
      group: opts.group,
    };
    this.instances.push(inst);
    return inst;
  }

  /**
   * Push each instance's points from after its last point up to a minute boundary: `prev` (the previous
   * minute: the data then stays valid for the whole current minute) or `now` (the current minute). A fresh
   * instance gets `historyMin` minutes of history first (the rate needs two buckets). Returns points pushed.
   */
  async push(last: 'prev' | 'now' = 'now', historyMin = 5, nowMs = Date.now()): Promise<number> {
    const end = minuteOf(nowMs) - (last === 'prev' ? MIN : 0);
    let n = 0;
    for (const inst of this.instances) {
      if (inst.ended) continue;
      const measures: { timestamp: string; value: number }[] = [];
      let cur = inst.last;
      if (!cur) {
        cur = { at: end - (inst.historyMin ?? historyMin) * MIN, value: 0 };
        measures.push({ timestamp: iso(cur.at), value: 0 });
      }
      const perMinute = (inst.percent / 100) * 60e9;
      for (let t = cur.at + MIN; t <= end; t += MIN) {
        cur = { at: t, value: cur.value + perMinute };
        measures.push({ timestamp: iso(t), value: cur.value });
      }
      if (!measures.length) continue;
      await this.gnocchi.pushMeasures('instance', inst.id, 'cpu', measures);
      inst.last = cur;
      n += measures.length;
    }
    return n;
  }

  /** Ceilometer's view of a group's servers: a resource for each new one, ended_at for each one gone. */
  async syncServers(
    group: string,
    serverGroup: string | null,
    serverIds: string[],
    percent: number,
    opts: { historyMin?: number } = {},
  ): Promise<void> {
    for (const id of serverIds) {
      if (!this.instances.some((i) => i.id === id))
        await this.instance(serverGroup, { id, percent, historyMin: opts.historyMin, group });
    }
    for (const i of this.instances) {
      if (i.group !== group || i.ended || serverIds.includes(i.id)) continue;
      // (millisecond precision: ended_at must not be before started_at, which Gnocchi set at creation)
      await this.gnocchi.cloud.request('metric', 'PATCH', `/v1/resource/instance/${encodeURIComponent(i.id)}`, {
        body: { ended_at: new Date().toISOString() },
      });
      i.ended = true;
    }
  }

  setPercent(percent: number): void {
    for (const i of this.instances) i.percent = percent;
  }

  async cleanup(): Promise<void> {
    for (const i of this.instances) await this.gnocchi.deleteResource('instance', i.id).catch(() => undefined);
  }
}
