import type { ConsolePageModule } from '../contract';
import { auditPages } from './audit';
import { catalogPage } from './catalog';
import { deadLetterPages } from './dead-letters';
import { flowsPage } from './flows';
import { overviewPage } from './overview';
import { tracePage } from './trace';

/**
 * The console's pages, in navigation order: each module registers its routes and its entry of the
 * navigation bar (console/contract.ts ConsoleSite).
 */
export const CONSOLE_PAGES: readonly ConsolePageModule[] = [
  overviewPage,
  deadLetterPages,
  tracePage,
  catalogPage,
  flowsPage,
  auditPages,
];
