// Shared oclif flags that pick the cloud, named and defaulted like the `openstack` CLI's.
import { Flags } from '@oclif/core';

export const cloudFlags = {
  'os-cloud': Flags.string({
    summary: 'cloud name in clouds.yaml (default: OS_CLOUD, else the OS_* variables, else the only cloud)',
    env: 'OS_CLOUD',
    helpGroup: 'CLOUD',
  }),
  'os-region-name': Flags.string({
    summary: "region (default: OS_REGION_NAME, else the cloud's region_name)",
    env: 'OS_REGION_NAME',
    helpGroup: 'CLOUD',
  }),
};
