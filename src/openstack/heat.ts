// The one Heat (orchestration) REST client: validate, preview, create/update/delete, lookups, events, resources,
// metadata, signals, outputs, the stored template/environment/files, and waiting for a status. Everything that
// talks to Heat (`cloud.heat`, the stack lifecycle in src/stack, commands, validate, load) goes through it, so the
// API's quirks are handled once: stacks are addressed as `name/id` for sub-resources (Heat answers 404 for
// `name/resources/...`), a lookup by name answers 302, and a soft-deleted stack still answers a lookup by id.

import { OpenStackError } from './errors.js';

const HEAT = 'orchestration';
type Dict = Record<string, unknown>;

/** The part of src/openstack's Cloud this client uses (structural, so tests can pass any requester). */
export interface Requester {
  request<T>(
    serviceType: string,
    method: string,
    path: string,
    opts?: {
      body?: unknown;
      headers?: Record<string, string>;
      query?: Record<string, unknown>;
      okStatuses?: number[];
      maxRedirects?: number;
    },
  ): Promise<{ status: number; data: T; headers: Record<string, string> }>;
}

/** A template with its optional companions, as validate/preview/create/update send them. */
export interface TemplateInput {
  template: string | object;
  files?: Record<string, string>;
  environment?: object | string;
  parameters?: Record<string, unknown>;
}
/** What the stack lifecycle sends: the main template, Heat's `files` map, the merged environment, parameters. */
export interface StackInput extends TemplateInput {
  template: object | string;
  files: Record<string, string>;
  environment: object;
  parameters: Record<string, unknown>;
}
export interface StackOptions extends TemplateInput {
  timeoutMins?: number;
  disableRollback?: boolean;
  /** PATCH semantics (`stack update --existing`) */
  existing?: boolean;
}

/** A stack's identity: sub-resources need `name/id`. */
export interface StackRef {
  id: string;
  name: string;
}
/** Anything a method can address a stack by: name or id (looked up), or a ref/stack object. */
export type StackLike = string | StackRef | { id: string; stack_name: string };

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
/** A stack as the lookups return it: Heat's fields plus short `status`/`reason` aliases. */
export interface StackInfo extends HeatStack {
  status: string;
  reason: string;
  [k: string]: unknown;
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
  [k: string]: unknown;
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
  [k: string]: PreviewResource[];
}

/** `nested_depth` given as a number or as `{ nestedDepth }`. */
type Depth = number | { nestedDepth?: number };

const enc = encodeURIComponent;

function refPath(ref: StackRef): string {
  return `/stacks/${enc(ref.name)}/${enc(ref.id)}`;
}

function depthOf(d: Depth | undefined): number {
  return typeof d === 'number' ? d : (d?.nestedDepth ?? 0);
}

function body(input: TemplateInput & { name?: string }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const b: Record<string, unknown> = { template: input.template, ...extra };
  if (input.name) b.stack_name = input.name;
  if (input.files) b.files = input.files;
  if (input.environment !== undefined) b.environment = input.environment;
  if (input.parameters) b.parameters = input.parameters;
  return b;
}

function toInfo(s: Dict): StackInfo {
  return {
    ...s,
    id: s.id,
    name: s.stack_name,
    status: s.stack_status,
    reason: s.stack_status_reason ?? '',
  } as StackInfo;
}

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

export class HeatClient {
  constructor(readonly cloud: Requester) {}

  private req<T>(method: string, path: string, opts?: Parameters<Requester['request']>[3]) {
    return this.cloud.request<T>(HEAT, method, path, opts);
  }

  /** `name/id` of a stack, looking it up when only a name or id is given. */
  private async ref(stack: StackLike): Promise<StackRef> {
    if (typeof stack !== 'string') return { id: stack.id, name: 'name' in stack ? stack.name : stack.stack_name };
    const s = await this.findStack(stack);
    if (!s)
      throw new OpenStackError(`stack ${stack} not found`, {
        status: 404,
        hint: '`faafo-stack list` shows your stacks',
      });
    return { id: s.id, name: s.name };
  }

  async validate(input: TemplateInput): Promise<Record<string, unknown>> {
    return (await this.req<Record<string, unknown>>('POST', '/validate', { body: body(input) })).data;
  }

  /** POST /stacks/preview: what a create would make (checks nested templates and required properties). */
  async preview(
    input: TemplateInput & { name: string; timeoutMins?: number; disableRollback?: boolean },
  ): Promise<Record<string, unknown>> {
    const b = body(input, { timeout_mins: input.timeoutMins, disable_rollback: input.disableRollback ?? true });
    return (await this.req<{ stack: Record<string, unknown> }>('POST', '/stacks/preview', { body: b })).data.stack;
  }

  async createStack(opts: StackOptions & { name: string }): Promise<StackRef> {
    const b = body(opts, { timeout_mins: opts.timeoutMins, disable_rollback: opts.disableRollback ?? false });
    const r = await this.req<{ stack: { id: string } }>('POST', '/stacks', { body: b });
    return { id: r.data.stack.id, name: opts.name };
  }

  /**
   * The stack by name or id as Heat answers it, or undefined when Heat does not know it (a lookup by name
   * answers 302). A soft-deleted stack looked up by id comes back as DELETE_COMPLETE: see findStack.
   */
  async find(nameOrId: string): Promise<StackInfo | undefined> {
    const r = await this.req<{ stack?: Dict }>('GET', `/stacks/${enc(nameOrId)}`, { okStatuses: [200, 404] });
    if (r.status === 404 || !r.data?.stack) return undefined;
    return toInfo(r.data.stack);
  }

  /** Like find, but a DELETE_COMPLETE (soft-deleted) stack counts as gone. */
  async findStack(nameOrId: string): Promise<StackInfo | undefined> {
    const s = await this.find(nameOrId);
    return s && s.stack_status !== 'DELETE_COMPLETE' ? s : undefined;
  }

  async getStack(stack: StackLike): Promise<StackInfo> {
    const ref = await this.ref(stack);
    return toInfo((await this.req<{ stack: Dict }>('GET', refPath(ref))).data.stack);
  }

  async listStacks(query?: Record<string, unknown>): Promise<StackInfo[]> {
    return (await this.req<{ stacks: Dict[] }>('GET', '/stacks', { query })).data.stacks.map(toInfo);
  }

  /** What an update would change: PATCH preview with `existing: true` (like update --existing), else PUT. */
  async previewUpdate(stack: StackLike, opts: StackOptions): Promise<ResourceChanges> {
    const ref = await this.ref(stack);
    const method = opts.existing ? 'PATCH' : 'PUT';
    const r = await this.req<{ resource_changes?: Partial<ResourceChanges> }>(method, `${refPath(ref)}/preview`, {
      body: body(opts, { timeout_mins: opts.timeoutMins, disable_rollback: opts.disableRollback }),
    });
    const c = r.data.resource_changes ?? {};
    return {
      ...c,
      added: c.added ?? [],
      deleted: c.deleted ?? [],
      updated: c.updated ?? [],
      replaced: c.replaced ?? [],
      unchanged: c.unchanged ?? [],
    };
  }

  /**
   * PUT (full update) or, with `existing: true`, PATCH like `openstack stack update --existing`: the template is
   * replaced when given; environment, files and parameters are merged into the stack's current ones, so
   * parameters not given keep their values. Without a template, PATCH changes parameters only.
   */
  async updateStack(
    stack: StackLike,
    opts: Omit<StackOptions, 'template'> & { template?: TemplateInput['template'] },
  ): Promise<void> {
    const ref = await this.ref(stack);
    const b = !opts.template
      ? { parameters: opts.parameters ?? {}, timeout_mins: opts.timeoutMins }
      : body(
          { ...opts, template: opts.template },
          { timeout_mins: opts.timeoutMins, disable_rollback: opts.disableRollback },
        );
    if (!opts.template && !opts.existing)
      throw new OpenStackError('updateStack without a template needs existing: true (PATCH)');
    await this.req(opts.existing ? 'PATCH' : 'PUT', refPath(ref), { body: b });
  }

  /** DELETE; an already-gone stack is not an error. */
  async deleteStack(stack: StackLike): Promise<void> {
    let ref: StackRef;
    try {
      ref = await this.ref(stack);
    } catch (e) {
      if ((e as OpenStackError).status === 404) return;
      throw e;
    }
    await this.req('DELETE', refPath(ref), { okStatuses: [200, 204, 404] });
  }

  /**
   * Events of the stack and (nestedDepth > 0) its nested stacks; [] once the stack is gone. Heat lists newest
   * first unless `oldestFirst`; the limit defaults high so a big stack's history is not cut.
   */
  async events(
    stack: StackLike,
    opts: number | { nestedDepth?: number; marker?: string; limit?: number; oldestFirst?: boolean } = {},
  ): Promise<HeatEvent[]> {
    const ref = await this.ref(stack);
    const o = typeof opts === 'number' ? {} : opts;
    const query: Record<string, unknown> = { limit: o.limit ?? 10000 };
    if (o.oldestFirst) Object.assign(query, { sort_dir: 'asc', sort_keys: 'created_at' });
    const depth = depthOf(opts);
    if (depth) query.nested_depth = depth;
    if (o.marker) query.marker = o.marker;
    const r = await this.req<{ events?: HeatEvent[] }>('GET', `${refPath(ref)}/events`, {
      query,
      okStatuses: [200, 404],
    });
    return r.status === 404 ? [] : (r.data.events ?? []);
  }

  /** Resources of the stack and (nestedDepth > 0) its nested stacks; [] once the stack is gone. */
  async resources(stack: StackLike, depth: Depth = 0): Promise<HeatResource[]> {
    const ref = await this.ref(stack);
    const d = depthOf(depth);
    const query = d ? { nested_depth: d } : {};
    const r = await this.req<{ resources?: HeatResource[] }>('GET', `${refPath(ref)}/resources`, {
      query,
      okStatuses: [200, 404],
    });
    return r.status === 404 ? [] : (r.data.resources ?? []);
  }

  async resource(stack: StackLike, name: string): Promise<HeatResource> {
    const ref = await this.ref(stack);
    return (await this.req<{ resource: HeatResource }>('GET', `${refPath(ref)}/resources/${enc(name)}`)).data.resource;
  }

  async resourceMetadata(stack: StackLike, resource: string): Promise<Record<string, unknown>> {
    const ref = await this.ref(stack);
    const path = `${refPath(ref)}/resources/${enc(resource)}/metadata`;
    return (await this.req<{ metadata: Record<string, unknown> }>('GET', path)).data.metadata ?? {};
  }

  /** POST .../resources/<r>/signal (scaling policies, wait handles); Heat answers at once, work is async. */
  async signal(stack: StackLike, resource: string, data?: unknown): Promise<void> {
    const ref = await this.ref(stack);
    await this.req('POST', `${refPath(ref)}/resources/${enc(resource)}/signal`, { body: data ?? {} });
  }

  /** Outputs as key -> value (output_error entries are reported as `{error}` values). */
  async outputs(stack: StackLike): Promise<Record<string, unknown>> {
    const s = await this.getStack(stack);
    const out: Record<string, unknown> = {};
    for (const o of s.outputs ?? []) out[o.output_key] = o.output_error ? { error: o.output_error } : o.output_value;
    return out;
  }

  /** The stack's current template (as Heat stored it) - used to tell real changes from preview noise. */
  async template(stack: StackLike): Promise<Record<string, unknown>> {
    const ref = await this.ref(stack);
    return (await this.req<Record<string, unknown>>('GET', `${refPath(ref)}/template`)).data;
  }

  async environment(stack: StackLike): Promise<Record<string, unknown>> {
    const ref = await this.ref(stack);
    return (await this.req<Record<string, unknown>>('GET', `${refPath(ref)}/environment`)).data;
  }

  /** The stack's `files` map ({} when Heat has none for it). */
  async files(stack: StackLike): Promise<Record<string, string>> {
    const ref = await this.ref(stack);
    const r = await this.req<Record<string, string>>('GET', `${refPath(ref)}/files`, { okStatuses: [200, 404] });
    return r.status === 404 ? {} : r.data;
  }

  /**
   * Poll until the stack's status is one of `until` (or a *_FAILED one); calls onEvent for every new event.
   * Resolves with the final stack; rejects after timeoutS with the last status.
   */
  async waitFor(
    stack: StackLike,
    opts: {
      until: string[];
      onEvent?: (e: HeatEvent) => void;
      timeoutS?: number;
      intervalMs?: number;
      nestedDepth?: number;
    },
  ): Promise<StackInfo | undefined> {
    const ref = await this.ref(stack);
    const deadline = Date.now() + (opts.timeoutS ?? 3600) * 1000;
    const seen = new Set<string>();
    const interval = opts.intervalMs ?? 1000;
    for (;;) {
      const r = await this.req<{ stack?: Dict }>('GET', refPath(ref), { okStatuses: [200, 404] });
      const s = r.status === 404 || !r.data?.stack ? undefined : toInfo(r.data.stack);
      if (opts.onEvent) {
        const evs = await this.events(ref, { nestedDepth: opts.nestedDepth, oldestFirst: true }).catch(
          () => [] as HeatEvent[],
        );
        for (const e of evs) {
          if (seen.has(e.id)) continue;
          seen.add(e.id);
          opts.onEvent(e);
        }
      }
      if (!s) {
        if (opts.until.includes('DELETE_COMPLETE')) return undefined;
        throw new OpenStackError(`stack ${ref.name} disappeared while waiting for ${opts.until.join('/')}`);
      }
      if (opts.until.includes(s.status) || s.status.endsWith('_FAILED')) return s;
      if (Date.now() > deadline) {
        throw new OpenStackError(
          `stack ${ref.name} is still ${s.status} after ${opts.timeoutS} s (waiting for ${opts.until.join('/')})`,
        );
      }
      await new Promise((res) => setTimeout(res, interval));
    }
  }
}
