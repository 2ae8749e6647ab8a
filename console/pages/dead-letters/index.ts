/**
 * The console's dead-letter pages (issue #18 item 2; docs/operations.md "Dead-letter
 * operations" is the walkthrough they let an operator do alone): groups and letters, one letter,
 * the work on letters, dry run and replay, replay jobs with live progress. Everything through the
 * admin API as the signed-in user.
 */
import type { ConsolePageModule } from '../../contract';
import { registerWorkActions } from './actions';
import { registerJobs } from './jobs';
import { letterPage } from './letter';
import { deadLettersPage } from './list';
import { registerReplay } from './replay';

export const deadLetterPages: ConsolePageModule = (site) => {
  site.nav({ path: '/dead-letters', label: 'Dead letters' });
  site.page('/dead-letters', deadLettersPage);
  // Static paths (dry-run and the actions) before the letter's `:id`: Fastify prefers them anyway.
  registerReplay(site);
  registerWorkActions(site);
  site.page('/dead-letters/:id', letterPage);
  registerJobs(site);
};
