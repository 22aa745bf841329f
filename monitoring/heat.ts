// The few Heat calls the queue scaler needs (find a stack, read a group's current_size, signal a ScalingPolicy),
// over plain HTTP with a Keystone v3 token. Standalone on purpose: the scaler runs on the services server from
// the app bundle, which carries no OpenStack SDK; there it authenticates with an application credential (never
// a password). A password is accepted too, for tests and for running it from a workstation.

export type KeystoneAuth =
  | { authUrl: string; applicationCredentialId: string; applicationCredentialSecret: string }
  | {
      authUrl: string;
      username: string;
      password: string;
      projectName: string;
      userDomainName?: string;
      projectDomainName?: string;
    };

interface Catalog {
  token: { catalog?: { type: string; endpoints: { interface: string; url: string; region?: string }[] }[]; expires_at: string };
}

export class HeatSession {
  private token?: { value: string; expiresMs: number; heatUrl: string };

  constructor(
    private readonly auth: KeystoneAuth,
    private readonly region?: string,
  ) {}

  private async authenticate(): Promise<{ value: string; expiresMs: number; heatUrl: string }> {
    const a = this.auth;
    const body =
      'applicationCredentialId' in a
        ? { auth: { identity: { methods: ['application_credential'], application_credential: { id: a.applicationCredentialId, secret: a.applicationCredentialSecret } } } }
        : {
            auth: {
              identity: {
                methods: ['password'],
                password: { user: { name: a.username, password: a.password, domain: { name: a.userDomainName ?? 'Default' } } },
              },
              scope: { project: { name: a.projectName, domain: { name: a.projectDomainName ?? 'Default' } } },
            },
          };
    const res = await fetch(`${a.authUrl.replace(/\/$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status !== 201) throw new Error(`Keystone refused the credentials (HTTP ${res.status})`);
    const value = res.headers.get('x-subject-token')!;
    const data = (await res.json()) as Catalog;
    const heat = data.token.catalog?.find((s) => s.type === 'orchestration');
    const ep = heat?.endpoints.find((e) => e.interface === 'public' && (!this.region || e.region === this.region));
    if (!ep) throw new Error('no orchestration (Heat) endpoint in the Keystone catalog');
    return { value, expiresMs: Date.parse(data.token.expires_at), heatUrl: ep.url.replace(/\/$/, '') };
  }

  private async session() {
    if (!this.token || this.token.expiresMs - Date.now() < 120_000) this.token = await this.authenticate();
    return this.token;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
    const s = await this.session();
    const res = await fetch(`${s.heatUrl}${path}`, {
      method,
      headers: { 'x-auth-token': s.value, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'follow',
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 400) {
      let msg = text.slice(0, 200);
      try {
        const j = JSON.parse(text) as { error?: { message?: string }; explanation?: string };
        msg = j.error?.message ?? j.explanation ?? msg;
      } catch {
        /* not JSON */
      }
      throw new Error(`Heat ${method} ${path.split('?')[0]} -> ${res.status}: ${msg.split('\n')[0]}`);
    }
    return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T };
  }
}

/** What the queue scaler acts on: a worker group's size and its two scaling policies. */
export interface ScalingTarget {
  describe: string;
  currentSize(): Promise<number>;
  signal(direction: 'up' | 'down'): Promise<void>;
}

export interface HeatTargetNames {
  group?: string;
  up?: string;
  down?: string;
}

/**
 * The worker tier of a stack: the AutoScalingGroup and ScalingPolicies found by name (given, or the ones whose
 * names contain "work" and "up"/"down").
 */
export async function heatWorkerTarget(heat: HeatSession, stack: string, names: HeatTargetNames = {}): Promise<ScalingTarget> {
  const { data: s } = await heat.request<{ stack: { id: string; stack_name: string } }>('GET', `/stacks/${encodeURIComponent(stack)}`);
  const base = `/stacks/${encodeURIComponent(s.stack.stack_name)}/${s.stack.id}`;
  const { data } = await heat.request<{ resources: { resource_name: string; resource_type: string }[] }>('GET', `${base}/resources`);
  const of = (type: string) => data.resources.filter((r) => r.resource_type === type).map((r) => r.resource_name);
  const groups = of('OS::Heat::AutoScalingGroup');
  const policies = of('OS::Heat::ScalingPolicy');
  const group = names.group ?? groups.find((n) => /work/i.test(n));
  const up = names.up ?? policies.find((n) => /work/i.test(n) && /up/i.test(n));
  const down = names.down ?? policies.find((n) => /work/i.test(n) && /(down|dn)/i.test(n));
  if (!group || !up) {
    throw new Error(`stack ${stack}: no worker AutoScalingGroup / scale-up policy found (groups: ${groups.join(', ') || '-'}; policies: ${policies.join(', ') || '-'})`);
  }
  return {
    describe: `stack ${s.stack.stack_name} group ${group}`,
    // The group's members, counted in its nested stack as Heat's get_size does (failed members excluded): the
    // resource's current_size attribute reads null through the resource API on some Heat releases.
    async currentSize() {
      const { data: r } = await heat.request<{ resource: { links: { href: string; rel: string }[] } }>(
        'GET',
        `${base}/resources/${encodeURIComponent(group)}`,
      );
      const nested = r.resource.links.find((l) => l.rel === 'nested')?.href;
      if (!nested) throw new Error(`${group} has no nested stack yet`);
      const nestedPath = nested.slice(nested.indexOf('/stacks/'));
      const { data: m } = await heat.request<{ resources: { resource_status: string }[] }>('GET', `${nestedPath}/resources`);
      return m.resources.filter((x) => !/FAILED$|^DELETE_/.test(x.resource_status)).length;
    },
    async signal(direction) {
      const policy = direction === 'up' ? up : down;
      if (!policy) throw new Error(`stack ${stack}: no worker scale-down policy`);
      await heat.request('POST', `${base}/resources/${encodeURIComponent(policy)}/signal`, {});
    },
  };
}
