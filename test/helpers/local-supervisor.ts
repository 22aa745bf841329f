// A `local up` supervisor in its own process for the end-to-end tests (as the command runs it: the balancer and
// the autoscaler must not share a CPU-starved event loop with the load generator). Options come as JSON in
// FAAFO_LOCAL_OPTIONS; prints "READY <appUrl> <controlUrl>" when up; SIGTERM stops it cleanly.
import { startLocal, type LocalOptions } from '../../src/local/supervisor.js';

const opts = JSON.parse(process.env.FAAFO_LOCAL_OPTIONS!) as LocalOptions;
const run = await startLocal({ ...opts, log: (l) => process.stderr.write(l + '\n') });
process.stdout.write(`READY ${run.appUrl} ${run.controlUrl}\n`);
await new Promise<void>((resolve) => {
  process.once('SIGTERM', resolve);
  process.once('SIGINT', resolve);
});
await run.stop();
process.exit(0);
