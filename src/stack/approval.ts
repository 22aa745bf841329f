// When an update needs a human's yes (`--require-approval`), and asking for it - only ever on a terminal.
//   never       apply without asking
//   broadening  (default) ask before a resource is replaced or deleted (a group shrinking and a resource deleted
//               inside a nested stack count), a server rebuilt, or a security group opens wider
//   any-change  ask before any change at all
// Without a TTY there is nobody to ask: refuse (exit 2) and say how to proceed.
import { createInterface } from 'node:readline/promises';
import { UsageError } from '../lib/errors.js';
import type { StackDiff } from './diff.js';

export const APPROVAL_POLICIES = ['never', 'any-change', 'broadening'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

/** Why approval is needed (empty: go ahead). */
export function approvalReasons(policy: ApprovalPolicy, diff: StackDiff): string[] {
  if (policy === 'never') return [];
  const reasons: string[] = [];
  const named = new Set(diff.destructive.map((x) => x.resource));
  const replaced = diff.changes.filter((c) => c.action === 'replace' && !named.has(c.resource)).map((c) => c.resource);
  const deleted = diff.changes.filter((c) => c.action === 'delete').map((c) => c.resource);
  if (replaced.length) reasons.push(`replaces ${replaced.join(', ')}`);
  if (deleted.length) reasons.push(`deletes ${deleted.join(', ')}`);
  for (const w of diff.widening) reasons.push(`opens security group ${w.group} wider: ${w.rule}`);
  // a stateful server replaced or rebuilt, a group shrinking, a nested delete: said in full
  for (const x of diff.destructive) reasons.push(x.detail);
  if (policy === 'any-change' && !reasons.length && (diff.changes.length || diff.parameters.length)) {
    const n = diff.changes.length + diff.parameters.length;
    reasons.push(`${n} change(s)`);
  }
  return reasons;
}

export interface Prompter {
  interactive: boolean;
  ask(question: string): Promise<string>;
}

/** stdin + stderr when both stdin and stdout are terminals (so piped output never waits for input). */
export function terminalPrompter(): Prompter {
  return {
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/** Resolves when approved; throws a one-line UsageError (exit 2) when refused or when nobody can be asked. */
export async function requireApproval(
  what: string,
  reasons: string[],
  prompter: Prompter,
  hint = 'review `faafo-stack diff`, then rerun with --require-approval never',
): Promise<void> {
  if (!reasons.length) return;
  const summary = reasons.join('; ');
  if (!prompter.interactive) {
    throw new UsageError(`${what} needs approval (${summary}) and there is no terminal to ask`, hint);
  }
  const answer = (await prompter.ask(`${what} ${summary}. Proceed? [y/N] `)).trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') throw new UsageError(`${what} not approved; nothing was changed`);
}
