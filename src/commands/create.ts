import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { createStack, failureError } from '../stack/apply.js';
import { eventPrinter } from '../stack/progress.js';
import { applyFlags, applyOptions, inputFlags } from '../stack/flags.js';
import { buildInput, lifecycleConfigFlags } from '../stack/stack-input.js';
import { DEFAULT_BUNDLE_CONTAINER, provideAppBundle } from '../stack/app-bundle.js';
import { resultLines } from '../stack/print.js';
import { apiKeyLines, fetchApiKey } from '../stack/outputs.js';
import { provideImageStore } from '../stack/image-store.js';
import { openSession, stackName } from '../stack/session.js';

export default class Create extends BaseCommand {
  static override summary = 'Generate the templates and create the stack (optionally waiting, events streamed)';
  static override description =
    'Takes the same flags and faafo-stack.yaml as `generate`, or an existing template with --template. Without ' +
    '--app-url the service is bundled and uploaded to Swift (--container), and the servers get a TempURL. With --wait ' +
    '(default on a terminal) every event is printed as it happens; on failure every FAILED resource is listed with its ' +
    'nested path and reason (a failed boot: the boot log\'s last lines), exit 1, and the failed resources are kept for ' +
    'inspection unless --rollback; on success the outputs are printed and, with --outputs-file, saved. ' +
    'The stack\'s API key (creates and deletes need it unless --anonymous-writes) is shown once on a terminal, or in the JSON result as "apiKey"; ' +
    'faafo-stack outputs STACK --show-secrets fetches it again on a terminal. ' +
    'JSON: {"stack":{"id","name","status","reason"},"action","waited","ok","events":[...],"failures":[{"resource","path","type","status","reason","cause"}],"outputs":{...},"outputsFile","apiKey"}';
  static override examples = [
    '<%= config.bin %> create my-faafo --min-workers 1 --max-workers 6 --wait --outputs-file out.json',
    '<%= config.bin %> create my-faafo -e my-env.yaml --parameter key_name=mykey --timeout 30',
    '<%= config.bin %> create test-stack --template heat/faafo-stack.yaml -e env-none.yaml --wait --rollback',
  ];
  static override args = { stack: Args.string({ description: 'name of the new stack' }) };
  static override flags = {
    ...cloudFlags,
    ...lifecycleConfigFlags,
    ...inputFlags,
    ...applyFlags,
    container: Flags.string({
      description: `Swift container for the app bundle when no --app-url is given (default ${DEFAULT_BUNDLE_CONTAINER})`,
    }),
  };

  async run() {
    const { args, flags } = await this.parse(Create);
    const input = await buildInput(flags);
    const name = stackName(args.stack, undefined, input.name, true);
    const { heat, cloud } = await openSession(flags);
    const json = this.jsonEnabled();
    if (input.needsAppUrl) {
      await provideAppBundle(cloud, input.stack, { container: flags.container, log: (l) => this.logToStderr(l) });
    }
    if (input.needsImageStore) await provideImageStore(cloud, name, input.stack, (l) => this.logToStderr(l));
    const printer = json ? undefined : eventPrinter((l) => this.log(l));
    const result = await createStack(heat, name, input.stack, applyOptions(flags, printer?.onEvent)).finally(() =>
      printer?.stop(),
    );
    if (json) {
      if (!result.ok) {
        this.logJson(result);
        return this.exit(1);
      }
      // the stack's API key (issue 15), once, in the result only (never an output, an event or a log line)
      const apiKey = result.waited ? await fetchApiKey(heat, result.stack) : undefined;
      return apiKey === undefined ? result : { ...result, apiKey };
    }
    if (!result.ok) {
      for (const l of resultLines(result).slice(1)) this.log(l);
      throw failureError(result);
    }
    for (const l of resultLines(result)) this.log(l);
    if (result.waited) {
      // shown once, on a terminal only: piped output ends up in logs
      const key = await fetchApiKey(heat, result.stack);
      for (const l of apiKeyLines(result.stack.name, key, Boolean(process.stdout.isTTY))) this.log(l);
    } else this.log(`The API key: faafo-stack outputs ${result.stack.name} --show-secrets (on a terminal) once the stack is complete`);
    return result;
  }
}
