// A typed model of the parts of HOT (Heat Orchestration Template) the generator writes, and helpers for the
// intrinsic functions. Builders return plain objects; yaml.ts serializes them in insertion order.

export type Intrinsic =
  | { get_param: string | [string, ...(string | number)[]] }
  | { get_resource: string }
  | { get_attr: [string, ...(string | number)[]] }
  | { list_join: [string, Value[]] }
  | { str_replace: { template: string; params: Record<string, Value> } }
  | { yaql: { expression: string; data: Record<string, Value> } };

export type Value = string | number | boolean | null | Intrinsic | Value[] | { [k: string]: Value };

export interface ParameterConstraint {
  custom_constraint?: string;
  allowed_pattern?: string;
  allowed_values?: (string | number)[];
  range?: { min?: number; max?: number };
  length?: { min?: number; max?: number };
  description?: string;
}

export interface Parameter {
  type: 'string' | 'number' | 'json' | 'comma_delimited_list' | 'boolean';
  label?: string;
  description?: string;
  default?: Value;
  hidden?: boolean;
  constraints?: ParameterConstraint[];
}

export interface Resource {
  type: string;
  /** name of an entry of the template's `conditions`: the resource exists only when it holds */
  condition?: string;
  depends_on?: string[];
  properties?: Record<string, Value>;
  metadata?: Record<string, Value>;
}

export interface Output {
  description?: string;
  value: Value;
}

export interface Template {
  heat_template_version: string;
  description: string;
  parameters: Record<string, Parameter>;
  resources: Record<string, Resource>;
  outputs: Record<string, Output>;
  conditions?: Record<string, Value>;
}

export const HOT_VERSION = '2018-08-31';

export const param = (name: string): Intrinsic => ({ get_param: name });
export const ref = (name: string): Intrinsic => ({ get_resource: name });
export const attr = (resource: string, ...path: (string | number)[]): Intrinsic => ({ get_attr: [resource, ...path] });
export const join = (parts: Value[], sep = ''): Intrinsic => ({ list_join: [sep, parts] });
export const strReplace = (template: string, params: Record<string, Value>): Intrinsic => ({
  str_replace: { template, params },
});
export const STACK_ID = param('OS::stack_id');
export const STACK_NAME = param('OS::stack_name');

/** A template part: what one builder contributes (merged by synth.ts in a fixed order). */
export interface Part {
  parameters?: Record<string, Parameter>;
  resources?: Record<string, Resource>;
  outputs?: Record<string, Output>;
  conditions?: Record<string, Value>;
}

export function merge(into: Template, part: Part): void {
  if (part.conditions) into.conditions ??= {};
  for (const key of ['parameters', 'resources', 'outputs', 'conditions'] as const) {
    if (!part[key]) continue;
    const target = (into[key] ?? {}) as Record<string, unknown>;
    for (const [name, v] of Object.entries(part[key] ?? {})) {
      if (key === 'conditions' && name in target) continue; // a shared condition, same meaning
      if (name in target) throw new Error(`internal: duplicate ${key} entry ${name}`);
      target[name] = v;
    }
  }
}
