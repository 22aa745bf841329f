// Gnocchi (service type `metric`) REST calls used by doctor, alarm diagnosis and the chain tests: archive
// policies and their rules, resource types, resource search, measures, aggregates. Depends only on the generic
// `request()` of the Cloud (C7), so tests can pass any requester (a real Cloud, or one replaying fixtures).
// The catalog's metric endpoint has no version (e.g. http://host:8041), hence the `/v1` prefix on every path.

export interface Requester {
  request<T>(
    serviceType: string,
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; query?: Record<string, unknown>; okStatuses?: number[] },
  ): Promise<{ status: number; data: T; headers: Record<string, string> }>;
}

export interface ArchivePolicyDefinition {
  /** Gnocchi answers "0:01:00" / "1 day, 0:00:00"; older versions a number of seconds. */
  granularity: string | number;
  timespan?: string | number | null;
  points?: number | null;
}
export interface ArchivePolicy {
  name: string;
  back_window?: number;
  definition: ArchivePolicyDefinition[];
  aggregation_methods: string[];
}
export interface ArchivePolicyRule {
  name: string;
  archive_policy_name: string;
  metric_pattern: string;
}
export interface ResourceTypeAttribute {
  type: string;
  required: boolean;
}
export interface ResourceType {
  name: string;
  state?: string;
  attributes: Record<string, ResourceTypeAttribute>;
}
export interface GnocchiResource {
  id: string;
  type?: string;
  project_id?: string | null;
  user_id?: string | null;
  created_by_project_id?: string;
  ended_at?: string | null;
  /** metric name -> metric id */
  metrics: Record<string, string>;
  [attribute: string]: unknown;
}
export interface GnocchiMetric {
  id: string;
  name?: string;
  archive_policy: ArchivePolicy;
  resource_id?: string | null;
}
/** [timestamp, granularity seconds, value] as Gnocchi returns them. */
export type Measure = [string, number, number];

const METRIC = 'metric';
const enc = encodeURIComponent;

/** Seconds of a Gnocchi timespan: 60, "60", "0:01:00", "1 day, 0:00:00", "7 days, 0:05:00". */
export function timespanSeconds(v: string | number | null | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = s.match(/^(?:(\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)$/);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** Granularities (seconds) an archive policy keeps, finest first. */
export function granularities(p: ArchivePolicy): number[] {
  return p.definition
    .map((d) => timespanSeconds(d.granularity))
    .filter((g): g is number => g !== undefined)
    .sort((a, b) => a - b);
}

/** fnmatch as Gnocchi uses it for metric_pattern: `*`, `?`, `[...]`. */
export function fnmatch(name: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(name);
}

/**
 * The rule Gnocchi applies to a metric created without an archive policy: the matching rule with the longest
 * pattern (Gnocchi's indexer lists rules by pattern length, longest first, then by name).
 */
export function ruleForMetric(rules: ArchivePolicyRule[], metricName: string): ArchivePolicyRule | undefined {
  return [...rules]
    .sort((a, b) => b.metric_pattern.length - a.metric_pattern.length || a.name.localeCompare(b.name))
    .find((r) => fnmatch(metricName, r.metric_pattern));
}

export class GnocchiClient {
  constructor(readonly cloud: Requester) {}

  async archivePolicies(): Promise<ArchivePolicy[]> {
    return (await this.cloud.request<ArchivePolicy[]>(METRIC, 'GET', '/v1/archive_policy')).data;
  }

  async archivePolicy(name: string): Promise<ArchivePolicy | undefined> {
    const r = await this.cloud.request<ArchivePolicy>(METRIC, 'GET', `/v1/archive_policy/${enc(name)}`, {
      okStatuses: [200, 404],
    });
    return r.status === 404 ? undefined : r.data;
  }

  async archivePolicyRules(): Promise<ArchivePolicyRule[]> {
    return (await this.cloud.request<ArchivePolicyRule[]>(METRIC, 'GET', '/v1/archive_policy_rule')).data;
  }

  async resourceType(name: string): Promise<ResourceType | undefined> {
    const r = await this.cloud.request<ResourceType>(METRIC, 'GET', `/v1/resource_type/${enc(name)}`, {
      okStatuses: [200, 404],
    });
    return r.status === 404 ? undefined : r.data;
  }

  /** POST /v1/search/resource/<type> with a Gnocchi query ({"=": {"server_group": "..."}}). */
  async searchResources(type: string, query: unknown, opts: { limit?: number } = {}): Promise<GnocchiResource[]> {
    const q: Record<string, unknown> = {};
    if (opts.limit) q.limit = opts.limit;
    const r = await this.cloud.request<GnocchiResource[]>(METRIC, 'POST', `/v1/search/resource/${enc(type)}`, {
      body: query ?? {},
      query: q,
    });
    return r.data;
  }

  async resource(type: string, id: string): Promise<GnocchiResource | undefined> {
    const r = await this.cloud.request<GnocchiResource>(METRIC, 'GET', `/v1/resource/${enc(type)}/${enc(id)}`, {
      okStatuses: [200, 404],
    });
    return r.status === 404 ? undefined : r.data;
  }

  /** Create a resource; an existing id (409) is not an error. */
  async createResource(type: string, body: Record<string, unknown>): Promise<{ created: boolean }> {
    const r = await this.cloud.request(METRIC, 'POST', `/v1/resource/${enc(type)}`, { body, okStatuses: [201, 409] });
    return { created: r.status === 201 };
  }

  async deleteResource(type: string, id: string): Promise<void> {
    await this.cloud.request(METRIC, 'DELETE', `/v1/resource/${enc(type)}/${enc(id)}`, { okStatuses: [204, 404] });
  }

  async metric(id: string): Promise<GnocchiMetric | undefined> {
    const r = await this.cloud.request<GnocchiMetric>(METRIC, 'GET', `/v1/metric/${enc(id)}`, {
      okStatuses: [200, 404],
    });
    return r.status === 404 ? undefined : r.data;
  }

  async pushMeasures(
    type: string,
    resourceId: string,
    metric: string,
    measures: { timestamp: string; value: number }[],
  ): Promise<void> {
    await this.cloud.request(
      METRIC,
      'POST',
      `/v1/resource/${enc(type)}/${enc(resourceId)}/metric/${enc(metric)}/measures`,
      {
        body: measures,
        okStatuses: [202],
      },
    );
  }

  async measures(
    type: string,
    resourceId: string,
    metric: string,
    opts: { aggregation?: string; granularity?: number; refresh?: boolean; start?: string } = {},
  ): Promise<Measure[]> {
    const q: Record<string, unknown> = {};
    if (opts.aggregation) q.aggregation = opts.aggregation;
    if (opts.granularity) q.granularity = opts.granularity;
    if (opts.refresh) q.refresh = 'true';
    if (opts.start) q.start = opts.start;
    const r = await this.cloud.request<Measure[]>(
      METRIC,
      'GET',
      `/v1/resource/${enc(type)}/${enc(resourceId)}/metric/${enc(metric)}/measures`,
      { query: q },
    );
    return r.data;
  }

  /**
   * POST /v1/aggregates over the resources a query selects - what Aodh's evaluator asks for a
   * gnocchi_aggregation_by_resources_threshold alarm. Gnocchi answers 400 "Metrics not found" when the query
   * selects no resource with that metric; any 400 comes back as { rejected: reason }.
   */
  async aggregates(a: {
    operations: unknown;
    resourceType: string;
    search: unknown;
    granularity?: number;
    start?: string;
    stop?: string;
  }): Promise<{ measures: Measure[]; rejected?: string }> {
    const query: Record<string, unknown> = { needed_overlap: 0 };
    if (a.granularity) query.granularity = a.granularity;
    if (a.start) query.start = a.start;
    if (a.stop) query.stop = a.stop;
    const r = await this.cloud.request<{ measures?: { aggregated?: Measure[] }; description?: unknown }>(
      METRIC,
      'POST',
      '/v1/aggregates',
      {
        body: { operations: a.operations, resource_type: a.resourceType, search: a.search },
        query,
        okStatuses: [200, 400],
      },
    );
    if (r.status === 400) {
      const d = r.data?.description as { cause?: string; detail?: unknown } | string | undefined;
      const why =
        typeof d === 'string'
          ? d
          : d?.cause
            ? `${d.cause}${d.detail ? ` ${JSON.stringify(d.detail)}` : ''}`
            : 'HTTP 400';
      return { measures: [], rejected: why };
    }
    return { measures: r.data?.measures?.aggregated ?? [] };
  }
}
