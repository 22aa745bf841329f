import { Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { generateFlags } from '../config/flags.js';

export default class Generate extends BaseCommand {
  static override summary = 'Write the Heat templates: faafo-stack.yaml, one member template per tier, env.yaml';
  static override description =
    'Reads ./faafo-stack.yaml (or --config) and the flags (flags win), validates them against ' +
    'schema/faafo-stack.schema.json, and writes the main template, the API and worker member templates and env.yaml ' +
    '(the resource_registry mapping the member types to their files) into --out. Same input, same bytes. Bad values: ' +
    'one line naming the problem and the fix, exit 2, nothing written. The written set is checked offline like ' +
    '`faafo-stack validate`. JSON: {"out","files":[...],"requiredParameters":[...],"findings":[...]}';
  static override examples = [
    '<%= config.bin %> generate --min-workers 1 --max-workers 6 --scale-up-cpu 80 --scale-down-cpu 15 --granularity 300',
    '<%= config.bin %> generate --out heat --no-lb --api-flavor m1.medium --worker-vcpus 2',
    '<%= config.bin %> generate --topology all-in-one --out aio',
  ];
  static override flags = {
    ...generateFlags,
    out: Flags.string({ char: 'o', description: 'directory to write the templates into', default: 'heat' }),
  };

  async run() {
    const { flags } = await this.parse(Generate);
    // Loaded here, not at the top: `faafo-stack --help` must not pay for ajv, Handlebars and the builders.
    const [{ resolveConfig }, { synthesize }, { writeSynth }] = await Promise.all([
      import('../config/index.js'),
      import('../templates/index.js'),
      import('../templates/write.js'),
    ]);
    const cfg = await resolveConfig({ flags });
    const synth = synthesize(cfg);
    const result = await writeSynth(synth, flags.out);
    for (const f of result.files) this.emit(`wrote ${f}`);
    for (const f of result.findings) this.emit(`${f.severity}: ${f.file}: ${f.path}: ${f.message}`);
    if (result.requiredParameters.length) {
      this.emit(
        `parameters without a default (give them at create): ${result.requiredParameters.map((p) => `--parameter ${p}=...`).join(' ')}`,
      );
    }
    this.emit(
      `next: openstack stack create -t ${result.files[0]} -e ${result.files[result.files.length - 1]} STACK   (or: faafo-stack create STACK)`,
    );
    return result;
  }
}
