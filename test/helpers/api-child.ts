// The API alone in a child process (SQLite, memory queue, image folder under argv[2]), so a test can read the
// server's own peak memory from /proc/<pid>/status. Prints {"port": N} on stdout once it listens.
import type { AddressInfo } from 'node:net';
import { buildApi } from '../../app/api/server.js';
import { openRepository } from '../../app/db/index.js';
import { openImageStore } from '../../app/images/index.js';
import { openQueue } from '../../app/queue/index.js';

const dir = process.argv[2]!;
const repo = await openRepository(`sqlite:${dir}/faafo.sqlite`);
const queue = await openQueue(`memory:child-${process.pid}`, { log: () => undefined });
const images = await openImageStore(`file://${dir}/images`);
const app = buildApi({ repo, queue, images, processMetrics: false, republish: { enabled: false } });
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
