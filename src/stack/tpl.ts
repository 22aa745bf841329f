// The parts of a HOT template the lifecycle reads (resources and parameter declarations), parsed from YAML text.
import { load } from 'js-yaml';

export interface Tpl {
  resources?: Record<string, unknown>;
  parameters?: Record<string, { type?: string; default?: unknown; hidden?: boolean }>;
  outputs?: Record<string, unknown>;
}

export function parseTemplate(t: object | string): Tpl {
  return (typeof t === 'string' ? (load(t) as Tpl) : (t as Tpl)) ?? {};
}
