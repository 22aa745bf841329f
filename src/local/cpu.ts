// CPU use of a process from /proc/<pid>/stat (utime + stime, in clock ticks), like pidusage does on Linux:
// percent of one core between two readings. Threads (the renderer's pool) are included in the process's times.
import { readFileSync } from 'node:fs';
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

/** Remembers the last reading per pid and returns percent of one core since then. */
export class CpuMeter {
  private last = new Map<number, { cpu: number; ms: number }>();

  /** Percent of one core since the previous call for this pid (undefined on the first call or if gone). */
  sample(pid: number, nowMs = Date.now()): number | undefined {
    const cpu = cpuSeconds(pid);
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
