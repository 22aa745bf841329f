// Harness for the autoscaling chain on the real local Keystone + Heat + Gnocchi + Aodh: create a stack whose only
// fake parts are Nova/Neutron/Octavia (env-none-telemetry.yaml maps them to OS::Heat::None, the OS::Aodh alarms
// are real), find each tier's group, policies and alarms, play Ceilometer for the tier's members, and watch the
// groups. Used by test/chain-*.test.ts and bench/chain-latency.mjs.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { AodhClient, gnocchiRule, type AodhAlarm } from '../../src/openstack/aodh.js';
import { HeatApi, type HeatStack, type Requester, type StackInput } from '../../src/stack/heat-api.js';
import { alarmWiring, innerQuery } from '../../src/stack/alarms.js';
import { findTiers, groupSize, type Tier } from '../../src/stack/tiers.js';
import { parseTemplate } from '../../src/stack/tpl.js';
import { FakeCeilometer, localRequester } from './fake-ceilometer.js';
import { sharedDir } from './lifecycle-cli.js';

export const OS_DIR = path.join(sharedDir, 'openstack');
export const CLOUD_ENV = { OS_CLIENT_CONFIG_FILE: path.join(OS_DIR, 'clouds.yaml'), OS_CLOUD: 'faafo-local' };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutS = 180, everyMs = 500): Promise<T> {
  const end = Date.now() + timeoutS * 1000;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutS} s waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
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
    if ((k === '=' || k === 'eq') && v && typeof v === 'object' && 'server_group' in v) return String((v as Record<string, unknown>).server_group);
    const inner = Array.isArray(v) ? v.map(serverGroupOf).find(Boolean) : serverGroupOf(v);
    if (inner) return inner;
  }
  return undefined;
}

export class ChainStack {
  readonly heat: HeatApi;
  readonly aodh: AodhClient;
  stack!: HeatStack;
  tiers: ChainTier[] = [];
  ceilometer!: FakeCeilometer;

  constructor(
    readonly cloud: Requester,
    readonly name: string,
  ) {
    this.heat = new HeatApi(cloud);
    this.aodh = new AodhClient(cloud);
  }

  async create(input: StackInput): Promise<void> {
    await this.heat.create(this.name, input, { timeoutMins: 10 });
    this.stack = await until(`stack ${this.name} CREATE_COMPLETE`, async () => {
      const s = await this.heat.find(this.name);
      if (s?.stack_status === 'CREATE_FAILED') throw new Error(`CREATE_FAILED: ${s.stack_status_reason}`);
      return s?.stack_status === 'CREATE_COMPLETE' ? s : undefined;
    });
    const owner = await (localRequester('demo', 'demo').auth());
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
        [...wiring.entries()].filter(([, w]) => w.tier === t.name && w.direction === dir).map(([n]) => alarms.get(n)!).filter(Boolean);
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

  size(t: Tier): Promise<number | null> {
    return groupSize(this.heat, this.stack, t.group);
  }

  async groupMeta(t: Tier): Promise<{ scaling_in_progress?: boolean; cooldown_end?: Record<string, string> }> {
    return (await this.heat.resourceMetadata(this.stack, t.group)) as { scaling_in_progress?: boolean; cooldown_end?: Record<string, string> };
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
    await until(`no resize running on ${this.name}`, async () => {
      for (const t of this.tiers) if ((await this.groupMeta(t).catch(() => ({}) as { scaling_in_progress?: boolean })).scaling_in_progress) return false;
      return true;
    }, 60).catch(() => undefined);
    await this.heat.delete(this.stack);
    await until(`stack ${this.name} deleted`, async () => {
      const s = await this.heat.find(this.stack.id);
      if (s?.stack_status === 'DELETE_FAILED') await this.heat.delete(this.stack);
      return !s || s.stack_status === 'DELETE_COMPLETE';
    }, 240);
    await this.ceilometer?.cleanup();
  }
}

/** What the chain tests create: the template `faafo-stack generate` writes, else (until it exists) the sample. */
export async function chainInput(): Promise<StackInput> {
  return sampleInput();
}
