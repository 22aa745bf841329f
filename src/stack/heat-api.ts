// The Heat REST calls the stack lifecycle needs, over the generic `Cloud.request` of src/openstack (C7).
// Kept here (not in src/openstack) so the lifecycle depends only on `request()`: one place that knows the
// exact paths, the 302 of a lookup by name, and which answers mean "not found".

/** The subset of src/openstack's Cloud this module uses (structural, so tests can pass a Cloud as is). */
export interface Requester {
  request<T>(
    serviceType: string,
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; query?: Record<string, unknown>; okStatuses?: number[]; maxRedirects?: number },
  ): Promise<{ status: number; data: T; headers: Record<string, string> }>;
}

/** A stack's identity: sub-resources need `name/id` (Heat answers 404 for `name/resources/...`). */
export interface StackRef {
  id: string;
  name: string;
}

export interface HeatStack extends StackRef {
  stack_name: string;
  stack_status: string;
  stack_status_reason: string;
  creation_time: string;
  updated_time: string | null;
  parameters?: Record<string, string>;
  outputs?: HeatOutput[];
  parent?: string | null;
  timeout_mins?: number | null;
  disable_rollback?: boolean;
  links?: HeatLink[];
}
export interface HeatLink {
  href: string;
  rel: string;
}
export interface HeatOutput {
  output_key: string;
  output_value: unknown;
  description?: string;
  output_error?: string;
}
export interface HeatEvent {
  id: string;
  event_time: string;
  resource_name: string;
  logical_resource_id: string;
  physical_resource_id: string;
  resource_status: string;
  resource_status_reason: string | null;
  links: HeatLink[];
}
export interface HeatResource {
  resource_name: string;
  resource_type: string;
  resource_status: string;
  resource_status_reason: string | null;
  physical_resource_id: string;
  parent_resource?: string;
  links: HeatLink[];
  attributes?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}
/** One entry of an update preview (`resource_changes.*[]`). */
export interface PreviewResource {
  resource_name: string;
  resource_type: string;
  stack_name: string;
  parent_resource?: string;
  nested_stack_id?: { stack_name: string; stack_id: string };
}
export interface ResourceChanges {
  added: PreviewResource[];
  deleted: PreviewResource[];
  updated: PreviewResource[];
  replaced: PreviewResource[];
  unchanged: PreviewResource[];
}

/** What create/update/preview send: the main template, Heat's `files` map, the merged environment, parameters. */
export interface StackInput {
  template: object | string;
  files: Record<string, string>;
  environment: object;
  parameters: Record<string, unknown>;
}

const HEAT = 'orchestration';
const enc = encodeURIComponent;
const path = (ref: StackRef) => `/stacks/${enc(ref.name)}/${enc(ref.id)}`;

/** Stack id of a `stack` / `nested` link (`.../stacks/<name>/<id>`). */
export function linkStackId(links: HeatLink[] | undefined, rel: string): string | undefined {
  const href = links?.find((l) => l.rel === rel)?.href;
  const m = href?.match(/\/stacks\/([^/]+)\/([^/?]+)/);
  return m ? decodeURIComponent(m[2]) : undefined;
}
export function linkStackName(links: HeatLink[] | undefined, rel: string): string | undefined {
  const href = links?.find((l) => l.rel === rel)?.href;
  const m = href?.match(/\/stacks\/([^/]+)\/([^/?]+)/);
  return m ? decodeURIComponent(m[1]) : undefined;
}

export class HeatApi {
  constructor(readonly cloud: Requester) {}

  /** The stack by name or id, or undefined when Heat does not know it (a lookup by name answers 302). */
  async find(nameOrId: string): Promise<HeatStack | undefined> {
    const r = await this.cloud.request<{ stack?: HeatStack }>(HEAT, 'GET', `/stacks/${enc(nameOrId)}`, {
      okStatuses: [200, 404],
    });
    if (r.status === 404 || !r.data?.stack) return undefined;
    return withRef(r.data.stack);
  }

  async get(ref: StackRef): Promise<HeatStack> {
    const r = await this.cloud.request<{ stack: HeatStack }>(HEAT, 'GET', path(ref));
    return withRef(r.data.stack);
  }

  async list(): Promise<HeatStack[]> {
    const r = await this.cloud.request<{ stacks: HeatStack[] }>(HEAT, 'GET', '/stacks');
    return r.data.stacks.map(withRef);
  }

  async create(
    name: string,
    input: StackInput,
    opts: { timeoutMins?: number; disableRollback?: boolean } = {},
  ): Promise<StackRef> {
    const body: Record<string, unknown> = { stack_name: name, ...input, disable_rollback: opts.disableRollback ?? false };
    if (opts.timeoutMins) body.timeout_mins = opts.timeoutMins;
    const r = await this.cloud.request<{ stack: { id: string } }>(HEAT, 'POST', '/stacks', { body });
    return { id: r.data.stack.id, name };
  }

  /**
   * Update like `openstack stack update --existing` (PATCH): the template is replaced when given; environment,
   * files and parameters are merged into the stack's current ones, so parameters not given keep their values
   * (the app URL of the deployed bundle, hidden database URLs, sizes set by `scale --to`).
   */
  async update(ref: StackRef, input: StackInput, opts: { timeoutMins?: number; disableRollback?: boolean } = {}): Promise<void> {
    const body: Record<string, unknown> = { ...input };
    if (opts.disableRollback !== undefined) body.disable_rollback = opts.disableRollback;
    if (opts.timeoutMins) body.timeout_mins = opts.timeoutMins;
    await this.cloud.request(HEAT, 'PATCH', path(ref), { body });
  }

  /** PATCH with parameters only: keep template, environment and the other parameters. */
  async patchParameters(ref: StackRef, parameters: Record<string, unknown>): Promise<void> {
    await this.cloud.request(HEAT, 'PATCH', path(ref), { body: { parameters } });
  }

  /** What `update` (PATCH semantics) would change. */
  async previewUpdate(ref: StackRef, input: StackInput): Promise<ResourceChanges> {
    const r = await this.cloud.request<{ resource_changes: Partial<ResourceChanges> }>(HEAT, 'PATCH', `${path(ref)}/preview`, {
      body: input,
    });
    const c = r.data.resource_changes ?? {};
    return {
      added: c.added ?? [],
      deleted: c.deleted ?? [],
      updated: c.updated ?? [],
      replaced: c.replaced ?? [],
      unchanged: c.unchanged ?? [],
    };
  }

  async delete(ref: StackRef): Promise<void> {
    await this.cloud.request(HEAT, 'DELETE', path(ref), { okStatuses: [204, 200, 404] });
  }

  /** Events of the stack and (nestedDepth > 0) its nested stacks; [] once the stack is gone. */
  async events(ref: StackRef, nestedDepth = 0): Promise<HeatEvent[]> {
    const query: Record<string, unknown> = { limit: 10000 };
    if (nestedDepth) query.nested_depth = nestedDepth;
    const r = await this.cloud.request<{ events?: HeatEvent[] }>(HEAT, 'GET', `${path(ref)}/events`, {
      query,
      okStatuses: [200, 404],
    });
    return r.status === 404 ? [] : (r.data.events ?? []);
  }

  async resources(ref: StackRef, nestedDepth = 0): Promise<HeatResource[]> {
    const query: Record<string, unknown> = {};
    if (nestedDepth) query.nested_depth = nestedDepth;
    const r = await this.cloud.request<{ resources?: HeatResource[] }>(HEAT, 'GET', `${path(ref)}/resources`, {
      query,
      okStatuses: [200, 404],
    });
    return r.status === 404 ? [] : (r.data.resources ?? []);
  }

  async resource(ref: StackRef, name: string): Promise<HeatResource> {
    const r = await this.cloud.request<{ resource: HeatResource }>(HEAT, 'GET', `${path(ref)}/resources/${enc(name)}`);
    return r.data.resource;
  }

  async resourceMetadata(ref: StackRef, name: string): Promise<Record<string, unknown>> {
    const r = await this.cloud.request<{ metadata: Record<string, unknown> }>(
      HEAT,
      'GET',
      `${path(ref)}/resources/${enc(name)}/metadata`,
    );
    return r.data.metadata ?? {};
  }

  async signal(ref: StackRef, name: string, body?: unknown): Promise<void> {
    await this.cloud.request(HEAT, 'POST', `${path(ref)}/resources/${enc(name)}/signal`, { body: body ?? {} });
  }

  /** The stack's current template (as Heat stored it) - used to tell real changes from preview noise. */
  async template(ref: StackRef): Promise<Record<string, unknown>> {
    const r = await this.cloud.request<Record<string, unknown>>(HEAT, 'GET', `${path(ref)}/template`);
    return r.data;
  }

  async environment(ref: StackRef): Promise<Record<string, unknown>> {
    const r = await this.cloud.request<Record<string, unknown>>(HEAT, 'GET', `${path(ref)}/environment`);
    return r.data;
  }

  async files(ref: StackRef): Promise<Record<string, string>> {
    const r = await this.cloud.request<Record<string, string>>(HEAT, 'GET', `${path(ref)}/files`, { okStatuses: [200, 404] });
    return r.status === 404 ? {} : r.data;
  }
}

function withRef(s: HeatStack): HeatStack {
  return { ...s, id: s.id, name: s.stack_name };
}
