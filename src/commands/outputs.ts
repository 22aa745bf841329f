import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { stackFlag } from '../stack/flags.js';
import { formatOutputs, stackOutputs, writeOutputsFile } from '../stack/outputs.js';
import { openSession, requireStack, stackName } from '../stack/session.js';

export default class Outputs extends BaseCommand {
  static override summary = "Show a stack's outputs (secrets redacted)";
  static override description =
    'Outputs whose name looks secret (password, secret, token, credential, private_key, alarm_url) print as "<redacted>". JSON: {"<output>": value}.';
  static override examples = [
    '<%= config.bin %> outputs my-faafo',
    '<%= config.bin %> outputs my-faafo --outputs-file out.json',
    '<%= config.bin %> outputs my-faafo --json',
  ];
  static override args = { stack: Args.string({ description: 'stack name or id' }) };
  static override flags = {
    ...cloudFlags,
    stack: stackFlag,
    'outputs-file': Flags.string({ description: 'also write them as JSON to this file ({"<stack>": {...}})' }),
  };

  async run() {
    const { args, flags } = await this.parse(Outputs);
    const { heat } = await openSession(flags);
    const stack = await requireStack(heat, stackName(args.stack, flags.stack));
    const outputs = stackOutputs(stack);
    for (const l of formatOutputs(outputs)) this.emit(l);
    if (flags['outputs-file']) {
      const file = await writeOutputsFile(flags['outputs-file'], stack.name, outputs);
      this.emit(`Outputs written to ${file}`);
    }
    return outputs;
  }
}
