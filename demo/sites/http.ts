import type { EventBody, EventTypeName } from '../../connectors/sdk';
import type { BadKind, BusinessEvent, DemoSiteSpec } from '../business';
import type { SenderLedger } from '../ledger';
import { inFlight, type SiteChannel } from './channel';
import { localDay, localDecimal, localTime } from './format';

/**
 * The cloud ERPs of the HTTP sites: each posts its own JSON (the shape its mapping in
 * sites/<id>/mapping.yaml reads), signed with the site's key, to HTTP ingest. Their mappings know
 * order releases; a release can carry a mistake of the site's (bad date, unknown unit code, a
 * currency the hub does not trade in).
 */

type Order = EventBody<'OrderReleased'>;

/** How one site writes an order release (and, where its mapping knows them, holds). */
interface HttpDialect {
  record(order: Order, at: Date, bad: BadKind | undefined): Record<string, unknown>;
  /** A hold placed or released; `flowId`: the hub's eventId of the order's release. */
  hold?(e: BusinessEvent<'OrderHoldPlaced' | 'OrderHoldReleased'>, flowId: string): Record<string, unknown>;
  /** Its times carry minutes, no seconds. */
  minutesOnly?: boolean;
}

const BASE_UOM: Record<string, string> = { EA: 'EA', CS: 'CS', KGM: 'KG' };
const MX_UOM: Record<string, string> = { EA: 'PZA', CS: 'CJ', KGM: 'KG' };

/** sites/_base: the cloud ERP webhook (ISO times with offset, decimal point). */
function cloudErp(options: {
  orderField: string;
  time: (at: Date, bad: boolean) => string;
  day: (iso: string) => string;
  num: (v: string) => string;
}): HttpDialect {
  return {
    hold(e, flowId) {
      if (e.type === 'OrderHoldPlaced') {
        const h = e.body as EventBody<'OrderHoldPlaced'>;
        return {
          type: 'order.hold.placed',
          [options.orderField]: h.orderId,
          placedAt: options.time(e.occurredAt, false),
          flowId,
          hold: {
            id: h.holdId,
            reason: h.holdReason.toLowerCase(),
            note: h.holdNote ?? null,
            by: h.placedBy,
            expectedRelease: h.expectedReleaseDate ? options.day(h.expectedReleaseDate) : null,
          },
          customer: { id: h.customerId },
          currency: h.currency.toLowerCase(),
          amountAtRisk: options.num(h.amountAtRisk),
        };
      }
      const h = e.body as EventBody<'OrderHoldReleased'>;
      return {
        type: 'order.hold.released',
        [options.orderField]: h.orderId,
        releasedAt: options.time(e.occurredAt, false),
        flowId,
        hold: {
          id: h.holdId,
          reason: h.holdReason.toLowerCase(),
          resolution: h.resolution.toLowerCase(),
          releasedBy: h.releasedBy,
          note: h.releaseNote ?? null,
          since: options.time(new Date(h.heldSince), false),
        },
        remainingHolds: h.remainingHolds ?? 0,
      };
    },
    record(order, at, bad) {
      return {
        type: 'order.released',
        [options.orderField]: order.orderId,
        releasedAt: options.time(at, bad === 'bad-date'),
        customer: { id: order.customerId, name: order.customerName },
        warehouse: order.warehouseId,
        shipBy: options.day(order.requestedShipDate),
        shipTo: {
          name: order.shipTo.name,
          street: order.shipTo.line1,
          street2: order.shipTo.line2 ?? null,
          city: order.shipTo.city,
          state: order.shipTo.region ?? null,
          zip: order.shipTo.postalCode,
          country: order.shipTo.countryCode.toLowerCase(),
          phone: order.shipTo.phone ?? null,
          email: order.shipTo.email ?? null,
        },
        currency: order.currency.toLowerCase(),
        total: options.num(order.orderTotal),
        lines: order.lines.map((l, i) => ({
          line: l.lineNumber,
          sku: l.sku,
          description: l.description ?? null,
          qty: l.quantity,
          uom: bad === 'unknown-uom' && i === 0 ? 'BX' : BASE_UOM[l.unitOfMeasure],
          price: l.unitPrice,
          amount: options.num(l.lineAmount),
        })),
      };
    },
  };
}

/** sites/_variants/mx-erp: Spanish names, dd/MM/yyyy HH:mm in UTC-6, decimal comma. */
const mxErp: HttpDialect = {
  minutesOnly: true,
  record(order, at, bad) {
    const num = (v: string) => localDecimal(v, ',', '.');
    const pattern = bad === 'bad-date' ? '31/02/yyyy HH:mm' : 'dd/MM/yyyy HH:mm';
    return {
      tipo: 'pedido.liberado',
      pedido: order.orderId,
      fechaLiberacion: localTime(at, pattern, '-06:00'),
      cliente: { numero: order.customerId, nombre: order.customerName },
      almacen: order.warehouseId,
      fechaEmbarque: localDay(order.requestedShipDate, 'dd/MM/yyyy'),
      destino: {
        nombre: order.shipTo.name,
        calle: order.shipTo.line1,
        colonia: order.shipTo.line2 ?? null,
        ciudad: order.shipTo.city,
        estado: order.shipTo.region ?? null,
        cp: order.shipTo.postalCode,
        pais: order.shipTo.countryCode,
        telefono: order.shipTo.phone ?? null,
        correo: order.shipTo.email ?? null,
      },
      moneda: order.currency,
      total: num(order.orderTotal),
      partidas: order.lines.map((l, i) => ({
        partida: String(l.lineNumber),
        articulo: l.sku,
        descripcion: l.description ?? null,
        cantidad: num(l.quantity),
        unidad: bad === 'unknown-uom' && i === 0 ? 'CAJA' : MX_UOM[l.unitOfMeasure],
        precio: num(l.unitPrice),
        importe: num(l.lineAmount),
      })),
    };
  },
};

/** Each HTTP site's dialect (its mapping chain in sites/). */
export const HTTP_DIALECTS: Record<string, HttpDialect> = {
  'us-chi': cloudErp({
    orderField: 'orderNumber',
    time: (at, bad) =>
      bad
        ? localTime(at, 'yyyy-02-31THH:mm:ss-06:00', '-06:00')
        : localTime(at, 'yyyy-MM-ddTHH:mm:ss-06:00', '-06:00'),
    day: (d) => d,
    num: (v) => v,
  }),
  'us-nwk': cloudErp({
    orderField: 'orderNo',
    time: (at, bad) => localTime(at, bad ? '02/31/yyyy HH:mm:ss' : 'MM/dd/yyyy HH:mm:ss', '-05:00'),
    day: (d) => localDay(d, 'MM/dd/yyyy'),
    num: (v) => localDecimal(v, '.', ','),
  }),
  'mx-mty': mxErp,
};

export const HTTP_BAD_KINDS: readonly BadKind[] = ['bad-date', 'unknown-uom', 'wrong-currency'];

/** What each HTTP site's mapping knows: releases, and the cloud ERP's holds. */
export function httpTypes(siteId: string): readonly EventTypeName[] {
  return HTTP_DIALECTS[siteId]?.hold
    ? ['OrderReleased', 'OrderHoldPlaced', 'OrderHoldReleased']
    : ['OrderReleased'];
}

export interface HttpSiteOptions {
  siteId: string;
  /** Base URL of HTTP ingest. */
  ingestUrl: string;
  key: { id: string; secret: string };
  ledger: SenderLedger;
  /** connectors/sources signedHeaders, injected (the part's surface). */
  sign: (key: { id: string; secret: string }, body: string) => Record<string, string>;
}

interface Answer {
  code?: string;
  problems?: Array<{ code?: string }>;
  eventIds?: string[];
}

export function httpSite(options: HttpSiteOptions): SiteChannel {
  const dialect = HTTP_DIALECTS[options.siteId];
  if (!dialect) throw new Error(`no HTTP dialect for site ${options.siteId}`);
  const spec: DemoSiteSpec = {
    siteId: options.siteId,
    types: httpTypes(options.siteId),
    badKinds: HTTP_BAD_KINDS,
    timeResolutionMs: dialect.minutesOnly ? 60_000 : 1000,
  };
  // The hub's eventId of each release this site got accepted, by the business's id: a hold names
  // its order's flow by it (the site's ERP keeps the id from the 202 answer).
  const hubIds = new Map<string, string>();
  /** Releases sent whose answer has not come yet. */
  const asking = new Set<string>();
  const tally = options.ledger.site(options.siteId, 'http');
  const url = `${options.ingestUrl}/v1/sites/${options.siteId}/events`;
  const inflight = inFlight();

  async function post(e: BusinessEvent): Promise<void> {
    const record =
      e.type === 'OrderHoldPlaced' || e.type === 'OrderHoldReleased'
        ? dialect!.hold!(
            e as BusinessEvent<'OrderHoldPlaced' | 'OrderHoldReleased'>,
            hubIds.get(e.correlationId) ?? e.correlationId,
          )
        : dialect!.record(e.body as Order, e.occurredAt, e.bad);
    const body = JSON.stringify(record);
    // A 503 or a broken connection is retried (signed anew): the documented client behaviour.
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...options.sign(options.key, body) },
        });
        const answer = (await res.json().catch(() => ({}))) as Answer;
        if (res.status === 202) {
          tally.accepted += answer.eventIds?.length ?? 1;
          if (e.type === 'OrderReleased' && answer.eventIds?.[0]) hubIds.set(e.eventId, answer.eventIds[0]);
          return;
        }
        if (res.status >= 500 && attempt < 4) {
          await new Promise((r) => setTimeout(r, 250 * attempt));
          continue;
        }
        options.ledger.refused(tally, answer.problems?.[0]?.code ?? answer.code ?? `HTTP ${res.status}`);
        return;
      } catch {
        if (attempt < 4) {
          await new Promise((r) => setTimeout(r, 250 * attempt));
          continue;
        }
        tally.failed++;
        return;
      }
    }
  }

  return {
    siteId: options.siteId,
    kind: 'http',
    spec,
    send(e) {
      tally.sent++;
      if (e.bad) tally.bad[e.bad] = (tally.bad[e.bad] ?? 0) + 1;
      if (e.type !== 'OrderReleased') return inflight.start(post(e));
      asking.add(e.eventId);
      return inflight.start(post(e).finally(() => asking.delete(e.eventId)));
    },
    hubIdOf(businessEventId) {
      return { id: hubIds.get(businessEventId), pending: asking.has(businessEventId) };
    },
    async flush() {
      await inflight.settle();
    },
    async close() {
      await inflight.settle();
    },
  };
}
