import avsc from 'avsc';
import fs from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { manualClock } from '../../../core/clock';
import { createLogger } from '../../../core/logger';
import { DeliveryEngine } from '../../../connectors/sinks/engine';
import { correlationIdOf } from '../../../core/event-metadata';
import { DELIVERY_LOG_EVENTS } from '../../../connectors/sinks/log-events';
import { deliveryMetrics } from '../../../connectors/sinks/metrics';
import { Semaphore } from '../../../connectors/sinks/semaphore';
import { CircuitBreaker } from '../../../retry/breaker';
import { compileDeliverySettings } from '../../../retry/settings';
import type { DeliveryState, RetryEntry } from '../../../retry/state';

const METADATA = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../../schemas/common/EventMetadata.avsc'), 'utf8'),
) as object;

/** A canonical-shaped event (metadata first, then a payload field), Confluent-framed. */
function framedEvent(correlationId: string): Buffer {
  const type = avsc.Type.forSchema({
    type: 'record',
    name: 'OrderReleased',
    namespace: 'com.crossdock.order',
    fields: [
      { name: 'metadata', type: METADATA },
      { name: 'orderId', type: 'string' },
    ],
  } as avsc.Schema);
  const body = type.toBuffer({
    metadata: {
      eventId: '0b0c1f1e-0000-4000-8000-000000000001',
      eventType: 'OrderReleased',
      occurredAt: 1_800_000_000_000,
      siteId: 'us-chi',
      sourceSystem: 'sap-ecc',
      correlationId,
      causationId: null,
    },
    orderId: 'ORD-1',
  });
  return Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), body]);
}

describe('correlationIdOf', () => {
  it("reads the correlationId out of a framed canonical event's metadata", () => {
    expect(correlationIdOf(framedEvent('corr-42'))).toBe('corr-42');
  });

  it('gives undefined for a value that is not a framed canonical event', () => {
    expect(correlationIdOf(Buffer.from('plain'))).toBeUndefined();
    expect(correlationIdOf(Buffer.alloc(0))).toBeUndefined();
    expect(correlationIdOf(framedEvent('corr-42').subarray(0, 20))).toBeUndefined();
  });
});

describe('delivery log lines', () => {
  it('a dead-lettered event is logged once, as declared, with eventId and correlationId', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
    });
    const clock = manualClock(1_800_000_000_000);
    const settings = compileDeliverySettings({});
    // Only what a first pass with a permanent failure touches.
    const state = {
      admit: async () => ({ kind: 'admitted' }),
      finish: async () => undefined,
    } as unknown as DeliveryState;
    const sent: unknown[] = [];
    const engine = new DeliveryEngine({
      subscriberId: 'finance',
      sink: {
        kind: 'http',
        start: async () => undefined,
        close: async () => undefined,
        deliver: async () => ({
          kind: 'permanent',
          code: 'CD_E_DELIVERY_REJECTED',
          reason: 'HTTP 422',
          status: 422,
        }),
      },
      state,
      settings,
      breaker: new CircuitBreaker(settings.breaker, clock),
      metrics: deliveryMetrics(new Registry(), 'finance'),
      slots: new Semaphore(1),
      dlqProducer: {
        send: async (r) => {
          sent.push(r);
          return [];
        },
      },
      dlqTopic: 'cd.dlq.deliver.finance',
      logger,
      clock,
      random: () => 0.5,
      running: () => true,
    });
    const entry: RetryEntry = {
      eventId: 'e-1',
      topic: 'cd.deliver.finance',
      partition: 0,
      offset: '3',
      key: null,
      value: framedEvent('corr-7'),
      headers: {},
      attempts: 0,
    };
    expect(await engine.fromTopic(entry)).toBe('dead-lettered');
    expect(sent).toHaveLength(1);
    const dead = lines.filter((l) => l.event === 'delivery.dead_lettered');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      level: 40,
      eventId: 'e-1',
      correlationId: 'corr-7',
      subscriber: 'finance',
      code: 'CD_E_DELIVERY_REJECTED',
      attempts: 1,
    });
    expect(dead[0]!.msg).not.toBe('delivery.dead_lettered');
    // Every field logged besides the bindings is declared.
    const declared = new Set([...DELIVERY_LOG_EVENTS['delivery.dead_lettered'].fields, 'event']);
    for (const k of Object.keys(dead[0]!).filter((k) => !['level', 'time', 'pid', 'msg'].includes(k)))
      expect(declared).toContain(k);
  });
});
