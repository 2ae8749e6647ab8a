import type { Accounting } from './accounting';
import type { Breakdown } from './breakdown';
import type { Percentiles } from './histogram';
import type { HubPhase } from './hub-metrics';

/** The end-to-end goal (issue 15): p99 ≤ 50 ms at 500 events/s on this machine. */
export const GOAL = { rate: 500, p99Ms: 50 };

/** What the end-to-end arm records (bench/results/<date>.json, arm `e2e`). */
export interface E2EPhase {
  /** 'warm-up', 'max', '100/s', …, 'half max'. */
  label: string;
  kind: 'open' | 'closed';
  /** Target rate (open loop), events/s. */
  rate?: number;
  seconds: number;
  /** Events sent; accepted = answered 2xx with their eventId. */
  sent: number;
  accepted: number;
  /** Requests not answered 2xx, by code. */
  refused: Record<string, number>;
  /** Events that arrived per second over the phase (closed loop: its measured window). */
  deliveredPerSec: number;
  /** Scheduled send → first arrival at the receiver, ms (open loop: from the schedule). */
  latencyMs: Percentiles;
  accounting: Accounting;
  breakdown: Breakdown;
  /** The hub's own metrics over the phase (router batches and transactions, POST time). */
  hub?: HubPhase;
}

export interface E2EResult {
  arm: 'e2e';
  date: string;
  command: string;
  quick: boolean;
  machine: string;
  settings: {
    partitions: number;
    connections: number;
    closedConnections: number;
    window: number;
    seconds: number;
    maxSeconds: number;
    warmupSeconds: number;
  };
  /** Closed-loop maximum, events/s delivered. */
  maxPerSec: number;
  phases: E2EPhase[];
  goal: { rate: number; p99Ms: number; measuredP99Ms: number | null; met: boolean };
  /** Over every phase: nothing lost, nothing doubled, nothing refused, nothing unexpected. */
  valid: boolean;
  problems: string[];
}
