import type { Producer } from 'kafkajs';
import type { HubConfig } from '../../../core/config';
import { testEndpoints } from '../../helpers/stack';
import { wireEvent, type WireEvent } from './events';
import { allTopics, testConfig } from './harness';

/**
 * The stream the crash and rebalance tests push through the router: OrderReleased and
 * InventoryAdjusted from three sites; `orders` fans OrderReleased out to a and b, `all` sends
 * everything to c.
 */
export function streamConfig(partitions = 6): HubConfig {
  return testConfig({
    subscribers: ['a', 'b', 'c'],
    routes: [
      { name: 'orders', match: { eventTypes: ['OrderReleased'] }, to: ['a', 'b'] },
      { name: 'all', match: {}, to: ['c'] },
    ],
    partitions,
    router: { duplicateWindowSeconds: 900 },
  });
}

const SITES = ['us-chi', 'us-dal', 'ca-tor'];

export async function makeStream(n: number): Promise<WireEvent[]> {
  const out: WireEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await wireEvent(testEndpoints().registryUrl, {
        eventType: i % 2 ? 'InventoryAdjusted' : 'OrderReleased',
        siteId: SITES[i % SITES.length]!,
        seed: i,
      }),
    );
  }
  return out;
}

/** Produces in chunks, calling between() after each (to kill or start routers mid-stream). */
export async function produceStream(
  producer: Producer,
  config: HubConfig,
  events: WireEvent[],
  chunk: number,
  between: (sent: number) => Promise<void>,
): Promise<void> {
  const t = allTopics(config);
  for (let i = 0; i < events.length; i += chunk) {
    const part = events.slice(i, i + chunk);
    const bySite = new Map<string, WireEvent[]>();
    for (const e of part) {
      const s = e.event.metadata.siteId as string;
      bySite.set(s, [...(bySite.get(s) ?? []), e]);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...bySite].map(([site, list]) => ({
        topic: t.ingress(site),
        messages: list.map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
      })),
    });
    await between(i + part.length);
  }
}

export function expectedIds(events: WireEvent[]): { a: string[]; b: string[]; c: string[] } {
  const orders = events
    .filter((e) => e.event.metadata.eventType === 'OrderReleased')
    .map((e) => e.event.metadata.eventId as string);
  return { a: orders, b: orders, c: events.map((e) => e.event.metadata.eventId as string) };
}
