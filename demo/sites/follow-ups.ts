import type { EventTypeName } from '../../connectors/sdk';
import type { BusinessEvent } from '../business';
import type { SiteChannel } from './channel';

/**
 * A CSV or HTTP site's second channel: its mapping carries order releases (and the cloud ERP's
 * holds), while the warehouse's own system reports what follows an order (shipments, invoices,
 * credit notes, exceptions, returns, holds) through the SDK as the same site. Those events join
 * the order's flow by the hub's id of its release (its correlationId): the primary channel tells
 * it (HTTP: the 202 answer; CSV: predicted from the export file), so a follow-up waits until it is
 * known (bounded), and the steps of one order go out in their order.
 */

/** What an order's follow-ups are. */
export const FOLLOW_UP_TYPES: readonly EventTypeName[] = [
  'OrderHoldPlaced',
  'OrderHoldReleased',
  'OrderExceptionRaised',
  'ShipmentConfirmed',
  'InvoiceGenerated',
  'ReturnAuthorized',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function withFollowUps(
  primary: SiteChannel,
  sdk: SiteChannel,
  options: { waitMs?: number } = {},
): SiteChannel {
  const waitMs = options.waitMs ?? 30_000;
  const extra = FOLLOW_UP_TYPES.filter((t) => !primary.spec.types.includes(t));
  const spec = { ...primary.spec, types: [...primary.spec.types, ...extra] };
  /** Per order (business correlationId): the last follow-up on its way, so the next waits for it. */
  const chains = new Map<string, Promise<void>>();

  async function resolved(e: BusinessEvent): Promise<BusinessEvent> {
    for (let waited = 0; waited < waitMs && primary.hubIdOf?.(e.correlationId).pending; waited += 100)
      await sleep(100);
    const hubId = (id: string) => primary.hubIdOf?.(id).id ?? id;
    return {
      ...e,
      correlationId: hubId(e.correlationId),
      causationId: e.causationId === null ? null : hubId(e.causationId),
    };
  }

  return {
    siteId: primary.siteId,
    kind: primary.kind,
    spec,
    send(e) {
      if (!extra.includes(e.type)) return primary.send(e);
      const key = e.correlationId;
      const next = (chains.get(key) ?? Promise.resolve())
        .then(async () => sdk.send(await resolved(e)))
        .catch(() => undefined)
        .finally(() => {
          if (chains.get(key) === next) chains.delete(key);
        });
      chains.set(key, next);
      return Promise.resolve();
    },
    async flush(final) {
      await primary.flush(final);
      await Promise.all([...chains.values()]);
      await sdk.flush(final);
    },
    async close() {
      await primary.close();
      await Promise.all([...chains.values()]);
      await sdk.close();
    },
    hubIdOf: primary.hubIdOf?.bind(primary),
  };
}
