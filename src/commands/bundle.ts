import { Flags } from '@oclif/core';
import { BaseCommand } from '../lib/command.js';
import { cloudFlags } from '../lib/cloud-flags.js';
import { bundle, DEFAULT_TTL_S, parseTtl } from '../bundle/index.js';
import { connect } from '../openstack/index.js';

export default class Bundle extends BaseCommand {
  static override summary =
    'Build the fractal service into one self-contained folder + tarball (sha256), optionally uploaded to Swift';
  static override description =
    'esbuild bundles the service into faafo.mjs + thread.mjs + bin/faafo (servers need only node, no node_modules; ' +
    'the sqlite: database is left out: use postgresql:// or mysql://). The tarball is reproducible. With --container it is ' +
    'uploaded to Swift (object storage from the catalog) and a TempURL (no token needed) is printed; --app-url names ' +
    'where you host it instead. ' +
    'JSON: {"dir","files","version","tarball","sha256","size","url","expires","container","object","uploaded"}';
  static override examples = [
    '<%= config.bin %> bundle',
    '<%= config.bin %> bundle --container faafo-releases --ttl 30d',
    '<%= config.bin %> bundle --app-url https://downloads.example.com/faafo.tar.gz --json',
  ];
  static override flags = {
    ...cloudFlags,
    out: Flags.string({ summary: 'output folder (gets faafo/ and faafo.tar.gz + .sha256)', default: '.faafo/bundle' }),
    container: Flags.string({
      summary: 'upload the tarball to this Swift container and print a TempURL',
      exclusive: ['app-url'],
    }),
    object: Flags.string({
      summary: 'object name in the container (default faafo-<sha256 prefix>.tar.gz)',
      dependsOn: ['container'],
    }),
    ttl: Flags.string({
      summary:
        'TempURL lifetime: 90d (default), 12h, 3600 ... (servers that boot later, e.g. on scale-out, need it valid)',
      dependsOn: ['container'],
    }),
    'app-url': Flags.string({ summary: 'URL where you host the tarball yourself (no upload)' }),
    minify: Flags.boolean({ summary: 'minify faafo.mjs (smaller, less readable stack traces)', default: false }),
  };

  async run() {
    const { flags } = await this.parse(Bundle);
    const r = await bundle({
      out: flags.out,
      container: flags.container,
      object: flags.object,
      ttlS: flags.ttl ? parseTtl(flags.ttl) : DEFAULT_TTL_S,
      appUrl: flags['app-url'],
      minify: flags.minify,
      cloud: () => connect({ cloud: flags['os-cloud'], region: flags['os-region-name'] }),
    });
    this.emit(`bundle: ${r.dir} (${r.files.join(', ')})`);
    this.emit(`tarball: ${r.tarball} ${(r.size / 1024 / 1024).toFixed(2)} MiB sha256 ${r.sha256}`);
    if (r.container)
      this.emit(
        `swift: ${r.container}/${r.object} ${r.uploaded ? 'uploaded' : 'already there (same sha256)'}; TempURL valid until ${r.expires}`,
      );
    if (r.url) this.emit(`app url: ${r.url}`);
    else this.emit('no app url: pass --container to upload to Swift, or --app-url where you host the tarball');
    return r;
  }
}
