// Catalog URLs differ in whether they carry the API version (glance http://h:9292 vs http://h:9292/v2):
// add the version prefix only when the endpoint does not end with it.
import type { DoctorCloud } from '../types.js';

export function apiPath(cloud: DoctorCloud, serviceType: string, version: string, p: string): string {
  const ep = (cloud.endpoint(serviceType) ?? '').replace(/\/+$/, '');
  return ep.endsWith(`/${version}`) ? p : `/${version}${p}`;
}
