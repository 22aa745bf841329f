// A finding of the offline checks: where (file + dotted path), what, how bad.
export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  /** Stable identifier of the check, e.g. `ref.get_resource`, `alarm.threshold-unit`, `port.world-open`. */
  code: string;
  file: string;
  path: string;
  message: string;
}

export type Doc = Record<string, unknown>;

/** The generated set: the main template, its member templates (file name -> object) and the environment. */
export interface TemplateSet {
  main: string;
  templates: Record<string, Doc>;
  environment?: Doc;
}
