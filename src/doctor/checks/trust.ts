// The alarms can call their scaling policy: with `trust+` actions (default) Aodh creates a Keystone trust from
// the stack owner to itself with the owner's roles, so the owner must be able to create trusts - proven by
// creating a short-lived trust to themselves with the token's roles and deleting it again. Application
// credentials (unless unrestricted) and some Keystone policies forbid that. With --alarm-action alarm-url the
// alarms use Heat's pre-signed CFN URL instead, which needs the cloudformation endpoint.
import { fail, ok, skip, warn, type Check, type DoctorCloud } from '../types.js';

/** Path on the identity endpoint, whether the catalog URL ends in /v3 or not. */
function v3(cloud: DoctorCloud, p: string): string {
  return /\/v3\/?$/.test(cloud.endpoint('identity') ?? '') ? p : `/v3${p}`;
}

export const trustCheck: Check = {
  id: 'trust',
  title: 'alarm action delegation',
  async run({ cloud, plan }) {
    if (!plan.alarms) return skip('no autoscaling alarms');
    if (plan.alarmAction === 'alarm_url') {
      return cloud.hasService('cloudformation')
        ? ok('alarm_url: Heat signs the URL (cloudformation endpoint present); no trust needed')
        : fail(
            '--alarm-action alarm-url needs heat-api-cfn, but the catalog has no cloudformation endpoint',
            'use the default trust+ actions (--alarm-action signal)',
          );
    }
    if (!cloud.hasService('identity')) return skip('no identity endpoint in the catalog');
    const token = await cloud.token();
    const self = await cloud.request<{ token: { roles?: { name: string }[]; application_credential?: unknown } }>(
      'identity',
      'GET',
      v3(cloud, '/auth/tokens'),
      { headers: { 'X-Subject-Token': token } },
    );
    const roles = (self.data.token.roles ?? []).map((r) => ({ name: r.name }));
    const expires = new Date(Date.now() + 10 * 60_000).toISOString().replace('Z', '000Z');
    const r = await cloud.request<{ trust?: { id: string }; error?: { message?: string } }>(
      'identity',
      'POST',
      v3(cloud, '/OS-TRUST/trusts'),
      {
        body: {
          trust: {
            trustor_user_id: cloud.userId,
            trustee_user_id: cloud.userId,
            project_id: cloud.projectId,
            impersonation: true,
            roles,
            expires_at: expires,
          },
        },
        okStatuses: [201, 400, 403, 404],
      },
    );
    if (r.status === 201 && r.data.trust?.id) {
      await cloud
        .request('identity', 'DELETE', v3(cloud, `/OS-TRUST/trusts/${r.data.trust.id}`), { okStatuses: [204, 404] })
        .catch(() => undefined);
      return ok(`can create trusts (roles ${roles.map((x) => x.name).join(', ')}): trust+ alarm actions work`);
    }
    const why = r.data?.error?.message ?? `HTTP ${r.status}`;
    const fix = cloud.hasService('cloudformation')
      ? 'use --alarm-action alarm-url (Heat-signed URL, no trust), or authenticate with a password / an unrestricted application credential'
      : 'authenticate with a password or an unrestricted application credential (no cloudformation endpoint for alarm_url)';
    if (self.data.token.application_credential)
      return fail(`Keystone refuses a trust for this application credential: ${why}`, fix);
    if (r.status === 404) return warn(`Keystone has no OS-TRUST API: ${why}`, fix);
    return fail(`Keystone refuses to create a trust: ${why}`, fix);
  },
};
