#!/usr/bin/env node
// Seconds from the first high cpu measure to the group's new member (created, its wait condition signalled, the
// resize finished), and from the first idle measure to the scale-down, on the local chain: real Keystone, Heat,
// Gnocchi and Aodh (test/cloud --with-telemetry), the templates `faafo-stack generate` writes, servers
// OS::Heat::None, test/helpers/fake-ceilometer.ts playing Ceilometer (one cumulative point per minute). Both
// tiers at once. Generate flags: --granularity 60 --evaluation-periods 1 --cooldown 0 --no-repeat-actions, so the
// figures are the chain's own latency (no cooldown wait; one signal per state change). Run once, ~2 min:
//   node --import tsx bench/chain-latency.mjs
// What dominates: Aodh's evaluation interval (10 s locally, 60 s by default on real clouds) and, on a real
// cloud, Ceilometer's polling interval and the granularity (a window must close before its rate exists).
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { connect } from '../src/openstack/index.ts';
import { CLOUD_ENV, ChainStack, chainInput, until } from '../test/helpers/chain.ts';

const s = (ms) => (ms / 1000).toFixed(1);
const cloud = await connect({ cloud: 'faafo-local', env: { ...process.env, ...CLOUD_ENV } });
const chain = new ChainStack(cloud, `bench-chain-${randomBytes(3).toString('hex')}`);
const input = await chainInput([
  ...['--granularity', '60', '--evaluation-periods', '1', '--cooldown', '0', '--no-repeat-actions'],
  ...['--app-url', 'http://127.0.0.1:9/faafo.tgz', '--app-sha256', 'a'.repeat(64)],
]);
const rows = [];
try {
  const t0 = Date.now();
  await chain.create(input);
  await chain.discover();
  console.log(
    `stack ${chain.name} CREATE_COMPLETE in ${s(Date.now() - t0)} s (tiers: ${chain.tiers.map((t) => t.name).join(', ')})`,
  );
  // Start early in a minute so the busy history (ending at the previous minute) stays valid while we wait.
  if (new Date().getUTCSeconds() > 40) await until('the next minute', async () => new Date().getUTCSeconds() <= 40, 30);
  chain.setPercent(95);
  const high = Date.now();
  await chain.tick('prev');
  const up = {};
  await until(
    'every tier to grow',
    async () => {
      await chain.tick('prev');
      for (const t of chain.tiers) {
        if (up[t.name]) continue;
        const n = await chain.settledSize(t);
        if (n !== undefined && n > t.min) up[t.name] = Date.now();
      }
      return chain.tiers.every((t) => up[t.name]);
    },
    240,
    250,
  );
  chain.setPercent(2);
  const idle = Date.now();
  await chain.tick('now');
  const down = {};
  await until(
    'every tier to shrink',
    async () => {
      await chain.tick('now');
      for (const t of chain.tiers) {
        if (down[t.name]) continue;
        const n = await chain.settledSize(t);
        if (n === t.min) down[t.name] = Date.now();
      }
      return chain.tiers.every((t) => down[t.name]);
    },
    240,
    250,
  );
  for (const t of chain.tiers) rows.push({ tier: t.name, up: s(up[t.name] - high), down: s(down[t.name] - idle) });
} finally {
  await chain.delete().catch((e) => console.error(`cleanup: ${e.message}`));
  await rm(input.dir, { recursive: true, force: true });
}
console.log('tier      first high measure -> new member   first idle measure -> scale-down');
for (const r of rows) console.log(`${r.tier.padEnd(9)} ${`${r.up} s`.padStart(31)}   ${`${r.down} s`.padStart(34)}`);
process.exit(0);
