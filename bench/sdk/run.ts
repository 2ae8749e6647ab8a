/**
 * SDK benchmark: a site program publishing awaited events through the SDK on kafkajs (D_js)
 * against the same program on librdkafka (D_rd), interleaved (D_js D_rd, then D_rd D_js, …), each
 * arm in its own process. A run is invalid when the site's ingress topic does not hold exactly the
 * events the arms had acknowledged (warm-ups included). The decision rule of
 * docs/adr/0003-kafka-client.md reads D_rd / D_js.
 *
 *   npm run bench:sdk                                  (3 repetitions, 8 s per arm, 64 loops)
 *   BENCH_REPS=5 BENCH_SECONDS=10 BENCH_CONCURRENCY=16 npm run bench:sdk
 *   npm run bench:sdk -- --json                        (the summary on stdout)
 *
 * Writes bench/results/sdk.json.
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKafka } from '../../core/kafka';
import { grantSiteAcls, revokeSiteAcls } from '../../connectors/sources/onboarding';
import { encodeEvent, exampleEvent, loadCatalog } from '../../schemas';
import { currentEndpoints, readCredentials, stackPaths } from '../../stack';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const ROOT = path.resolve(__dirname, '../..');

interface ArmResult {
  arm: string;
  rep: number;
  client: string;
  events: number;
  total: number;
  seconds: number;
  cpuMs: number;
  rssMb: number;
  p50Ms: number;
  p99Ms: number;
  eventsPerSec: number;
}

function runArm(env: NodeJS.ProcessEnv): Promise<Omit<ArmResult, 'arm' | 'rep' | 'eventsPerSec'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'arm.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as Omit<ArmResult, 'arm' | 'rep' | 'eventsPerSec'>)
        : reject(new Error(`sdk arm exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const endpoints = currentEndpoints();
  const password = readCredentials(stackPaths())?.users.find((u) => u.name === 'site-us-atl')?.password;
  if (!password)
    throw new Error('no SCRAM credentials for site-us-atl: is the stack up (npx crossdock stack up)?');
  const prefix = `bench-${crypto.randomBytes(4).toString('hex')}`;
  const topic = `${prefix}.ingress.us-atl`;
  const admin = createKafka({ clientId: 'bench-sdk-admin', brokers: endpoints.kafkaBrokers }).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
  });
  await grantSiteAcls(admin, prefix, 'us-atl');
  // What `crossdock schemas push` does: the SDK only looks schema ids up.
  await encodeEvent(
    endpoints.registryUrl,
    loadCatalog().byEventType('OrderReleased')!,
    undefined,
    exampleEvent('OrderReleased'),
  );

  const runs: ArmResult[] = [];
  const arms = [
    { arm: 'D_js', client: 'kafkajs' },
    { arm: 'D_rd', client: 'librdkafka' },
  ];
  try {
    for (let rep = 1; rep <= REPS; rep++)
      for (const a of rep % 2 === 0 ? [...arms].reverse() : arms) {
        const r = await runArm({
          CD_BENCH_CLIENT: a.client,
          CD_BENCH_PREFIX: prefix,
          CD_BENCH_PASSWORD: password,
          CD_BENCH_CONCURRENCY: String(CONCURRENCY),
          CD_BENCH_SECONDS: String(SECONDS),
        });
        if (r.client !== a.client) throw new Error(`arm ${a.arm} ran on ${r.client}, not ${a.client}`);
        const run = { ...r, arm: a.arm, rep, eventsPerSec: r.events / r.seconds };
        runs.push(run);
        process.stderr.write(
          `[bench:sdk] rep ${rep} ${a.arm}: ${Math.round(run.eventsPerSec)} events/s (p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, CPU ${Math.round((r.cpuMs * 1000) / Math.max(1, r.events))} µs/event)\n`,
        );
      }
    const offsets = await admin.fetchTopicOffsets(topic);
    const inTopic = offsets.reduce((s, p) => s + Number(p.high), 0);
    const acknowledged = runs.reduce((s, r) => s + r.total, 0);
    const of = (arm: string) => runs.filter((r) => r.arm === arm);
    const pairs = of('D_rd').map((r, i) => r.eventsPerSec / of('D_js')[i]!.eventsPerSec);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const summary = {
      measuredAt: new Date().toISOString(),
      machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`,
      settings: { reps: REPS, seconds: SECONDS, concurrency: CONCURRENCY },
      librdkafkaVsKafkajs: { median: median(pairs), min: Math.min(...pairs), max: Math.max(...pairs) },
      medians: Object.fromEntries(
        arms.map(({ arm }) => [
          arm,
          {
            eventsPerSec: Math.round(median(of(arm).map((r) => r.eventsPerSec))),
            p99Ms: median(of(arm).map((r) => r.p99Ms)),
            cpuUsPerEvent: Math.round(median(of(arm).map((r) => (r.cpuMs * 1000) / Math.max(1, r.events)))),
          },
        ]),
      ),
      acknowledged,
      inTopic,
      invalid: inTopic !== acknowledged,
      runs,
    };
    process.stderr.write(
      `[bench:sdk] D_rd/D_js ${summary.librdkafkaVsKafkajs.median.toFixed(2)} (${summary.librdkafkaVsKafkajs.min.toFixed(2)}-${summary.librdkafkaVsKafkajs.max.toFixed(2)})  ${summary.invalid ? 'INVALID RUN' : 'valid'} (acknowledged ${acknowledged}, in topic ${inTopic})\n`,
    );
    fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'bench/results/sdk.json'), JSON.stringify(summary, null, 2) + '\n');
    if (json) process.stdout.write(JSON.stringify(summary) + '\n');
    if (summary.invalid) process.exitCode = 1;
  } finally {
    await revokeSiteAcls(admin, prefix, 'us-atl').catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench:sdk failed: ${String(err)}\n`);
  process.exitCode = 1;
});
