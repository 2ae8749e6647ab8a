import type { ConsolePageModule } from '../contract';
import { auditPages } from './audit';
import { deadLetterPages } from './dead-letters';
import { overviewPage } from './overview';

/**
 * The console's pages, in navigation order: each module registers its routes and its entry of the
 * navigation bar (console/contract.ts ConsoleSite).
 */
export const CONSOLE_PAGES: readonly ConsolePageModule[] = [overviewPage, deadLetterPages, auditPages];
