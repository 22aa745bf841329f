// The queue scaler as a long-running process for the services server (or a workstation): settings from the
// environment, the backlog from the API's /metrics, signals to the stack's worker scaling policies through Heat.
// Credentials: an application credential (OS_APPLICATION_CREDENTIAL_ID/SECRET) on a server; a password
// (OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME) is accepted for workstations and tests. Secrets are never printed.
//   FAAFO_API_URL=http://<lb> FAAFO_STACK=faafo OS_AUTH_URL=... OS_APPLICATION_CREDENTIAL_ID=... \
//   OS_APPLICATION_CREDENTIAL_SECRET=... node dist/monitoring/scaler-main.js
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  const apiUrl = env.FAAFO_API_URL;
  const stack = env.FAAFO_STACK;
  if (!apiUrl || !stack) throw new Error('FAAFO_API_URL and FAAFO_STACK must be set');
  const heat = new HeatSession(authFromEnv(env), env.OS_REGION_NAME);
  const target = await heatWorkerTarget(heat, stack, {
    group: env.FAAFO_WORKER_GROUP,
    up: env.FAAFO_WORKER_SCALE_UP,
    down: env.FAAFO_WORKER_SCALE_DOWN,
  });
  const scaling = queueTierScaling({
    minSize: num(env, 'FAAFO_MIN_WORKERS', 1),
    maxSize: num(env, 'FAAFO_MAX_WORKERS', 6),
    scaleUpBacklogPerWorker: num(env, 'FAAFO_SCALE_UP_BACKLOG', 2),
    scaleDownBacklogPerWorker: num(env, 'FAAFO_SCALE_DOWN_BACKLOG', 0.5),
    granularityS: num(env, 'FAAFO_GRANULARITY', 60),
    evaluationPeriods: num(env, 'FAAFO_EVALUATION_PERIODS', 1),
    cooldownS: num(env, 'FAAFO_COOLDOWN', 60),
  });
  return new QueueScaler({ scaling, target, readSignal: () => readQueueSignal(apiUrl), sampleS: num(env, 'FAAFO_SAMPLE_INTERVAL', 5), log });
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
  log(`watching ${env.FAAFO_API_URL}/metrics for stack ${env.FAAFO_STACK}`);
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
