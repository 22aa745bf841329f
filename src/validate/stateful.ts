// Checks for the ways an ordinary operation loses data (issue 10), in any template, hand-written ones included:
//  - store.per-server: a group of up to N > 1 servers given a file: image store (each image lives on the server
//    that took it; the load balancer spreads uploads and reads, and scale-in deletes servers with their images);
//  - server.user-data-replace: a standalone server (state: a database, a queue) whose user data reads parameters
//    while user_data_update_policy is REPLACE (Heat's default): changing such a parameter replaces the server
//    and its disk.
import type { Doc, Finding } from './types.js';
import { intrinsics, isObj } from './walk.js';

type Params = Record<string, unknown>;

function resolve(v: unknown, params: Params): unknown {
  if (isObj(v) && 'get_param' in v) {
    const name = Array.isArray(v.get_param) ? String(v.get_param[0]) : String(v.get_param);
    const p = params[name];
    return isObj(p) ? p.default : undefined;
  }
  return v;
}

/** `main`: the top-level template (servers there stand alone; member templates' servers are group members). */
export function checkStateful(file: string, t: Doc, main: boolean): Finding[] {
  const out: Finding[] = [];
  const params = (isObj(t.parameters) ? t.parameters : {}) as Params;
  const resources = (isObj(t.resources) ? t.resources : {}) as Record<string, unknown>;
  for (const [name, r] of Object.entries(resources)) {
    if (!isObj(r)) continue;
    const props = (isObj(r.properties) ? r.properties : {}) as Record<string, unknown>;
    if (r.type === 'OS::Heat::AutoScalingGroup' || r.type === 'OS::Heat::ResourceGroup') {
      const max = Number(resolve(r.type === 'OS::Heat::ResourceGroup' ? props.count : props.max_size, params));
      const member = r.type === 'OS::Heat::ResourceGroup' ? props.resource_def : props.resource;
      const mprops = isObj(member) && isObj(member.properties) ? member.properties : {};
      if (!(max > 1)) continue;
      for (const [k, v] of Object.entries(mprops)) {
        const value = resolve(v, params);
        if (/image|store/i.test(k) && typeof value === 'string' && value.startsWith('file:')) {
          out.push({
            severity: 'error',
            code: 'store.per-server',
            file,
            path: `resources.${name}.properties.resource.properties.${k}`,
            message: `${value} keeps each image on the one server that took it, in a group of up to ${max}: reads miss it and scale-in deletes it; use swift://CONTAINER (or at most one server)`,
          });
        }
      }
    }
    if (main && r.type === 'OS::Nova::Server' && 'user_data' in props) {
      const policy = String(props.user_data_update_policy ?? 'REPLACE').toUpperCase();
      if (policy !== 'REPLACE') continue;
      const read = new Set<string>();
      for (const c of intrinsics(props.user_data, 'user_data')) {
        if (c.fn !== 'get_param') continue;
        const p = Array.isArray(c.args) ? String(c.args[0]) : String(c.args);
        if (!p.startsWith('OS::')) read.add(p);
      }
      if (!read.size) continue;
      out.push({
        severity: 'warning',
        code: 'server.user-data-replace',
        file,
        path: `resources.${name}.properties.user_data`,
        message: `changing ${[...read].sort().join(', ')} replaces this server and its disk (user_data_update_policy REPLACE): set user_data_update_policy: IGNORE on a server holding state, or keep such values out of its user data`,
      });
    }
  }
  return out;
}
