/**
 * What the console bench asks for: each page's first view as a person opens it (the navigation's
 * pages, one dead letter, a group's letters, a replay job, the trace of one event), and the
 * baseline: the same app's sign-in page (the layout drawn, no API call).
 */
import { href } from '../../console/html';

export const BASELINE_PATH = '/console/login';

export interface BenchPage {
  name: string;
  path: string;
}

export function benchPages(o: {
  letterId: string;
  eventId: string;
  subscriber: string;
  group: string;
  jobId: string | undefined;
}): BenchPage[] {
  return [
    { name: 'overview', path: '/console/overview' },
    { name: 'overview (live fragment)', path: '/console/overview/live' },
    { name: 'dead letters (groups)', path: '/console/dead-letters' },
    {
      name: 'dead letters of a subscriber',
      path: href('/console/dead-letters', { subscriber: o.subscriber }),
    },
    { name: 'dead letters of a group', path: href('/console/dead-letters', { group: o.group }) },
    { name: 'one dead letter', path: `/console/dead-letters/${encodeURIComponent(o.letterId)}` },
    { name: 'replay jobs', path: '/console/replays' },
    ...(o.jobId ? [{ name: 'one replay job', path: `/console/replays/${encodeURIComponent(o.jobId)}` }] : []),
    { name: 'trace of an event', path: href('/console/trace', { eventId: o.eventId }) },
    { name: 'catalog', path: '/console/catalog' },
    { name: 'flows', path: '/console/flows' },
    { name: 'audit', path: '/console/audit' },
  ];
}
