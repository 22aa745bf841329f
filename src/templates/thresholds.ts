// CPU percent -> Gnocchi threshold. The `cpu` metric is cumulative CPU time in nanoseconds (all vCPUs of the
// server together); `rate:mean` at granularity G seconds is the CPU time consumed per G-second window, so a
// server busy p % of its vCPUs for a whole window reads  p/100 x G x 1e9 x vCPUs  ns. The alarm compares the mean
// of that over the group's servers with the threshold.

export function cpuThresholdNs(percent: number, granularityS: number, vcpus = 1): number {
  if (!(percent > 0 && percent <= 100)) throw new RangeError(`percent must be in (0, 100], got ${percent}`);
  if (!Number.isInteger(granularityS) || granularityS <= 0)
    throw new RangeError(`granularity must be a positive integer, got ${granularityS}`);
  if (!Number.isInteger(vcpus) || vcpus < 1) throw new RangeError(`vcpus must be a positive integer, got ${vcpus}`);
  // percent x G x vcpus x 1e7 is exact in integers for every valid input (no 0.8 x 300 = 240.00000000000003).
  return percent * granularityS * vcpus * 1e7;
}

/** Inverse, for checks and descriptions: the percent of the whole server a threshold stands for. */
export function thresholdPercent(thresholdNs: number, granularityS: number, vcpus = 1): number {
  return thresholdNs / (granularityS * vcpus * 1e7);
}

/** "80 % of 2 vCPU(s) over 300 s = 4.8e11 ns (480000000000)" */
export function describeThreshold(percent: number, granularityS: number, vcpus: number): string {
  const ns = cpuThresholdNs(percent, granularityS, vcpus);
  return `${percent}% of ${vcpus} vCPU(s) over ${granularityS} s = ${percent}/100 x ${granularityS} s x 1e9 x ${vcpus} = ${ns} ns of CPU time per window`;
}
