// A consumer in its own process for test/queue-sqlite.test.ts: consumes `sqlite:PATH` (argv[2]) and reports on
// stdout one line per event: `READY`, `GOT uuid redelivered`, `ACK uuid`, `OVERLAP` (two handlers at once).
// Mode (argv[3]): `ack` acks each task after a short piece of work; `hold` takes one task and never settles it.
import { openQueue } from '../../app/queue/index.js';

const [url, mode] = process.argv.slice(2) as [string, 'ack' | 'hold'];
const q = await openQueue(url);
let running = 0;
const c = await q.consume(async (h) => {
  running++;
  if (running > 1) process.stdout.write('OVERLAP\n');
  process.stdout.write(`GOT ${h.task.uuid} ${h.redelivered}\n`);
  if (mode === 'hold') await new Promise(() => {}); // killed mid-task by the test
  await new Promise((r) => setTimeout(r, 30));
  running--;
  await h.ack();
  process.stdout.write(`ACK ${h.task.uuid}\n`);
});
process.stdout.write('READY\n');
process.once('SIGTERM', () => {
  void c.stop().then(() => q.close()).then(() => process.exit(0));
});
