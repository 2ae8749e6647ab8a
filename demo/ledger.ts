/**
 * What the simulated sites did, as they saw it: events sent, accepted (202 answers, SDK
 * acknowledgements, CSV files processed) and refused, by code. The hub's side of the story is read
 * from the run's topics (demo/observer.ts); the summary puts the two together.
 */
export interface SiteTally {
  kind: 'http' | 'csv' | 'sdk';
  /** Events the site's system produced (resends included). */
  sent: number;
  /** Events the site was told were accepted. */
  accepted: number;
  /** Events refused at ingest, by code (the problem's code when the answer lists one). */
  refused: Record<string, number>;
  /** Events whose sending failed for a reason that is not a refusal (network, timeout). */
  failed: number;
  /** Of `sent`, the events a site sent again with the same id (the router drops them). */
  resent: number;
  /** Of `sent`, the events with a mistake on purpose, by kind. */
  bad: Record<string, number>;
}

export class SenderLedger {
  readonly sites = new Map<string, SiteTally>();

  site(siteId: string, kind: SiteTally['kind']): SiteTally {
    let t = this.sites.get(siteId);
    if (!t) {
      t = { kind, sent: 0, accepted: 0, refused: {}, failed: 0, resent: 0, bad: {} };
      this.sites.set(siteId, t);
    }
    return t;
  }

  refused(t: SiteTally, code: string, n = 1): void {
    t.refused[code] = (t.refused[code] ?? 0) + n;
  }
}
