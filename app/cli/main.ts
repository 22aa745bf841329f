// `faafo`: the fractal service's CLI. main(argv) returns the exit code (bin/faafo.js sets it); every failure is
// one line on stderr: 2 for usage errors, 1 for anything else. No stack traces.
import { readFileSync } from 'node:fs';
import { splitCommand, parse } from './args.js';
import { createCommand, deleteCommand, getCommand, listCommand, showCommand } from './client-commands.js';
import { CliError } from './errors.js';
import { HELP } from './help.js';
import { processIo, type Io } from './io.js';
import { DEFAULTS } from '../config.js';
import { ENV_NAMES, redactUrl, schemeOf } from '../settings-contract.js';

type ClientCommand = (argv: string[], io: Io, endpoint: string) => Promise<number>;
type ServiceCommand = (argv: string[], io: Io) => Promise<number>;

const CLIENT: Record<string, ClientCommand> = {
  create: createCommand,
  list: listCommand,
  show: showCommand,
  delete: deleteCommand,
  get: getCommand,
};

// Loaded on demand so client commands start fast and need none of the server-side modules.
const SERVICE: Record<string, () => Promise<ServiceCommand>> = {
  serve: async () => (await import('./service-commands.js')).serveCommand,
  api: async () => (await import('./service-commands.js')).apiCommand,
  worker: async () => (await import('./service-commands.js')).workerCommand,
};

function version(): string {
  // app/cli/main.ts (source) or dist/app/cli/main.js (built): the package root is two or three levels up.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'faafo-stack' && pkg.version) return pkg.version;
    } catch {
      /* try the next */
    }
  }
  return 'unknown';
}

/** The endpoint for client commands: --endpoint-url (before or after the command), then FAAFO_ENDPOINT_URL. */
function endpointOf(argv: string[], io: Io): string {
  let endpoint: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === '--endpoint-url') endpoint = argv[i + 1];
    else if (a.startsWith('--endpoint-url=')) endpoint = a.slice('--endpoint-url='.length);
  }
  const value = (endpoint ?? io.env[ENV_NAMES.endpointUrl] ?? DEFAULTS.endpointUrl).trim();
  if (schemeOf('api', value) === undefined || !/^[^:]+:\/\/[^/\s]+/.test(value)) {
    throw new CliError(`--endpoint-url must be an http:// or https:// URL, got "${redactUrl(value)}"`, 2);
  }
  return value.replace(/\/+$/, '');
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const { command, rest } = splitCommand(argv);
    if (command === undefined) {
      const p = parse(rest, {}, 0, '');
      if (p.values.version) {
        io.stdout(`faafo ${version()}\n`);
        return 0;
      }
      io[p.values.help ? 'stdout' : 'stderr'](HELP['']);
      return p.values.help ? 0 : 2;
    }
    if (command === 'help') {
      const topic = rest.find((a) => !a.startsWith('-')) ?? '';
      io.stdout(HELP[topic] ?? HELP['']);
      return 0;
    }
    const client = CLIENT[command];
    const service = SERVICE[command];
    if (!client && !service) throw new CliError(`unknown command "${command}" (see: faafo --help)`, 2);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(HELP[command]);
      return 0;
    }
    if (client) return await client(rest, io, endpointOf(rest, io));
    return await (
      await service()
    )(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`faafo: ${e.message}\n`);
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    io.stderr(`faafo: ${msg}\n`);
    return 1;
  }
}
