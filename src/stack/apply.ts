// Create, update and delete a stack and (optionally) wait for the end, collecting what the commands print:
// streamed events, the failure summary, the outputs. The commands only format this result.
import { FaafoError, UsageError } from '../lib/errors.js';
import { HeatClient, type HeatStack, type StackInput, type StackRef } from '../openstack/heat.js';
import { EventPoller, type StackEvent } from './events.js';
import { collectFailures, type FailedResource } from './failures.js';
import { stackOutputs, writeOutputsFile } from './outputs.js';
import { watchStack, type StackAction } from './watch.js';

/** The stable `--json` shape of create/update/delete. */
export interface ApplyResult {
  stack: { id: string; name: string; status: string; reason: string };
  action: StackAction;
  waited: boolean;
  ok: boolean;
  events: StackEvent[];
  failures: FailedResource[];
  outputs: Record<string, unknown>;
  outputsFile?: string;
}

export interface ApplyOptions {
  wait: boolean;
  timeoutMins?: number;
  disableRollback?: boolean;
  outputsFile?: string;
  onEvent?: (e: StackEvent) => void;
  pollMs?: number;
}

export async function createStack(heat: HeatClient, name: string, input: StackInput, opts: ApplyOptions): Promise<ApplyResult> {
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,254}$/.test(name)) {
    throw new UsageError(`invalid stack name "${name}"`, 'start with a letter; letters, digits, _ . - only');
  }
  const existing = await heat.find(name);
  if (existing) {
    throw new UsageError(`stack ${name} already exists (${existing.stack_status})`, 'use `faafo-stack update` to change it');
  }
  const ref = await heat.createStack({ name, ...input, timeoutMins: opts.timeoutMins, disableRollback: opts.disableRollback });
  return finish(heat, ref, 'CREATE', opts, null, undefined);
}

export async function updateStack(heat: HeatClient, stack: HeatStack, input: StackInput, opts: ApplyOptions): Promise<ApplyResult> {
  const poller = new EventPoller(heat, stack);
  if (opts.wait) await poller.skipExisting();
  await heat.updateStack(stack, { ...input, existing: true, timeoutMins: opts.timeoutMins, disableRollback: opts.disableRollback });
  return finish(heat, stack, 'UPDATE', opts, stack.updated_time, poller);
}

export async function deleteStack(heat: HeatClient, stack: HeatStack, opts: ApplyOptions): Promise<ApplyResult> {
  const poller = new EventPoller(heat, stack);
  if (opts.wait) await poller.skipExisting();
  await heat.deleteStack(stack);
  return finish(heat, stack, 'DELETE', opts, stack.updated_time, poller);
}

async function finish(
  heat: HeatClient,
  ref: StackRef,
  action: StackAction,
  opts: ApplyOptions,
  updatedBefore: string | null | undefined,
  poller: EventPoller | undefined,
): Promise<ApplyResult> {
  if (!opts.wait) {
    const s = await heat.find(ref.id);
    return {
      stack: { id: ref.id, name: ref.name, status: s?.stack_status ?? `${action}_IN_PROGRESS`, reason: s?.stack_status_reason ?? '' },
      action,
      waited: false,
      ok: true,
      events: [],
      failures: [],
      outputs: {},
    };
  }
  const w = await watchStack(heat, ref, {
    action,
    updatedBefore,
    onEvent: opts.onEvent,
    poller,
    pollMs: opts.pollMs,
    // Heat's own timeout fails the stack; leave it a minute to say so before giving up here.
    timeoutS: opts.timeoutMins ? opts.timeoutMins * 60 + 60 : undefined,
  });
  const result: ApplyResult = {
    stack: { id: ref.id, name: ref.name, status: w.status, reason: w.reason },
    action,
    waited: true,
    ok: w.ok,
    events: w.events,
    failures: [],
    outputs: {},
  };
  if (!w.ok && w.stack) result.failures = await collectFailures(heat, ref, w.events);
  if (w.ok && action !== 'DELETE' && w.stack) {
    result.outputs = stackOutputs(await heat.getStack(ref));
    if (opts.outputsFile) result.outputsFile = await writeOutputsFile(opts.outputsFile, ref.name, result.outputs);
  }
  return result;
}

/** For callers that must fail after printing: the one line of a failed operation. */
export function failureError(r: ApplyResult): FaafoError {
  return new FaafoError(`stack ${r.stack.name} ${r.stack.status}: ${r.stack.reason.replace(/\s+/g, ' ')}`);
}
