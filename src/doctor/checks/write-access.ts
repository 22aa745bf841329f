// Which write mode the stack these flags would make runs in (issue 15): ok when protected (creates and deletes
// need the stack's API key, results its workers' secret); warn for the opt-ins, saying what they expose.
import { writeAccess } from '../../stack/access-mode.js';
import { ok, warn, type Check } from '../types.js';

export const writeAccessCheck: Check = {
  id: 'write-access',
  title: 'who may write',
  async run({ plan }) {
    const a = writeAccess(plan.access?.anonymousWrites ?? false, plan.access?.legacyWorkers ?? false);
    if (a.mode === 'protected') return ok(`${a.mode}: ${a.detail}`);
    const off = [a.anonymousWrites ? '--no-anonymous-writes' : '', a.legacyWorkers ? '--no-legacy-workers' : '']
      .filter(Boolean)
      .join(' ');
    return warn(`${a.mode}: ${a.detail}`, `the app's URL is public: drop the opt-in (${off}) unless this is a tutorial or a private cloud`);
  },
};
