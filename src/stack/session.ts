// One place where a lifecycle command gets its cloud and finds its stack: connect (src/openstack, C7) with the
// shared --os-cloud/--os-region-name flags, resolve the stack name, look the stack up with a one-line error.
import { connect, type Cloud } from '../openstack/index.js';
import { FaafoError, UsageError } from '../lib/errors.js';
import { HeatClient, type HeatStack } from '../openstack/heat.js';

export interface Session {
  cloud: Cloud;
  heat: HeatClient;
}

export async function openSession(flags: { 'os-cloud'?: string; 'os-region-name'?: string }): Promise<Session> {
  const cloud = await connect({ cloud: flags['os-cloud'], region: flags['os-region-name'] });
  if (!cloud.hasService('orchestration')) {
    throw new FaafoError(`cloud ${cloud.name} has no orchestration (Heat) endpoint in its service catalog`);
  }
  return { cloud, heat: cloud.heat };
}

/**
 * Positional name, then --stack, then FAAFO_STACK_NAME, then the name in faafo-stack.yaml. `forCreate`: the name
 * is for a new stack (the hint then says how to name one, not how to find one).
 */
export function stackName(arg?: string, flag?: string, configName?: string, forCreate = false): string {
  const name = [arg, flag, process.env.FAAFO_STACK_NAME, configName].find((c) => c && c.trim());
  if (!name && forCreate) {
    throw new UsageError(
      'the new stack needs a name',
      'e.g. `faafo-stack create my-faafo`, or `name: my-faafo` in faafo-stack.yaml, or set FAAFO_STACK_NAME',
    );
  }
  if (!name) throw new UsageError('which stack? give its name', '`faafo-stack list` shows your stacks; or set FAAFO_STACK_NAME');
  return name.trim();
}

export async function requireStack(heat: HeatClient, nameOrId: string): Promise<HeatStack> {
  const s = await heat.find(nameOrId);
  if (!s) throw new FaafoError(`stack ${nameOrId} not found`, { hint: '`faafo-stack list` shows your stacks' });
  return s;
}
