// Shared oclif flags that pick the cloud, named and defaulted like the `openstack` CLI's.
import { Flags } from '@oclif/core';

// Where the cloud comes from, for --help (the "no cloud configured" error points here).
const CLOUD_HELP = [
  'The cloud and its credentials come from clouds.yaml, as for the `openstack` CLI: the first of ./clouds.yaml, ' +
    '~/.config/openstack/clouds.yaml and /etc/openstack/clouds.yaml, or the file OS_CLIENT_CONFIG_FILE names ' +
    '(secure.yaml beside it may hold the passwords).',
  'Each cloud is an entry under `clouds:` with its `auth` (auth_url, username, password, project_name, ' +
    'user_domain_name, project_domain_name) and region_name; pick one with --os-cloud NAME or OS_CLOUD=NAME ' +
    '(not needed when the file has one cloud).',
  'Without clouds.yaml, the OS_* variables of the openrc file your cloud dashboard gives (OS_AUTH_URL, ' +
    'OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, ...) make the cloud: `source openrc.sh` first.',
].join('\n\n');

export const cloudFlags = {
  'os-cloud': Flags.string({
    summary: 'cloud name in clouds.yaml (default: OS_CLOUD, else the OS_* variables, else the only cloud)',
    description: CLOUD_HELP,
    env: 'OS_CLOUD',
    // the spelling users try first (as in `openstack --os-cloud` vs clouds.yaml's `cloud:`)
    aliases: ['cloud'],
    helpGroup: 'CLOUD',
  }),
  'os-region-name': Flags.string({
    summary: "region (default: OS_REGION_NAME, else the cloud's region_name)",
    env: 'OS_REGION_NAME',
    helpGroup: 'CLOUD',
  }),
};
