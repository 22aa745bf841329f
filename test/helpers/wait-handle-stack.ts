// A stack of one OS::Heat::WaitConditionHandle and its WaitCondition on the real Heat, for tests that run a boot
// script's signalling against it: returns the stack and the handle's curl_cli ('' if Heat gave none in 2 min).
import type { Cloud } from '../../src/openstack/index.js';

export async function waitHandleStack(cloud: Cloud, name: string, opts: { disableRollback?: boolean } = {}) {
  const ref = await cloud.heat.createStack({
    name,
    timeoutMins: 10,
    ...(opts.disableRollback ? { disableRollback: true } : {}),
    template: {
      heat_template_version: '2018-08-31',
      resources: {
        handle: { type: 'OS::Heat::WaitConditionHandle' },
        wait: { type: 'OS::Heat::WaitCondition', properties: { handle: { get_resource: 'handle' }, timeout: 300 } },
      },
    },
  });
  let curl = '';
  for (const end = Date.now() + 120_000; !curl && Date.now() < end;) {
    const a = (await cloud.heat.resource(ref, 'handle').catch(() => undefined))?.attributes ?? {};
    curl = typeof a.curl_cli === 'string' ? a.curl_cli : '';
    if (!curl) await new Promise((r) => setTimeout(r, 500));
  }
  return { ref, curl };
}
