import type { SiteProducer } from '../../connectors/sdk';
import type { BadKind, BusinessEvent, DemoSiteSpec } from '../business';
import type { SenderLedger } from '../ledger';
import { inFlight, type SiteChannel } from './channel';

/**
 * The regional warehouse systems of the SDK sites: each publishes canonical events of every type
 * with connectors/sdk, logged in as its own SCRAM user, straight to its ingress topic. The SDK
 * refuses an event that does not fit its schema before anything is sent; a resend uses the same
 * eventId (the router drops it as a duplicate).
 */

export const SDK_BAD_KINDS: readonly BadKind[] = [
  'wrong-currency',
  'zero-quantity',
  'missing-field',
  'unknown-sku',
];

export const SDK_TYPES = [
  'OrderReleased',
  'OrderHoldPlaced',
  'OrderHoldReleased',
  'OrderExceptionRaised',
  'ShipmentConfirmed',
  'InvoiceGenerated',
  'ReturnAuthorized',
  'InventoryTransferApproved',
  'IntercompanyTransferPosted',
  'ReplenishmentRequested',
] as const;

export interface SdkSiteOptions {
  siteId: string;
  /** A connected-on-demand site producer (connectors/sdk createSiteProducer). */
  producer: SiteProducer;
  ledger: SenderLedger;
}

export function sdkSite(options: SdkSiteOptions): SiteChannel {
  const spec: DemoSiteSpec = {
    siteId: options.siteId,
    types: SDK_TYPES,
    badKinds: SDK_BAD_KINDS,
    resends: true,
  };
  const tally = options.ledger.site(options.siteId, 'sdk');
  const inflight = inFlight();
  let connected: Promise<void> | undefined;

  async function publish(e: BusinessEvent): Promise<void> {
    await (connected ??= options.producer.connect());
    try {
      await options.producer.publish(e.type, e.body, {
        eventId: e.eventId,
        correlationId: e.correlationId,
        causationId: e.causationId,
        occurredAt: e.occurredAt,
      });
      tally.accepted++;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('CD_E_')) options.ledger.refused(tally, code);
      else tally.failed++;
    }
  }

  return {
    siteId: options.siteId,
    kind: 'sdk',
    spec,
    send(e) {
      tally.sent++;
      if (e.resend) tally.resent++;
      if (e.bad) tally.bad[e.bad] = (tally.bad[e.bad] ?? 0) + 1;
      return inflight.start(publish(e));
    },
    async flush() {
      await inflight.settle();
    },
    async close() {
      await inflight.settle();
      if (connected) await options.producer.disconnect().catch(() => undefined);
    },
  };
}
