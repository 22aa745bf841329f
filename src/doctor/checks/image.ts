// The servers' image exists (by name or id) and is active.
import { apiPath } from './paths.js';
import { fail, ok, skip, type Check } from '../types.js';

interface GlanceImage {
  id: string;
  name: string;
  status: string;
}

export const imageCheck: Check = {
  id: 'image',
  title: 'image',
  async run({ cloud, plan }) {
    if (!plan.image) return skip('no image configured');
    if (!cloud.hasService('image')) return skip('no image (Glance) endpoint');
    const byName = await cloud.request<{ images: GlanceImage[] }>(
      'image',
      'GET',
      apiPath(cloud, 'image', 'v2', '/images'),
      { query: { name: plan.image } },
    );
    let img = byName.data.images[0];
    if (!img && /^[0-9a-f-]{32,36}$/i.test(plan.image)) {
      const byId = await cloud.request<GlanceImage>(
        'image',
        'GET',
        apiPath(cloud, 'image', 'v2', `/images/${plan.image}`),
        { okStatuses: [200, 404] },
      );
      if (byId.status === 200) img = byId.data;
    }
    if (!img) return fail(`image ${plan.image} not found`, 'pick one from `openstack image list` (--image NAME)');
    if (byName.data.images.length > 1)
      return fail(
        `${byName.data.images.length} images are named ${plan.image}: Heat cannot choose`,
        `give the image id (--image ${byName.data.images[0].id})`,
      );
    if (img.status !== 'active')
      return fail(
        `image ${plan.image} is ${img.status}, not active`,
        'wait for the upload to finish or pick another image',
      );
    return ok(`${img.name} (${img.id}) active`);
  },
};
