// CPU use of a process from /proc/<pid>/stat (utime + stime, in clock ticks), like pidusage does on Linux:
// percent of one core between two readings. Threads (the renderer's pool) are included in the process's times.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU seconds used so far by pid, or undefined when the process is gone. */
export function cpuSeconds(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / ticksPerSecond();
}

/**
 * CPU demand of pid so far, in seconds: time its threads ran plus time they waited, runnable, for a core
 * (/proc/<pid>/task/<tid>/schedstat, fields 1 and 2, nanoseconds). On a machine where more processes want the CPU
 * than there are cores, a busy process gets only a share of a core; its demand still shows how loaded it is.
 */
export function cpuDemandSeconds(pid: number): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      ns += (run ?? 0) + (wait ?? 0);
    } catch {
      /* thread ended between readdir and read */
    }
  }
  return ns / 1e9;
}

export type CpuMeasure = 'used' | 'demand';

/** Remembers the last reading per pid and returns percent of one core since then. */
export class CpuMeter {
  private last = new Map<number, { cpu: number; ms: number }>();

  constructor(readonly measure: CpuMeasure = 'used') {}

  /** Percent of one core since the previous call for this pid (undefined on the first call or if gone). */
  sample(pid: number, nowMs = Date.now()): number | undefined {
    const cpu = this.measure === 'demand' ? cpuDemandSeconds(pid) : cpuSeconds(pid);
    if (cpu === undefined) {
      this.last.delete(pid);
      return undefined;
    }
    const prev = this.last.get(pid);
    this.last.set(pid, { cpu, ms: nowMs });
    if (!prev || nowMs <= prev.ms) return undefined;
    return ((cpu - prev.cpu) / ((nowMs - prev.ms) / 1000)) * 100;
  }

  forget(pid: number): void {
    this.last.delete(pid);
  }
}
