// Heat (orchestration) REST calls over Cloud.request: validate, preview, create/update/delete, lookups, events,
// resources, metadata, signals, outputs, and waiting for a status. Stacks are addressed as `name/id` for
// sub-resources (Heat answers 404 for `name/resources/...`), so lookups return both.
import type { Cloud, RequestOptions, Response } from './cloud.js';
import { OpenStackError } from './errors.js';

const HEAT = 'orchestration';
type Dict = Record<string, unknown>;

export interface StackInput {
  template: string | object;
  files?: Record<string, string>;
  environment?: object | string;
  parameters?: Record<string, unknown>;
}
export interface StackOptions extends StackInput {
  timeoutMins?: number;
  disableRollback?: boolean;
  /** PATCH semantics (`stack update --existing`) */
  existing?: boolean;
}
export interface StackInfo {
  id: string;
  name: string;
  status: string;
  reason: string;
  stack_name: string;
  stack_status: string;
  stack_status_reason: string;
  creation_time?: string;
  updated_time?: string | null;
  parameters?: Record<string, string>;
  outputs?: { output_key: string; output_value: unknown; description?: string; output_error?: string }[];
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
  links: { href: string; rel: string }[];
}
export interface HeatResource {
  resource_name: string;
  resource_type: string;
  resource_status: string;
  resource_status_reason: string | null;
  physical_resource_id: string;
  parent_resource?: string;
  links: { href: string; rel: string }[];
  [k: string]: unknown;
}
export type StackRef = string | { id: string; name: string } | { id: string; stack_name: string };

const enc = encodeURIComponent;

function refPath(ref: { id: string; name?: string; stack_name?: string }): string {
  return `/stacks/${enc(ref.name ?? ref.stack_name ?? ref.id)}/${enc(ref.id)}`;
}

function body(input: StackInput & { name?: string }, extra: Record<string, unknown> = {}): Record<string, unknown> {
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

export class HeatClient {
  constructor(private readonly cloud: Cloud) {}

  private req<T>(method: string, path: string, opts?: RequestOptions): Promise<Response<T>> {
    return this.cloud.request<T>(HEAT, method, path, opts);
  }

  /** `name/id` of a stack, looking it up when only a name or id is given. */
  private async ref(stack: StackRef): Promise<{ id: string; name: string }> {
    if (typeof stack !== 'string') return { id: stack.id, name: 'name' in stack ? stack.name : stack.stack_name };
    const s = await this.findStack(stack);
    if (!s)
      throw new OpenStackError(`stack ${stack} not found`, {
        status: 404,
        hint: '`faafo-stack list` shows your stacks',
      });
    return { id: s.id, name: s.name };
  }

  async validate(input: StackInput): Promise<Record<string, unknown>> {
    const b = body(input);
    return (await this.req<Record<string, unknown>>('POST', '/validate', { body: b })).data;
  }

  /** POST /stacks/preview: what a create would make (checks nested templates and required properties). */
  async preview(
    input: StackInput & { name: string; timeoutMins?: number; disableRollback?: boolean },
  ): Promise<Record<string, unknown>> {
    const b = body(input, { timeout_mins: input.timeoutMins, disable_rollback: input.disableRollback ?? true });
    return (await this.req<{ stack: Record<string, unknown> }>('POST', '/stacks/preview', { body: b })).data.stack;
  }

  async createStack(opts: StackOptions & { name: string }): Promise<{ id: string; name: string }> {
    const b = body(opts, { timeout_mins: opts.timeoutMins, disable_rollback: opts.disableRollback ?? false });
    const r = await this.req<{ stack: { id: string } }>('POST', '/stacks', { body: b });
    return { id: r.data.stack.id, name: opts.name };
  }

  async findStack(nameOrId: string): Promise<StackInfo | undefined> {
    const r = await this.req<{ stack?: Dict }>('GET', `/stacks/${enc(nameOrId)}`, { okStatuses: [200, 404] });
    // Heat still answers for a deleted stack (soft delete) by name or id: gone is gone.
    if (r.status === 404 || !r.data?.stack || r.data.stack.stack_status === 'DELETE_COMPLETE') return undefined;
    return toInfo(r.data.stack);
  }

  async getStack(stack: StackRef): Promise<StackInfo> {
    const ref = await this.ref(stack);
    return toInfo((await this.req<{ stack: Dict }>('GET', refPath(ref))).data.stack);
  }

  async listStacks(query?: Record<string, unknown>): Promise<StackInfo[]> {
    return (await this.req<{ stacks: Dict[] }>('GET', '/stacks', { query })).data.stacks.map(toInfo);
  }

  async previewUpdate(stack: StackRef, opts: StackOptions): Promise<Record<string, unknown[]>> {
    const ref = await this.ref(stack);
    const method = opts.existing ? 'PATCH' : 'PUT';
    const r = await this.req<{ resource_changes: Record<string, unknown[]> }>(method, `${refPath(ref)}/preview`, {
      body: body(opts, { timeout_mins: opts.timeoutMins, disable_rollback: opts.disableRollback }),
    });
    return r.data.resource_changes;
  }

  /** PUT (full update) or, with `existing: true`, PATCH (keep the template, change parameters). */
  async updateStack(
    stack: StackRef,
    opts: Omit<StackOptions, 'template'> & { template?: StackInput['template'] },
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
  async deleteStack(stack: StackRef): Promise<void> {
    let ref: { id: string; name: string };
    try {
      ref = await this.ref(stack);
    } catch (e) {
      if ((e as OpenStackError).status === 404) return;
      throw e;
    }
    await this.req('DELETE', refPath(ref), { okStatuses: [200, 204, 404] });
  }

  async events(
    stack: StackRef,
    opts: { nestedDepth?: number; marker?: string; limit?: number } = {},
  ): Promise<HeatEvent[]> {
    const ref = await this.ref(stack);
    const query: Record<string, unknown> = { sort_dir: 'asc', sort_keys: 'created_at' };
    if (opts.nestedDepth) query.nested_depth = opts.nestedDepth;
    if (opts.marker) query.marker = opts.marker;
    if (opts.limit) query.limit = opts.limit;
    return (await this.req<{ events: HeatEvent[] }>('GET', `${refPath(ref)}/events`, { query })).data.events ?? [];
  }

  async resources(stack: StackRef, opts: { nestedDepth?: number } = {}): Promise<HeatResource[]> {
    const ref = await this.ref(stack);
    const query = opts.nestedDepth ? { nested_depth: opts.nestedDepth } : undefined;
    return (
      (await this.req<{ resources: HeatResource[] }>('GET', `${refPath(ref)}/resources`, { query })).data.resources ??
      []
    );
  }

  async resource(stack: StackRef, name: string): Promise<HeatResource> {
    const ref = await this.ref(stack);
    return (await this.req<{ resource: HeatResource }>('GET', `${refPath(ref)}/resources/${enc(name)}`)).data.resource;
  }

  async resourceMetadata(stack: StackRef, resource: string): Promise<Record<string, unknown>> {
    const ref = await this.ref(stack);
    return (
      (
        await this.req<{ metadata: Record<string, unknown> }>(
          'GET',
          `${refPath(ref)}/resources/${enc(resource)}/metadata`,
        )
      ).data.metadata ?? {}
    );
  }

  /** POST .../resources/<r>/signal (scaling policies, wait handles); Heat answers at once, work is async. */
  async signal(stack: StackRef, resource: string, data?: unknown): Promise<void> {
    const ref = await this.ref(stack);
    await this.req('POST', `${refPath(ref)}/resources/${enc(resource)}/signal`, { body: data ?? {} });
  }

  /** Outputs as key -> value (output_error entries are reported as `{error}` values). */
  async outputs(stack: StackRef): Promise<Record<string, unknown>> {
    const s = await this.getStack(stack);
    const out: Record<string, unknown> = {};
    for (const o of s.outputs ?? []) out[o.output_key] = o.output_error ? { error: o.output_error } : o.output_value;
    return out;
  }

  async template(stack: StackRef): Promise<Record<string, unknown>> {
    const ref = await this.ref(stack);
    return (await this.req<Record<string, unknown>>('GET', `${refPath(ref)}/template`)).data;
  }

  /**
   * Poll until the stack's status is one of `until` (or a *_FAILED one); calls onEvent for every new event.
   * Resolves with the final stack; rejects after timeoutS with the last status.
   */
  async waitFor(
    stack: StackRef,
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
        const evs = await this.events(ref, { nestedDepth: opts.nestedDepth }).catch(() => [] as HeatEvent[]);
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
