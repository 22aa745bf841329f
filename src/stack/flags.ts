// Flags shared by the lifecycle commands (declared once, spread into each command's `flags`).
import { Flags } from '@oclif/core';
import type { ApplyOptions } from './apply.js';
import { APPROVAL_POLICIES } from './approval.js';

export const stackFlag = Flags.string({
  char: 's',
  description: 'stack name or id (default: FAAFO_STACK_NAME, then the name in faafo-stack.yaml)',
});

export const inputFlags = {
  template: Flags.string({
    char: 't',
    description: 'use this HOT template (and the provider templates it references) instead of generating one',
  }),
  environment: Flags.string({
    char: 'e',
    multiple: true,
    description: 'extra Heat environment file, merged after the generated one (repeatable; later files win)',
  }),
  parameter: Flags.string({ multiple: true, description: 'template parameter KEY=VALUE (repeatable)' }),
};

export const waitFlags = {
  wait: Flags.boolean({
    allowNo: true,
    description: 'wait for the operation to finish, printing events (default: on when stdout is a terminal)',
    helpGroup: 'OUTPUT',
  }),
  timeout: Flags.integer({ description: 'stack timeout in minutes (Heat fails the operation after it); also bounds --wait', min: 1 }),
};

export const applyFlags = {
  ...waitFlags,
  // Like `openstack stack create`: a failed stack keeps its resources (the failed server and its boot log) unless
  // --rollback asks for them to be removed.
  rollback: Flags.boolean({
    allowNo: true,
    description: 'on failure, roll back (delete what the create made / restore the previous stack); default: keep failed resources for inspection',
  }),
  'outputs-file': Flags.string({
    description: 'write the stack outputs as JSON to this file ({"<stack>": {...}})',
    helpGroup: 'OUTPUT',
  }),
};

export const approvalFlag = Flags.string({
  description:
    'when to ask before applying: never | broadening (replacements, deletions, wider security groups) | any-change. Without a terminal, refuse instead of asking',
  options: [...APPROVAL_POLICIES],
  default: 'broadening',
});

/** --wait defaults to "stdout is a terminal" (CI logs and pipes get an immediate return unless --wait). */
export function shouldWait(flag: boolean | undefined): boolean {
  return flag ?? Boolean(process.stdout.isTTY);
}

/** What create and update pass to apply.ts from their applyFlags (read in one place for both commands). */
export function applyOptions(
  flags: { wait?: boolean; timeout?: number; rollback?: boolean; 'outputs-file'?: string },
  onEvent?: ApplyOptions['onEvent'],
): ApplyOptions {
  return {
    wait: shouldWait(flags.wait),
    timeoutMins: flags.timeout,
    disableRollback: !flags.rollback,
    outputsFile: flags['outputs-file'],
    onEvent,
  };
}
