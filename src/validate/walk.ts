// Walks a HOT value and reports every intrinsic function call with its dotted path.
export interface Call {
  fn: string;
  args: unknown;
  path: string;
}

export function* intrinsics(value: unknown, path: string): Generator<Call> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* intrinsics(value[i], `${path}[${i}]`);
    return;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (
      entries.length === 1 &&
      /^(get_|list_join|str_replace|yaql|if|equals|repeat|map_merge|digest|str_split|filter|contains)/.test(
        entries[0][0],
      )
    ) {
      yield { fn: entries[0][0], args: entries[0][1], path };
    }
    for (const [k, v] of entries) yield* intrinsics(v, path ? `${path}.${k}` : k);
  }
}

export const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
