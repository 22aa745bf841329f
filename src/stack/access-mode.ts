// Which write mode a stack runs in (issue 15), for `status` (from the stack's parameters) and `doctor` (from the
// configuration): protected (creates and deletes need the stack's API key, results its workers' secret), or the
// operator's opt-ins: anonymous writes (the guide's tutorial setting) and legacy workers (the original worker,
// from the private subnet only).
export interface WriteAccess {
  mode: 'protected' | 'anonymous writes' | 'legacy workers' | 'anonymous writes + legacy workers';
  anonymousWrites: boolean;
  legacyWorkers: boolean;
  /** One line: what the mode lets in. */
  detail: string;
}

export function writeAccess(anonymousWrites: boolean, legacyWorkers: boolean): WriteAccess {
  const mode: WriteAccess['mode'] =
    anonymousWrites && legacyWorkers
      ? 'anonymous writes + legacy workers'
      : anonymousWrites
        ? 'anonymous writes'
        : legacyWorkers
          ? 'legacy workers'
          : 'protected';
  const parts = [
    anonymousWrites
      ? 'anyone may create and delete fractals (no API key needed)'
      : 'creates and deletes need the API key (faafo --api-key)',
    legacyWorkers
      ? 'results also from the original faafo worker, from the private subnet'
      : "results only from the stack's own workers",
    '/metrics only on the internal listener',
  ];
  return { mode, anonymousWrites, legacyWorkers, detail: parts.join('; ') };
}

/**
 * The mode from a stack's parameters (anonymous_writes / legacy_workers of the generated template); null for a
 * template without them (made before write protection, or by hand): its writes are open unless its servers say
 * otherwise.
 */
export function writeAccessOf(parameters: Record<string, string> | undefined): WriteAccess | null {
  const a = parameters?.anonymous_writes;
  if (a === undefined) return null;
  return writeAccess(a === 'allow', parameters?.legacy_workers === 'allow');
}

export function formatWriteAccess(a: WriteAccess | null): string {
  if (!a) return 'writes: not protected by this template (no anonymous_writes parameter): regenerate to get an API key';
  return `writes: ${a.mode} (${a.detail})`;
}
