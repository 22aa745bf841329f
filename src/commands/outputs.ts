import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { stackFlag } from '../stack/flags.js';
import { UsageError } from '../lib/errors.js';
import { fetchApiKey, formatOutputs, stackOutputs, writeOutputsFile } from '../stack/outputs.js';
import { openSession, requireStack, stackName } from '../stack/session.js';

export default class Outputs extends BaseCommand {
  static override summary = "Show a stack's outputs (secrets redacted)";
  static override description =
    'Outputs whose name looks secret (password, secret, token, credential, private_key, alarm_url) print as "<redacted>"; ' +
    "--show-secrets (on a terminal only) prints them and the stack's API key (api_key, read from its resource, never an output). " +
    'JSON: {"<output>": value}.';
  static override examples = [
    '<%= config.bin %> outputs my-faafo',
    '<%= config.bin %> outputs my-faafo --outputs-file out.json',
    '<%= config.bin %> outputs my-faafo --json',
    '<%= config.bin %> outputs my-faafo --show-secrets',
  ];
  static override args = { stack: Args.string({ description: 'stack name or id' }) };
  static override flags = {
    ...cloudFlags,
    stack: stackFlag,
    'outputs-file': Flags.string({ description: 'also write them as JSON to this file ({"<stack>": {...}})' }),
    'show-secrets': Flags.boolean({
      description:
        "on a terminal only: print the redacted outputs and the stack's API key (api_key) in clear; never with --outputs-file",
    }),
  };

  async run() {
    const { args, flags } = await this.parse(Outputs);
    const { heat } = await openSession(flags);
    const stack = await requireStack(heat, stackName(args.stack, flags.stack));
    const show = flags['show-secrets'];
    if (show && !process.stdout.isTTY) {
      // piped or redirected output ends up in files and logs: secrets are printed to a person only
      throw new UsageError('--show-secrets prints secrets only on a terminal', 'run it in a terminal, without a pipe or redirection');
    }
    if (show && flags['outputs-file']) {
      throw new UsageError('--show-secrets is not written to files', 'drop --outputs-file (or --show-secrets)');
    }
    const outputs = stackOutputs(stack, { showSecrets: show });
    if (show) {
      const key = await fetchApiKey(heat, stack);
      if (key !== undefined) outputs.api_key = key;
    }
    for (const l of formatOutputs(outputs)) this.emit(l);
    if (flags['outputs-file']) {
      const file = await writeOutputsFile(flags['outputs-file'], stack.name, outputs);
      this.emit(`Outputs written to ${file}`);
    }
    return outputs;
  }
}
