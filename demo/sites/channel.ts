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
  /**
   * The hub's eventId of an event this channel sent, by the business's id, once the channel knows
   * it (HTTP: the 202 answer; CSV: predicted from the export file); `undefined` with `pending`
   * true while it may still learn it. The SDK sends the business's ids: it needs none.
   */
  hubIdOf?(businessEventId: string): { id?: string; pending: boolean };
}

/** The sends a channel has started and not yet seen the end of: started at once, awaited at flush. */
export function inFlight() {
  const running = new Set<Promise<void>>();
  return {
    /** Starts tracking a send; resolves at once (the channel does not wait for the answer). */
    start(send: Promise<void>): Promise<void> {
      const p = send.finally(() => running.delete(p));
      running.add(p);
      return Promise.resolve();
    },
    /** Waits for every send started so far. */
    async settle(): Promise<void> {
      await Promise.all([...running]);
    },
  };
}
