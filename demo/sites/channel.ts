import type { BusinessEvent, DemoSiteSpec } from '../business';

/** One simulated site's system, sending through its own kind of connector. */
export interface SiteChannel {
  readonly siteId: string;
  readonly kind: 'http' | 'csv' | 'sdk';
  /** What the site's channel can carry and the mistakes it makes. */
  readonly spec: DemoSiteSpec;
  /** Sends one event (a CSV site collects it for its next export file). */
  send(e: BusinessEvent): Promise<void>;
  /**
   * Sends what is collected (the CSV sites' export file). `final`: the last call, which waits
   * (bounded) for the outcome of everything sent.
   */
  flush(final?: boolean): Promise<void>;
  close(): Promise<void>;
}
