import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';

export default class Validate extends BaseCommand {
  static override summary = "Check generated templates offline, and with --remote through a cloud's Heat";
  static override description =
    'Offline: HOT structure, every get_resource/get_attr/get_param/depends_on resolves (member templates too), ' +
    'member wiring through env.yaml, alarm units (cpu rate:mean thresholds in ns per window, granularity a multiple ' +
    'of 60), alarm query <-> metering.server_group tie-in, high/low alarm -> up/down policy, no world-open database ' +
    'or queue port. --remote: Heat template validate and a stack preview (real resource schemas, nested templates). ' +
    'Exit 1 when there is an error. JSON: {"dir","ok","findings":[{"severity","code","file","path","message"}],"remote":{"validate","preview"}|null}';
  static override examples = [
    '<%= config.bin %> validate heat',
    '<%= config.bin %> validate heat --remote --os-cloud mycloud --parameter app_url=https://... --parameter app_sha256=...',
  ];
  static override args = {
    dir: Args.string({ description: 'directory with faafo-stack.yaml and env.yaml', default: 'heat' }),
  };
  static override flags = {
    ...cloudFlags,
    remote: Flags.boolean({
      description: "also send the templates to the cloud's Heat (template validate + stack preview)",
    }),
    parameter: Flags.string({
      multiple: true,
      description: 'parameter KEY=VALUE for the --remote preview (repeatable)',
    }),
  };

  async run() {
    const { args, flags } = await this.parse(Validate);
    const { loadDir, validateSet, formatFinding } = await import('../validate/index.js');
    const set = await loadDir(args.dir);
    const findings = validateSet(set);
    let remote: { validate: string; preview: string } | null = null;
    if (flags.remote) {
      const { validateRemote } = await import('../validate/remote.js');
      const r = await validateRemote(set, flags);
      findings.push(...r.findings);
      remote = { validate: r.validate, preview: r.preview };
    }
    const ok = !findings.some((f) => f.severity === 'error');
    const result = { dir: args.dir, ok, findings, remote };
    if (this.jsonEnabled()) {
      if (!ok) {
        this.logJson(result);
        return this.exit(1);
      }
      return result;
    }
    for (const f of findings) this.log(formatFinding(f));
    if (remote) this.log(`remote: template validate ${remote.validate}, preview ${remote.preview}`);
    const errors = findings.filter((f) => f.severity === 'error').length;
    const warnings = findings.length - errors;
    this.log(
      `${args.dir}: ${errors} error(s), ${warnings} warning(s), ${Object.keys(set.templates).length} template(s) checked`,
    );
    if (!ok) return this.exit(1);
    return result;
  }
}
