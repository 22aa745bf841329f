// The state file of a running `faafo-stack local up` (.faafo/local/state.json under the folder it runs in): how
// `local status`, `local down` and `load` find the run, its URLs and its tiers. Written atomically (rename).
import { readFile, rename, writeFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DecisionRecord } from './tier.js';

export interface TierView {
  name: string;
  size: number;
  min: number;
  max: number;
  metric: string;
  /** Last metric value (CPU percent of one core, or backlog per worker). */
  value: number | null;
  cooldownEndsAt: string | null;
  /** The tier's last evaluation, quiet ones too (the live page shows its reason; the decision list only changes). */
  lastDecision?: { at: string; action: string; reason: string } | null;
  scalingInProgress: boolean;
  members: { name: string; pid: number; port?: number; createdAt: string; cpu: number | null; healthy?: boolean }[];
}

export interface LocalState {
  pid: number;
  startedAt: string;
  appUrl: string;
  controlUrl: string;
  databaseUrl: string;
  queueUrl: string;
  imageUrl: string;
  tiers: TierView[];
  decisions: DecisionRecord[];
}

export const stateDirOf = (cwd: string) => path.join(cwd, '.faafo', 'local');
export const stateFileOf = (cwd: string) => path.join(stateDirOf(cwd), 'state.json');

export async function writeState(file: string, s: LocalState): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(s, null, 2) + '\n');
  await rename(tmp, file);
}

export async function removeState(file: string): Promise<void> {
  await rm(file, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The run in this folder, if its supervisor is alive (a stale file from a crashed run is ignored). */
export async function findLocalRun(cwd: string): Promise<LocalState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFileOf(cwd), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as LocalState;
    return alive(s.pid) ? s : undefined;
  } catch {
    return undefined;
  }
}
