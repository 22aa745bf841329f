// Harness for the autoscaling chain on the real local Keystone + Heat + Gnocchi + Aodh: create a stack whose only
// fake parts are Nova/Neutron/Octavia (env-none-telemetry.yaml maps them to OS::Heat::None, the OS::Aodh alarms
// are real), find each tier's group, policies and alarms, play Ceilometer for the tier's members, and watch the
// groups. Used by test/chain-*.test.ts and bench/chain-latency.mjs.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { load } from 'js-yaml';
import { AodhClient, gnocchiRule, type AodhAlarm } from '../../src/openstack/aodh.js';
import {
  HeatClient,
  linkStackId,
  linkStackName,
  type HeatResource,
  type HeatStack,
  type Requester,
  type StackInput,
} from '../../src/openstack/heat.js';
import { alarmWiring, innerQuery } from '../../src/stack/alarms.js';
import { findTiers, groupSize, type Tier } from '../../src/stack/tiers.js';
import { parseTemplate } from '../../src/stack/tpl.js';
import { FakeCeilometer, localRequester } from './fake-ceilometer.js';
import { runCli } from './lifecycle-cli.js';
import { cloudDir } from './test-cloud.js';

export const OS_DIR = cloudDir;
export const CLOUD_ENV = { OS_CLIENT_CONFIG_FILE: path.join(OS_DIR, 'clouds.yaml'), OS_CLOUD: 'faafo-local' };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutS = 180,
  everyMs = 500,
): Promise<T> {
  const end = Date.now() + timeoutS * 1000;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutS} s waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`,
      );
    await sleep(everyMs);
  }
}

/** The environment that keeps the alarms real: only Nova/Neutron/Octavia/... are OS::Heat::None. */
export async function telemetryEnvironment(): Promise<Record<string, unknown>> {
  return load(await readFile(path.join(OS_DIR, 'env-none-telemetry.yaml'), 'utf8')) as Record<string, unknown>;
}

/** The shared sample (worker tier, real alarms, a deliberately unmatched alarm) as a stack input. */
export async function sampleInput(): Promise<StackInput> {
  const s = path.join(OS_DIR, 'samples');
  return {
    template: await readFile(path.join(s, 'faafo-telemetry.yaml'), 'utf8'),
    files: { 'faafo-worker-member.yaml': await readFile(path.join(s, 'faafo-worker-member.yaml'), 'utf8') },
    environment: await telemetryEnvironment(),
    parameters: {},
  };
}

export interface ChainTier extends Tier {
  step: number;
  cooldownS: number;
  upAlarms: AodhAlarm[];
  downAlarms: AodhAlarm[];
  /** server_group value the tier's alarms query (the members' metering.server_group). */
  serverGroup: string;
}

function paramNumber(v: unknown, params: Record<string, string>): number | undefined {
  if (v && typeof v === 'object' && 'get_param' in v) {
    const raw = params[String((v as { get_param: unknown }).get_param)];
    return raw === undefined ? undefined : Number(raw);
  }
  return v === undefined ? undefined : Number(v);
}

/** `{"=": {"server_group": "X"}}` (possibly inside and/or) -> "X". */
export function serverGroupOf(q: unknown): string | undefined {
  if (!q || typeof q !== 'object') return undefined;
  for (const [k, v] of Object.entries(q)) {
    if ((k === '=' || k === 'eq') && v && typeof v === 'object' && 'server_group' in v)
      return String((v as Record<string, unknown>).server_group);
    const inner = Array.isArray(v) ? v.map(serverGroupOf).find(Boolean) : serverGroupOf(v);
    if (inner) return inner;
  }
  return undefined;
}

export class ChainStack {
  readonly heat: HeatClient;
  readonly aodh: AodhClient;
  stack!: HeatStack;
  tiers: ChainTier[] = [];
  ceilometer!: FakeCeilometer;

  constructor(
    readonly cloud: Requester,
    readonly name: string,
  ) {
    this.heat = new HeatClient(cloud);
    this.aodh = new AodhClient(cloud);
  }

  /** Percent of one vCPU every member burns (new members too). */
  percent = 0;
  /** Broken tie-in: the members' Gnocchi resources get no server_group (servers booted without the metadata). */
  brokenTieIn = false;
  private groups = new Map<string, string | null>();

  async create(input: StackInput): Promise<void> {
    const ref = await this.heat.createStack({ name: this.name, ...input, timeoutMins: 10 });
    this.stack = await until(`stack ${this.name} CREATE_COMPLETE`, async () => {
      const s = await this.heat.find(ref.id);
      await this.signalWaitHandles(await this.heat.resources(ref, 3)).catch(() => 0);
      if (s?.stack_status === 'CREATE_FAILED') throw new Error(`CREATE_FAILED: ${s.stack_status_reason}`);
      return s?.stack_status === 'CREATE_COMPLETE' ? s : undefined;
    });
    const owner = await localRequester('demo', 'demo').auth();
    this.ceilometer = new FakeCeilometer({ projectId: owner.projectId, userId: owner.userId });
  }

  /** Tiers with their policies' step and cooldown and the alarms that drive them (read back from Aodh). */
  async discover(): Promise<ChainTier[]> {
    const template = parseTemplate(await this.heat.template(this.stack));
    const params = this.stack.parameters ?? {};
    const res = (template.resources ?? {}) as Record<string, { properties?: Record<string, unknown> }>;
    const wiring = alarmWiring(template, params);
    const resources = await this.heat.resources(this.stack);
    const alarms = new Map<string, AodhAlarm>();
    for (const r of resources.filter((x) => x.resource_type.startsWith('OS::Aodh::'))) {
      const a = await this.aodh.show(r.physical_resource_id);
      if (a) alarms.set(r.resource_name, a);
    }
    this.tiers = findTiers(template, params).map((t) => {
      const up = res[t.up!]?.properties ?? {};
      const of = (dir: 'up' | 'down') =>
        [...wiring.entries()]
          .filter(([, w]) => w.tier === t.name && w.direction === dir)
          .map(([n]) => alarms.get(n)!)
          .filter(Boolean);
      // The alarms tied to this stack's members (the sample also has one that deliberately matches nothing).
      const tied = (list: AodhAlarm[]) => {
        const ok = list.filter((a) => serverGroupOf(innerQuery(gnocchiRule(a)?.query))?.includes(this.stack.id));
        return ok.length ? ok : list;
      };
      const upAlarms = tied(of('up'));
      const downAlarms = tied(of('down'));
      return {
        ...t,
        step: paramNumber(up.scaling_adjustment, params) ?? 1,
        cooldownS: paramNumber(up.cooldown, params) ?? 0,
        upAlarms,
        downAlarms,
        serverGroup: serverGroupOf(innerQuery(gnocchiRule(upAlarms[0])?.query)) ?? this.stack.id,
      };
    });
    return this.tiers;
  }

  private signalled = new Set<string>();

  /**
   * Play the servers: signal every wait condition handle (services server, each new group member) the way the
   * boot script's curl does, once. Returns how many were signalled now.
   */
  async signalWaitHandles(resources?: HeatResource[]): Promise<number> {
    const all = resources ?? (await this.heat.resources(this.stack, 3));
    let n = 0;
    for (const r of all) {
      if (r.resource_type !== 'OS::Heat::WaitConditionHandle' || r.resource_status !== 'CREATE_COMPLETE') continue;
      const id = linkStackId(r.links, 'stack');
      const name = linkStackName(r.links, 'stack');
      if (!id || !name || this.signalled.has(`${id}/${r.resource_name}`)) continue;
      const h = await this.heat.resource({ id, name }, r.resource_name);
      const a = h.attributes ?? {};
      if (!a.endpoint || !a.token) continue;
      const res = await fetch(String(a.endpoint), {
        method: 'POST',
        headers: { 'X-Auth-Token': String(a.token), 'Content-Type': 'application/json' },
        body: JSON.stringify({ status: 'SUCCESS', reason: 'booted (chain test)', data: 'ok', id: '1' }),
      });
      if (res.status !== 200) throw new Error(`wait handle ${name}/${r.resource_name}: HTTP ${res.status}`);
      this.signalled.add(`${id}/${r.resource_name}`);
      n++;
    }
    return n;
  }

  /** Server ids of a tier's members (the `server` of each member stack; the member stack id when it has none). */
  memberServers(t: Tier, resources: HeatResource[]): string[] {
    const members = resources.filter((r) => r.parent_resource === t.group && r.resource_status !== 'DELETE_COMPLETE');
    return members
      .map((m) => {
        const server = resources.find(
          (r) => r.parent_resource === m.resource_name && r.resource_type === 'OS::Nova::Server',
        );
        return server?.physical_resource_id || m.physical_resource_id;
      })
      .filter(Boolean);
  }

  /**
   * The value a tier's members carry as metadata metering.server_group, resolved from the group's member
   * definition (get_param OS::stack_id, get_attr of an OS::Heat::Value, list_join) - what Ceilometer would copy
   * into the Gnocchi resource. Not taken from the alarm: so a mismatch between the two would fail the test.
   */
  async memberServerGroup(t: Tier): Promise<string | null> {
    const template = parseTemplate(await this.heat.template(this.stack));
    const group = (
      template.resources as Record<
        string,
        { properties?: { resource?: { properties?: { metadata?: Record<string, unknown> } } } }
      >
    )[t.group];
    const v = group?.properties?.resource?.properties?.metadata?.['metering.server_group'];
    return v === undefined ? null : this.resolve(v);
  }

  private async resolve(v: unknown): Promise<string> {
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    const o = v as Record<string, unknown>;
    if ('get_param' in o)
      return o.get_param === 'OS::stack_id' ? this.stack.id : String(this.stack.parameters?.[String(o.get_param)]);
    if ('get_attr' in o) {
      const [res, ...path] = o.get_attr as string[];
      let x: unknown = (await this.heat.resource(this.stack, res)).attributes;
      for (const k of path) x = (x as Record<string, unknown>)?.[k];
      return String(x);
    }
    if ('list_join' in o) {
      const [sep, parts] = o.list_join as [string, unknown[]];
      return (await Promise.all(parts.map((p) => this.resolve(p)))).join(sep);
    }
    throw new Error(`cannot resolve ${JSON.stringify(v)}`);
  }

  /**
   * One step of the fake data centre: boot (signal) new servers, tell the fake Ceilometer which servers each
   * tier has now, push the points due. `last` as FakeCeilometer.push.
   */
  async tick(last: 'prev' | 'now'): Promise<void> {
    const resources = await this.heat.resources(this.stack, 3);
    await this.signalWaitHandles(resources);
    const initial = this.ceilometer.instances.length === 0; // the first servers get 5 min of history at once
    for (const t of this.tiers) {
      if (!this.groups.has(t.group))
        this.groups.set(t.group, this.brokenTieIn ? null : await this.memberServerGroup(t));
      await this.ceilometer.syncServers(
        t.group,
        this.groups.get(t.group)!,
        this.memberServers(t, resources),
        this.percent,
        { historyMin: initial ? undefined : 1 },
      );
    }
    await this.ceilometer.push(last);
  }

  setPercent(p: number): void {
    this.percent = p;
    this.ceilometer.setPercent(p);
  }

  size(t: Tier): Promise<number | null> {
    return groupSize(this.heat, this.stack, t.group);
  }

  async groupMeta(t: Tier): Promise<{ scaling_in_progress?: boolean; cooldown_end?: Record<string, string> }> {
    return (await this.heat.resourceMetadata(this.stack, t.group)) as {
      scaling_in_progress?: boolean;
      cooldown_end?: Record<string, string>;
    };
  }

  /** Size once the group has settled (no resize running). */
  async settledSize(t: Tier): Promise<number | undefined> {
    const m = await this.groupMeta(t);
    if (m.scaling_in_progress) return undefined;
    return (await this.size(t)) ?? undefined;
  }

  async alarmState(id: string): Promise<string | undefined> {
    return (await this.aodh.show(id))?.state;
  }

  /** SIGNAL events Heat recorded for a policy (every alarm notification, also those the cooldown ignored). */
  async signals(policy: string): Promise<{ time: string; reason: string }[]> {
    return (await this.heat.events(this.stack))
      .filter((e) => e.resource_name === policy && e.resource_status.startsWith('SIGNAL'))
      .map((e) => ({ time: e.event_time, reason: e.resource_status_reason ?? '' }));
  }

  async delete(): Promise<void> {
    if (!this.stack) {
      const s = await this.heat.find(this.name).catch(() => undefined);
      if (!s) return;
      this.stack = s;
    }
    await until(
      `no resize running on ${this.name}`,
      async () => {
        for (const t of this.tiers)
          if ((await this.groupMeta(t).catch(() => ({}) as { scaling_in_progress?: boolean })).scaling_in_progress)
            return false;
        return true;
      },
      60,
    ).catch(() => undefined);
    await this.heat.deleteStack(this.stack);
    await until(
      `stack ${this.name} deleted`,
      async () => {
        const s = await this.heat.find(this.stack.id);
        if (s?.stack_status === 'DELETE_FAILED') await this.heat.deleteStack(this.stack);
        return !s || s.stack_status === 'DELETE_COMPLETE';
      },
      240,
    );
    await this.ceilometer?.cleanup();
  }
}

/**
 * What the chain tests create: exactly what `faafo-stack generate --out DIR <flags>` writes (faafo-stack.yaml,
 * the member templates, env.yaml), sent as `create --template DIR/faafo-stack.yaml -e DIR/env.yaml -e
 * env-none-telemetry.yaml` would: member templates in Heat's `files`, env.yaml's registry merged with the
 * env-none mapping (env-none last, as a later -e wins).
 */
export async function chainInput(generateFlags: string[]): Promise<StackInput & { dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'faafo-chain-'));
  const r = await runCli(['generate', '--out', dir, ...generateFlags]);
  if (r.code !== 0) throw new Error(`generate failed (${r.code}): ${r.stderr.trim()}`);
  const names = await readdir(dir);
  const files: Record<string, string> = {};
  for (const n of names)
    if (n !== 'faafo-stack.yaml' && n !== 'env.yaml' && /\.ya?ml$/.test(n))
      files[n] = await readFile(path.join(dir, n), 'utf8');
  const env = load(await readFile(path.join(dir, 'env.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  const none = await telemetryEnvironment();
  return {
    dir,
    template: await readFile(path.join(dir, 'faafo-stack.yaml'), 'utf8'),
    files,
    environment: {
      ...env,
      resource_registry: {
        ...(env.resource_registry ?? {}),
        ...((none as Record<string, Record<string, unknown>>).resource_registry ?? {}),
      },
    },
    // With more than one API server the generated template has no image store default: `create` makes a Swift
    // container and an application credential and passes image_store_url (issue 10). The servers here are
    // OS::Heat::None, so nothing ever stores an image: a well-formed URL of that shape is enough.
    parameters: {
      image_store_url: 'swift://faafo-images?auth_url=http://127.0.0.1:5000/v3&application_credential_id=x',
    },
  };
}

/**
 * Counts Aodh's notifications: the test adds `http://127.0.0.1:<port>/<alarm id>` to an alarm's actions (next to
 * the trust+ signal_url), and Aodh's notifier POSTs there each time it runs the actions - once per state change,
 * and at every evaluation while in alarm with repeat_actions. Heat records no event for a signal its cooldown
 * ignores, so this is how the test sees those signals.
 */
export class NotificationCounter {
  private server?: Server;
  readonly seen: { alarmId: string; current: string; at: number }[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        try {
          const b = JSON.parse(body) as { current?: string };
          this.seen.push({ alarmId: (req.url ?? '/').slice(1), current: b.current ?? '?', at: Date.now() });
        } catch {
          /* not Aodh */
        }
        res.end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
  }

  url(alarmId: string): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/${alarmId}`;
  }

  count(alarmId: string, since = 0): number {
    return this.seen.filter((n) => n.alarmId === alarmId && n.current === 'alarm' && n.at >= since).length;
  }

  /** Add our URL to the alarm's actions (Aodh PUT of the whole alarm; its trust+ action is kept). */
  async watch(cloud: Requester, alarmId: string): Promise<void> {
    const a = (await cloud.request<Record<string, unknown>>('alarming', 'GET', `/v2/alarms/${alarmId}`)).data;
    const actions = [...((a.alarm_actions as string[]) ?? []), this.url(alarmId)];
    await cloud.request('alarming', 'PUT', `/v2/alarms/${alarmId}`, { body: { ...a, alarm_actions: actions } });
  }

  close(): void {
    this.server?.close();
  }
}
