// What a doctor check sees and returns. A check gets the connected cloud and the plan (what the generate flags
// would build), and answers ok / warn / fail / skip with one line of detail and, unless ok, one line of fix.
import type { Requester } from '../openstack/gnocchi.js';

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  title: string;
  status: Verdict;
  detail: string;
  fix?: string;
}

/** The parts of src/openstack's Cloud (C7) doctor uses - structural, so tests can replay recorded answers. */
export interface DoctorCloud extends Requester {
  name: string;
  projectId: string;
  userId: string;
  hasService(serviceType: string): boolean;
  endpoint(serviceType: string): string | undefined;
  token(): Promise<string>;
}

/** What the stack would need from the cloud (derived from the generate flags/config by plan.ts). */
export interface DoctorPlan {
  /** Alarm granularity in seconds (must be in the archive policy of `cpu`). */
  granularity: number;
  /** trust: alarms call `trust+<signal_url>` (Aodh needs a trust); alarm_url: pre-signed CFN URL. */
  alarmAction: 'trust' | 'alarm_url';
  /** Alarms exist at all (a stack without autoscaling alarms needs neither Aodh nor Gnocchi). */
  alarms: boolean;
  loadBalancer: boolean;
  bundleToSwift: boolean;
  image?: string;
  keyName?: string;
  externalNetwork?: string;
  /** Every server the stack can have at its maximum sizes, by flavor. */
  servers: { role: string; flavor: string; count: number }[];
  floatingIps: number;
  loadBalancers: number;
  /** Who may write (issue 15): the opt-ins of the configuration (absent: neither, the default). */
  access?: { anonymousWrites: boolean; legacyWorkers: boolean };
}

export interface DoctorContext {
  cloud: DoctorCloud;
  plan: DoctorPlan;
  /** Filled by checks for later ones (e.g. flavors' vCPUs/RAM for the quota check). */
  facts: { flavors?: Record<string, { vcpus: number; ram: number } | undefined> };
}

export interface Check {
  id: string;
  title: string;
  run(ctx: DoctorContext): Promise<Omit<CheckResult, 'id' | 'title'>>;
}

export const ok = (detail: string) => ({ status: 'ok' as const, detail });
export const skip = (detail: string) => ({ status: 'skip' as const, detail });
export const fail = (detail: string, fix: string) => ({ status: 'fail' as const, detail, fix });
export const warn = (detail: string, fix: string) => ({ status: 'warn' as const, detail, fix });
