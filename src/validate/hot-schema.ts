// HOT structure sanity: version, allowed top-level/resource/parameter/output keys, types present, and resource
// types that no longer exist on current clouds (Ceilometer alarms, Neutron LBaaS).
import type { Doc, Finding } from './types.js';
import { isObj } from './walk.js';

const VERSIONS = new Set([
  '2013-05-23',
  '2014-10-16',
  '2015-04-30',
  '2015-10-15',
  '2016-04-08',
  '2016-10-14',
  '2017-02-24',
  '2017-09-01',
  '2018-03-02',
  '2018-08-31',
  '2021-04-16',
  'newton',
  'ocata',
  'pike',
  'queens',
  'rocky',
  'wallaby',
]);
const TOP = new Set([
  'heat_template_version',
  'description',
  'parameter_groups',
  'parameters',
  'resources',
  'outputs',
  'conditions',
]);
const RES = new Set([
  'type',
  'properties',
  'metadata',
  'depends_on',
  'update_policy',
  'deletion_policy',
  'external_id',
  'condition',
]);
const PARAM = new Set(['type', 'label', 'description', 'default', 'hidden', 'constraints', 'immutable', 'tags']);
const PARAM_TYPES = new Set(['string', 'number', 'json', 'comma_delimited_list', 'boolean']);
const GONE: Record<string, string> = {
  'OS::Ceilometer::Alarm': 'the Ceilometer API is gone: use OS::Aodh::GnocchiAggregationByResourcesAlarm',
  'OS::Aodh::Alarm':
    'deprecated threshold alarm on the removed Ceilometer API: use OS::Aodh::GnocchiAggregationByResourcesAlarm',
  'OS::Aodh::CombinationAlarm': 'hidden since Heat 9: use composite alarms',
};

export function checkHot(file: string, t: Doc): Finding[] {
  const f: Finding[] = [];
  const err = (code: string, path: string, message: string) => f.push({ severity: 'error', code, file, path, message });
  const version = String(t.heat_template_version ?? '');
  if (!version) err('hot.version', 'heat_template_version', 'missing heat_template_version');
  else if (!VERSIONS.has(version))
    err('hot.version', 'heat_template_version', `unknown heat_template_version ${version}`);
  for (const k of Object.keys(t)) if (!TOP.has(k)) err('hot.key', k, `unknown top-level key "${k}"`);
  if (!isObj(t.resources)) err('hot.resources', 'resources', 'resources must be a mapping');
  for (const [name, p] of Object.entries(isObj(t.parameters) ? t.parameters : {})) {
    if (!isObj(p)) {
      err('hot.parameter', `parameters.${name}`, 'parameter must be a mapping');
      continue;
    }
    if (!PARAM_TYPES.has(String(p.type)))
      err('hot.parameter', `parameters.${name}.type`, `parameter type must be one of ${[...PARAM_TYPES].join(', ')}`);
    for (const k of Object.keys(p))
      if (!PARAM.has(k)) err('hot.parameter', `parameters.${name}.${k}`, `unknown parameter key "${k}"`);
  }
  for (const [name, r] of Object.entries(isObj(t.resources) ? t.resources : {})) {
    if (!isObj(r)) {
      err('hot.resource', `resources.${name}`, 'resource must be a mapping');
      continue;
    }
    if (typeof r.type !== 'string' || !r.type) err('hot.resource', `resources.${name}.type`, 'resource has no type');
    for (const k of Object.keys(r))
      if (!RES.has(k)) err('hot.resource', `resources.${name}.${k}`, `unknown resource key "${k}"`);
    if (r.properties !== undefined && !isObj(r.properties))
      err('hot.resource', `resources.${name}.properties`, 'properties must be a mapping');
    const type = String(r.type ?? '');
    if (GONE[type]) err('hot.removed-type', `resources.${name}.type`, `${type}: ${GONE[type]}`);
    if (type.startsWith('OS::Neutron::LBaaS::') || type.startsWith('OS::Neutron::LoadBalancer'))
      err('hot.removed-type', `resources.${name}.type`, `${type}: Neutron LBaaS is removed; use OS::Octavia::*`);
  }
  for (const [name, o] of Object.entries(isObj(t.outputs) ? t.outputs : {})) {
    if (!isObj(o) || !('value' in o)) err('hot.output', `outputs.${name}`, 'output has no value');
  }
  return f;
}
