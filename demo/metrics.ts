/** The hub's metrics as the live view and the summary read them: hub/metrics-snapshot.ts. */
export { readSnapshot, snapshotOf, type MetricsSnapshot } from '../hub';
