// StackConfig: everything `generate` needs, after the config file and the flags are merged and validated.
// The same shape is the published JSON Schema (schema/faafo-stack.schema.json) with every key optional.

export type Topology = 'tiers' | 'all-in-one';
export type AlarmAction = 'signal' | 'alarm-url';
/** What drives the worker tier: Aodh CPU alarms, or the queue scaler on the services server. */
export type WorkerScaling = 'cpu' | 'queue';

export interface TierConfig {
  min: number;
  max: number;
  desired: number;
  flavor: string;
  /** vCPUs of the tier's flavor: the CPU thresholds are percent of the whole server. */
  vcpus: number;
  scaleUpCpu: number;
  scaleDownCpu: number;
}

export interface StackConfig {
  /** Stack name used by create/update/... when none is given on the command line. */
  name?: string;
  topology: Topology;
  image: string;
  keyName: string;
  externalNetwork: string;
  network: { cidr: string; dnsNameservers: string[] };
  /** Source address range allowed to SSH into the servers. */
  sshCidr: string;
  app: { url?: string; sha256?: string; nodeTarballUrl?: string };
  /** The services server (database + RabbitMQ) unless external URLs are given. */
  services: { flavor: string };
  /** External database / queue: template parameters without defaults (never written to files). */
  database: { external: boolean; url?: string };
  queue: { external: boolean; url?: string };
  /** undefined: a Swift container `create` provisions (more than one API server and no store given) */
  imageStoreUrl?: string;
  loadBalancer: boolean;
  /** Who may write (issue 15): both off by default (a per-stack API key and result secret protect writes). */
  access: { anonymousWrites: boolean; legacyWorkers: boolean };
  api: TierConfig;
  workers: TierConfig;
  scaling: {
    granularity: number;
    evaluationPeriods: number;
    cooldown: number;
    alarmAction: AlarmAction;
    repeatActions: boolean;
    workerScaling: WorkerScaling;
    /** queue mode: backlog per worker above which the scaler adds a worker, below which it removes one. */
    scaleUpBacklog: number;
    scaleDownBacklog: number;
  };
  /** Seconds a server may take from boot to a healthy service (wait condition timeout). */
  bootTimeout: number;
  /** Flavor of the single server of `--topology all-in-one`. */
  allInOneFlavor: string;
}
