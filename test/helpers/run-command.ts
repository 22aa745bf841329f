// Child-process entry for test/helpers/lifecycle-cli.ts: `run-command.ts <command> ...argv` runs
// src/commands/<command>.ts through oclif (flags parsing, --json, BaseCommand's error handling) like bin/run.js.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errors, flush } from '@oclif/core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [name, ...argv] = process.argv.slice(2);
const mod = (await import(path.join(root, 'src/commands', `${name}.ts`))) as {
  default: { run(argv: string[], opts: string): Promise<unknown> };
};
try {
  await mod.default.run(argv, root);
  await flush();
} catch (e) {
  await flush().catch(() => undefined);
  if (e instanceof Errors.ExitError) process.exit(e.oclif.exit ?? 0);
  // Anything else escaped BaseCommand's one-line handling: show it (tests assert this never happens).
  process.stderr.write(`UNHANDLED: ${(e as Error)?.stack ?? e}\n`);
  process.exit(99);
}
