import { Pool } from 'undici';
import type { Producer } from 'kafkajs';
import { frame } from '../../core/avro';
import { post } from '../../connectors/sinks/http-post';
import { stopProcess } from './procs';
import type { Rig, Stats } from './rig';
import { CONCURRENCY, N, OPEN_SECONDS, RAW_DISPATCH } from './settings';

/** Drain, raw arm: N POSTs of the connector's bodies and headers, CONCURRENCY in flight. */
export async function rawDrain(rig: Rig): Promise<Stats> {
  const { reset, base, bodies, rawHeaders, waitCount } = rig;
  await reset();
  const pool = new Pool(base, { connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const i = next++;
      if (RAW_DISPATCH) {
        await post(pool, '/hook', rawHeaders[i]!, bodies[i]!, 10_000);
        continue;
      }
      const res = await pool.request({
        path: '/hook',
        method: 'POST',
        headers: rawHeaders[i]!,
        body: bodies[i]!,
      });
      await res.body.dump();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await pool.close();
  return waitCount(N);
}

/**
 * The connector arm, or the ceiling arm C (ceiling-child.ts) on a topic of its own; `env` goes to
 * the child (CD_BENCH_CLIENT=librdkafka: arm C_rd).
 */
export async function connectorDrain(
  rig: Rig,
  script?: string,
  cwd?: string,
  env?: Record<string, string>,
): Promise<Stats & { cpuMs?: number; rssMb?: number }> {
  const { newSubscriber, dropSubscriber, preload, reset, startConnector, waitCount } = rig;
  const s = await newSubscriber();
  await preload(s.topic);
  await reset();
  const c = await startConnector(s, script, cwd, env);
  const st = await waitCount(N);
  const usage = await stopProcess(c);
  await dropSubscriber(s);
  return { ...st, ...usage };
}

/** Open loop, raw arm: POST on a fixed schedule; the receiver measures from the scheduled time. */
export async function rawOpen(rig: Rig, openRate: number): Promise<Stats> {
  const { reset, base, events, bodies, requestHeaders, waitCount } = rig;
  const openCount = openRate * OPEN_SECONDS;
  await reset();
  const pool = new Pool(base, { connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  const t0 = performance.timeOrigin + performance.now() + 50;
  const pending: Array<Promise<void>> = [];
  let k = 0;
  while (k < openCount) {
    const now = performance.timeOrigin + performance.now();
    while (k < openCount && t0 + (k * 1000) / openRate <= now) {
      const i = k % N;
      const sched = t0 + (k * 1000) / openRate;
      pending.push(
        pool
          .request({
            path: '/hook',
            method: 'POST',
            headers: {
              ...requestHeaders(events[i]!, `${events[i]!.eventId}-${k}`),
              'x-bench-sched': String(sched),
            },
            body: bodies[i]!,
          })
          .then((res) => res.body.dump()),
      );
      k++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  await pool.close();
  return waitCount(openCount);
}

/** Open loop, connector arm: produce on the same schedule, occurredAt = the scheduled time. */
export async function connectorOpen(rig: Rig, p: Producer, openRate: number, cwd?: string): Promise<Stats> {
  const {
    newSubscriber,
    dropSubscriber,
    startConnector,
    reset,
    events,
    framed,
    ceHeaders,
    waitCount,
    schemaId,
    type,
  } = rig;
  const openCount = openRate * OPEN_SECONDS;
  const s = await newSubscriber();
  const c = await startConnector(s, undefined, cwd);
  // Warm the group and the connections before measuring.
  await reset();
  await p.send({
    topic: s.topic,
    acks: -1,
    messages: events.slice(0, 200).map((e, j) => ({
      key: e.orderId,
      value: framed[j]!,
      headers: ceHeaders({ ...e, eventId: `${e.eventId.slice(0, -4)}w${String(j).padStart(3, '0')}` }),
    })),
  });
  await waitCount(200);
  await reset();
  const t0 = performance.timeOrigin + performance.now() + 50;
  let k = 0;
  const sends: Array<Promise<unknown>> = [];
  while (k < openCount) {
    const now = performance.timeOrigin + performance.now();
    const batch: Array<{ key: string; value: Buffer; headers: Record<string, string> }> = [];
    while (k < openCount && batch.length < 500 && t0 + (k * 1000) / openRate <= now) {
      const e = events[k % N]!;
      const sched = t0 + (k * 1000) / openRate;
      const value = frame(
        schemaId,
        type.toBuffer({
          ...e.value,
          metadata: { ...(e.value.metadata as object), occurredAt: new Date(sched) },
        }),
      );
      batch.push({ key: e.orderId, value, headers: ceHeaders({ ...e, eventId: `${e.eventId}-${k}` }) });
      k++;
    }
    if (batch.length) sends.push(p.send({ topic: s.topic, acks: -1, messages: batch }));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(sends);
  const st = await waitCount(openCount);
  await stopProcess(c);
  await dropSubscriber(s);
  return st;
}
