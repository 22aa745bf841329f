// Wait for a stack operation (create, update, delete) to finish while streaming its events.
// "Finished" = the stack left *_IN_PROGRESS for the operation's action (or a rollback of it). Heat sets
// IN_PROGRESS asynchronously after accepting an update, so the old *_COMPLETE is not taken as the end unless
// the stack was seen in progress or its updated_time moved.
import { FaafoError } from '../lib/errors.js';
import { HeatClient, type HeatStack, type StackRef } from '../openstack/heat.js';
import { EventPoller, type StackEvent } from './events.js';
import { NESTED_DEPTH } from './nested-paths.js';

export type StackAction = 'CREATE' | 'UPDATE' | 'DELETE';

export interface WatchResult {
  stack: HeatStack | undefined; // undefined: deleted and gone
  status: string;
  reason: string;
  ok: boolean;
  events: StackEvent[];
}

export interface WatchOptions {
  action: StackAction;
  /** updated_time before the operation was sent (update). */
  updatedBefore?: string | null;
  onEvent?: (e: StackEvent) => void;
  timeoutS?: number;
  pollMs?: number;
  poller?: EventPoller;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function watchStack(heat: HeatClient, ref: StackRef, opts: WatchOptions): Promise<WatchResult> {
  const poller = opts.poller ?? new EventPoller(heat, ref);
  const events: StackEvent[] = [];
  const deadline = Date.now() + (opts.timeoutS ?? 3600) * 1000;
  let sawProgress = false;
  const drain = async () => {
    for (const e of await poller.poll().catch(() => [] as StackEvent[])) {
      events.push(e);
      opts.onEvent?.(e);
    }
  };
  for (;;) {
    const stack = await heat.find(ref.id);
    await drain();
    if (!stack) {
      if (opts.action === 'DELETE') return { stack, status: 'DELETE_COMPLETE', reason: 'stack is gone', ok: true, events };
      throw new FaafoError(`stack ${ref.name} disappeared while waiting for ${opts.action}`);
    }
    const [action, state] = splitStatus(stack.stack_status);
    if (state === 'IN_PROGRESS') sawProgress = true;
    const ours = action === opts.action || action === 'ROLLBACK';
    const started =
      opts.action !== 'UPDATE' || sawProgress || (stack.updated_time ?? null) !== (opts.updatedBefore ?? null);
    if (ours && started && state !== 'IN_PROGRESS') {
      const ok = action === opts.action && state === 'COMPLETE';
      // The last events are written just after the status; after a failure Heat is still cancelling the
      // resources that were in progress: let them settle so every failure is reported.
      await sleep(300);
      await drain();
      if (!ok && opts.action !== 'DELETE') await settle(heat, ref, drain, opts.pollMs ?? 1000);
      return { stack, status: stack.stack_status, reason: stack.stack_status_reason ?? '', ok, events };
    }
    if (Date.now() > deadline) {
      throw new FaafoError(`timed out after ${opts.timeoutS}s waiting for ${opts.action} of stack ${ref.name} (now ${stack.stack_status})`, {
        hint: 'the operation continues in Heat; follow it with `faafo-stack events --follow`',
      });
    }
    await sleep(opts.pollMs ?? 1000);
  }
}

async function settle(heat: HeatClient, ref: StackRef, drain: () => Promise<void>, pollMs: number): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    const busy = (await heat.resources(ref, NESTED_DEPTH).catch(() => [])).some((r) => r.resource_status.endsWith('_IN_PROGRESS'));
    await drain();
    if (!busy) return;
    await sleep(pollMs);
  }
}

export function splitStatus(status: string): [string, string] {
  const i = status.indexOf('_');
  return i < 0 ? [status, ''] : [status.slice(0, i), status.slice(i + 1)];
}
