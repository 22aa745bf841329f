// Compatibility shim: the Heat client lives in src/openstack/heat.ts (HeatClient, also `cloud.heat`). This keeps
// the old import path and the two old positional helpers compiling for code not yet moved over
// (test/helpers/chain.ts, owned by the autoscaling-chain work). New code: use HeatClient / `cloud.heat`.
import { HeatClient, type StackInput, type StackRef } from '../openstack/heat.js';

export {
  HeatClient,
  linkStackId,
  linkStackName,
  type HeatEvent,
  type HeatLink,
  type HeatOutput,
  type HeatResource,
  type HeatStack,
  type PreviewResource,
  type Requester,
  type ResourceChanges,
  type StackInput,
  type StackRef,
} from '../openstack/heat.js';

/** @deprecated use HeatClient: createStack({ name, ...input }) / deleteStack(ref). */
export class HeatApi extends HeatClient {
  create(
    name: string,
    input: StackInput,
    opts: { timeoutMins?: number; disableRollback?: boolean } = {},
  ): Promise<StackRef> {
    return this.createStack({ name, ...input, ...opts });
  }

  delete(ref: StackRef): Promise<void> {
    return this.deleteStack(ref);
  }
}
