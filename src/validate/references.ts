// Every get_resource / get_attr / get_param / depends_on must resolve, in the main and in the member templates;
// a provider (member) type must map to a template of the set; the properties given to a member must be its
// parameters, and its parameters without default must be given.
import type { Doc, Finding, TemplateSet } from './types.js';
import { intrinsics, isObj } from './walk.js';

const PSEUDO = new Set(['OS::stack_id', 'OS::stack_name', 'OS::project_id']);

export function checkReferences(file: string, t: Doc): Finding[] {
  const f: Finding[] = [];
  const err = (code: string, path: string, message: string) => f.push({ severity: 'error', code, file, path, message });
  const resources = isObj(t.resources) ? t.resources : {};
  const params = isObj(t.parameters) ? t.parameters : {};
  const targetOf = (args: unknown): unknown => (Array.isArray(args) ? args[0] : args);
  const scan = (value: unknown, base: string, where: 'resources' | 'outputs') => {
    for (const c of intrinsics(value, base)) {
      if (c.fn === 'get_resource') {
        const r = targetOf(c.args);
        if (typeof r === 'string' && !(r in resources))
          err('ref.get_resource', c.path, `get_resource ${r}: no such resource`);
      } else if (c.fn === 'get_attr') {
        const r = targetOf(c.args);
        if (!Array.isArray(c.args) || c.args.length < 2)
          err('ref.get_attr', c.path, 'get_attr needs [resource, attribute, ...]');
        else if (typeof r === 'string' && !(r in resources))
          err('ref.get_attr', c.path, `get_attr ${r}: no such resource`);
      } else if (c.fn === 'get_param') {
        const p = targetOf(c.args);
        if (typeof p === 'string' && !(p in params) && !PSEUDO.has(p))
          err('ref.get_param', c.path, `get_param ${p}: no such parameter`);
      }
    }
    void where;
  };
  for (const [name, r] of Object.entries(resources)) {
    if (!isObj(r)) continue;
    scan(r.properties, `resources.${name}.properties`, 'resources');
    scan(r.metadata, `resources.${name}.metadata`, 'resources');
    const deps = r.depends_on === undefined ? [] : Array.isArray(r.depends_on) ? r.depends_on : [r.depends_on];
    deps.forEach((d, i) => {
      if (typeof d !== 'string' || !(d in resources))
        err('ref.depends_on', `resources.${name}.depends_on[${i}]`, `depends_on ${String(d)}: no such resource`);
      else if (d === name)
        err('ref.depends_on', `resources.${name}.depends_on[${i}]`, 'a resource cannot depend on itself');
    });
  }
  scan(t.outputs, 'outputs', 'outputs');
  return f;
}

/** Member (provider) templates: mapped by the environment, present in the set, given matching properties. */
export function checkProviders(set: TemplateSet): Finding[] {
  const f: Finding[] = [];
  const registry = (
    isObj(set.environment) && isObj(set.environment.resource_registry) ? set.environment.resource_registry : {}
  ) as Record<string, unknown>;
  for (const [file, t] of Object.entries(set.templates)) {
    const resources = isObj(t.resources) ? t.resources : {};
    for (const [name, r] of Object.entries(resources)) {
      if (!isObj(r)) continue;
      const uses: { type: string; props: unknown; path: string }[] = [];
      if (r.type === 'OS::Heat::AutoScalingGroup' || r.type === 'OS::Heat::ResourceGroup') {
        const p = isObj(r.properties) ? r.properties : {};
        const def = (r.type === 'OS::Heat::AutoScalingGroup' ? p.resource : p.resource_def) as unknown;
        if (isObj(def) && typeof def.type === 'string')
          uses.push({
            type: def.type,
            props: def.properties,
            path: `resources.${name}.properties.${r.type === 'OS::Heat::AutoScalingGroup' ? 'resource' : 'resource_def'}`,
          });
      } else if (typeof r.type === 'string') {
        uses.push({ type: r.type, props: r.properties, path: `resources.${name}` });
      }
      for (const u of uses) {
        const mapped =
          typeof registry[u.type] === 'string'
            ? (registry[u.type] as string)
            : u.type.endsWith('.yaml')
              ? u.type
              : undefined;
        if (!mapped) {
          if (!u.type.startsWith('OS::') && !u.type.startsWith('AWS::'))
            f.push({
              severity: 'error',
              code: 'ref.provider',
              file,
              path: `${u.path}.type`,
              message: `type ${u.type} is not in env.yaml's resource_registry`,
            });
          continue;
        }
        if (mapped.startsWith('OS::')) continue;
        const member = set.templates[mapped];
        if (!member) {
          f.push({
            severity: 'error',
            code: 'ref.provider',
            file,
            path: `${u.path}.type`,
            message: `${u.type} maps to ${mapped}, which is not in the template set`,
          });
          continue;
        }
        const mparams = isObj(member.parameters) ? member.parameters : {};
        const given = isObj(u.props) ? u.props : {};
        for (const k of Object.keys(given)) {
          if (!(k in mparams))
            f.push({
              severity: 'error',
              code: 'ref.provider-property',
              file,
              path: `${u.path}.properties.${k}`,
              message: `${mapped} has no parameter ${k}`,
            });
        }
        for (const [k, p] of Object.entries(mparams)) {
          if (isObj(p) && !('default' in p) && !(k in given))
            f.push({
              severity: 'error',
              code: 'ref.provider-property',
              file,
              path: `${u.path}.properties`,
              message: `${mapped} needs parameter ${k} (no default) but it is not given`,
            });
        }
      }
    }
  }
  return f;
}
