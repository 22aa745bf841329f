// The two ports `local up` listens on (--port, --control-port): a port already taken is the user's to fix, so it
// is named with its flag in one line, in the foreground even with --detach (not hidden in the supervisor log).
import net from 'node:net';
import { FaafoError } from '../lib/errors.js';

export function portInUse(port: number, flag: string): FaafoError {
  return new FaafoError(`port ${port} (${flag}) is already in use on 127.0.0.1`, {
    hint: `stop what listens there, or give ${flag} another port (0 = any free one)`,
  });
}

/** Listens on host:port, turning EADDRINUSE/EACCES into one line that names the flag. */
export async function listenOn(server: net.Server, port: number, flag: string, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(portInUse(port, flag));
      else if (e.code === 'EACCES')
        reject(new FaafoError(`port ${port} (${flag}) needs privileges`, { hint: 'use a port above 1023' }));
      else reject(e);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Fails with the one-line error when something already listens on port (0 = any port: never busy). */
export async function assertPortFree(port: number, flag: string): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  await listenOn(probe, port, flag);
  await new Promise<void>((r) => probe.close(() => r()));
}
