// The queue scaler as a long-running process for the services server (or a workstation): settings from the
// environment, the backlog from the API's /metrics, signals to the stack's worker scaling policies through Heat.
// Credentials: an application credential (OS_APPLICATION_CREDENTIAL_ID/SECRET) on a server; a password
// (OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME) is accepted for workstations and tests. Secrets are never printed.
//   FAAFO_API_URL=http://<lb> FAAFO_STACK=faafo OS_AUTH_URL=... OS_APPLICATION_CREDENTIAL_ID=... \
//   OS_APPLICATION_CREDENTIAL_SECRET=... node dist/monitoring/scaler-main.js
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_NAMES as E, redactUrl } from '../app/settings-contract.js';
import { HeatSession, heatWorkerTarget, type KeystoneAuth } from './heat.js';
import { readQueueSignal } from './metrics.js';
import { queueTierScaling } from './params.js';
import { QueueScaler } from './queue-scaler.js';

function num(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number >= 0, got "${raw}"`);
  return v;
}

export function authFromEnv(env: NodeJS.ProcessEnv): KeystoneAuth {
  const authUrl = env.OS_AUTH_URL;
  if (!authUrl) throw new Error('OS_AUTH_URL is not set');
  if (env.OS_APPLICATION_CREDENTIAL_ID && env.OS_APPLICATION_CREDENTIAL_SECRET) {
    return { authUrl, applicationCredentialId: env.OS_APPLICATION_CREDENTIAL_ID, applicationCredentialSecret: env.OS_APPLICATION_CREDENTIAL_SECRET };
  }
  if (env.OS_USERNAME && env.OS_PASSWORD && env.OS_PROJECT_NAME) {
    return {
      authUrl,
      username: env.OS_USERNAME,
      password: env.OS_PASSWORD,
      projectName: env.OS_PROJECT_NAME,
      userDomainName: env.OS_USER_DOMAIN_NAME,
      projectDomainName: env.OS_PROJECT_DOMAIN_NAME,
    };
  }
  throw new Error('no credentials: set OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET');
}

/** Builds the scaler from the environment (does not start it). */
export async function scalerFromEnv(env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<QueueScaler> {
  // FAAFO_API_URL (the load balancer) is only the fallback of the metrics addresses: without a load balancer the
  // stack's api_metrics_urls output (FAAFO_METRICS_FROM_STACK) is the only way to the API servers
  const apiUrl = env[E.scalerApiUrl] ?? '';
  const stack = env[E.scalerStack];
  if (!stack || !(apiUrl || env[E.scalerMetricsUrl] || env[E.scalerMetricsFromStack]))
    throw new Error(
      `${E.scalerStack} and one of ${E.scalerMetricsFromStack}, ${E.scalerMetricsUrl}, ${E.scalerApiUrl} must be set`,
    );
  const heat = new HeatSession(authFromEnv(env), env.OS_REGION_NAME);
  const target = await heatWorkerTarget(heat, stack, {
    group: env[E.scalerWorkerGroup],
    up: env[E.scalerWorkerScaleUp],
    down: env[E.scalerWorkerScaleDown],
  });
  // On the services server the group limits and the cooldown come from the stack itself (they change on
  // `update`; the server's boot script does not), re-read every minute.
  const fromStack = env[E.scalerLimitsFromStack] === '1' ? await stackLimits(heat, stack) : undefined;
  const scaling = queueTierScaling({
    minSize: fromStack?.minSize ?? num(env, E.scalerMinWorkers, 1),
    maxSize: fromStack?.maxSize ?? num(env, E.scalerMaxWorkers, 6),
    scaleUpBacklogPerWorker: num(env, E.scalerScaleUpBacklog, 2),
    scaleDownBacklogPerWorker: num(env, E.scalerScaleDownBacklog, 0.5),
    granularityS: num(env, E.scalerGranularity, 60),
    evaluationPeriods: num(env, E.scalerEvaluationPeriods, 1),
    scaleDownEvaluationPeriods: num(env, E.scalerScaleDownEvaluationPeriods, num(env, E.scalerEvaluationPeriods, 1)),
    cooldownS: fromStack?.cooldownS ?? num(env, E.scalerCooldown, 60),
  });
  if (fromStack) {
    const refresh = async () => {
      const l = await stackLimits(heat, stack).catch(() => undefined);
      if (!l || l.minSize > l.maxSize) return;
      scaling.minSize = l.minSize;
      scaling.maxSize = l.maxSize;
      scaling.cooldownS = l.cooldownS;
      for (const p of [scaling.up.policy, scaling.down.policy]) (p as { cooldownS?: number }).cooldownS = l.cooldownS;
    };
    setInterval(() => void refresh(), num(env, E.scalerLimitsRefresh, 60) * 1000).unref();
  }
  // FAAFO_METRICS_URL: the APIs' internal listeners (comma-separated; the first that answers) when /metrics is
  // not served on the public one (issue 15); default: the API URL.
  let metricsUrls = (env[E.scalerMetricsUrl] ?? apiUrl).split(',').map((u) => u.trim()).filter(Boolean);
  // FAAFO_METRICS_FROM_STACK=<output>: the list comes from that stack output (the generated template's
  // api_metrics_urls: the API servers' internal listeners, which boot after the services server and change as the
  // API tier scales), re-read every minute.
  const metricsOutput = env[E.scalerMetricsFromStack];
  if (metricsOutput) {
    const refreshUrls = async () => {
      const urls = await stackOutputUrls(heat, stack, metricsOutput).catch(() => undefined);
      if (urls?.length) metricsUrls = urls;
    };
    await refreshUrls();
    setInterval(() => void refreshUrls(), num(env, E.scalerLimitsRefresh, 60) * 1000).unref();
  }
  const readSignal = async () => {
    let last: unknown = new Error('no API metrics URL yet');
    for (const u of metricsUrls) {
      try {
        return await readQueueSignal(u);
      } catch (e) {
        last = e;
      }
    }
    throw last;
  };
  return new QueueScaler({ scaling, target, readSignal, sampleS: num(env, E.scalerSampleInterval, 5), log });
}

/** A stack output holding URLs (a list, or one comma-separated string); [] while it has none. */
export async function stackOutputUrls(heat: HeatSession, stack: string, output: string): Promise<string[]> {
  const { data } = await heat.request<{ stack: { outputs?: { output_key: string; output_value?: unknown }[] } }>(
    'GET',
    `/stacks/${encodeURIComponent(stack)}`,
  );
  const v = data.stack.outputs?.find((o) => o.output_key === output)?.output_value;
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [];
  return list.filter((u): u is string => typeof u === 'string' && u.trim() !== '').map((u) => u.trim());
}

/** worker_min_size, worker_max_size and scaling_cooldown of the stack (the generated template's parameters). */
export async function stackLimits(heat: HeatSession, stack: string): Promise<{ minSize: number; maxSize: number; cooldownS: number }> {
  const { data } = await heat.request<{ stack: { parameters?: Record<string, string> } }>('GET', `/stacks/${encodeURIComponent(stack)}`);
  const p = data.stack.parameters ?? {};
  const n = (k: string) => {
    const v = Number(p[k]);
    if (p[k] === undefined || !Number.isFinite(v)) throw new Error(`stack ${stack} has no numeric parameter ${k}`);
    return v;
  };
  return { minSize: n('worker_min_size'), maxSize: n('worker_max_size'), cooldownS: n('scaling_cooldown') };
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const log = (l: string) => process.stdout.write(`faafo-queue-scaler: ${l}\n`);
  let scaler: QueueScaler;
  try {
    scaler = await scalerFromEnv(env, log);
  } catch (e) {
    process.stderr.write(`faafo-queue-scaler: ${(e as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  scaler.start();
  const where = env[E.scalerMetricsFromStack] ? `the stack output ${env[E.scalerMetricsFromStack]}` : redactUrl(env[E.scalerMetricsUrl] ?? env[E.scalerApiUrl] ?? '');
  log(`watching ${where}/metrics for stack ${env[E.scalerStack]}`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  scaler.stop();
  return 0;
}

// Run when executed directly (not when imported by a test).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
