/**
 * demo: `crossdock demo` (`npm start`), the whole hub doing a distributor's work on the local
 * stack. Simulated sites (demo/sites/: CSV exports, signed HTTP posts, the SDK) run the business of
 * demo/business.ts through the hub started in-process on a topic prefix of the run's own; local
 * receivers (demo/receivers.ts) stand in for the webhook subscribers; the live view
 * (demo/view.ts) and the summary with its reconciliation (demo/summary.ts, demo/reconcile.ts)
 * read the hub's metrics and the run's topics. docs/demo.md shows a run.
 */
export { runDemo, type DemoOptions, type DemoResult } from './run';
export type { DemoSummary } from './summary';
export { eventIdOfBody, headerOf, startReceiverServer, type ReceiverServer } from './receiver-server';
