// Where a configuration value came from, so messages name what the user typed: `--max-api` or
// `api.max in faafo-stack.yaml`.
import path from 'node:path';
import { flagFor } from './flags.js';

export interface Origin {
  file?: string;
  fromFlag: Set<string>;
}

export function label(p: string, origin: Origin): string {
  const flag = flagFor(p);
  if (flag && origin.fromFlag.has(p)) return flag;
  return origin.file ? `${p} in ${path.basename(origin.file)}` : (flag ?? p);
}
