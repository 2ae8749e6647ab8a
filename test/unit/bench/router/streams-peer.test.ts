import fs from 'node:fs';
import path from 'node:path';
import {
  closingCounters,
  javaMajor,
  jarIsStale,
  lastLines,
  PEER_DIR,
  PEER_JAR,
  peerCommand,
  peerSummary,
  pomProperty,
  timedWindow,
  type PeerSample,
  type StreamsArmConfig,
} from '../../../../bench/router/streams-peer';

const cfg: StreamsArmConfig = {
  prefix: 'benchx1s',
  inputs: ['benchx1s.ingress.us-chi', 'benchx1s.ingress.ca-tor'],
  outputs: ['benchx1s.deliver.s1', 'benchx1s.deliver.s2'],
  deadLetterTopic: 'benchx1s.dlq.router',
  total: 1000,
  warmup: 200,
  brokers: ['127.0.0.1:19092'],
  registryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
  threads: 2,
  javaOpts: ['-Xmx1g'],
  timeoutMs: 60_000,
};

describe('bench/router streams peer (arm S): build decisions', () => {
  test('the jar is rebuilt when missing or older than any source', () => {
    expect(jarIsStale(undefined, [1, 2])).toBe(true);
    expect(jarIsStale(10, [1, 2, 11])).toBe(true);
    expect(jarIsStale(10, [1, 2, 10])).toBe(false);
    expect(jarIsStale(10, [])).toBe(false);
  });

  test('java -version output gives the major version, old and new styles', () => {
    expect(javaMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment')).toBe(17);
    expect(javaMajor('java version "1.8.0_402"')).toBe(8);
    expect(javaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(javaMajor('bash: java: command not found')).toBeUndefined();
  });

  test("a failed build's message keeps the last non-empty lines of Maven's output", () => {
    const out = Array.from({ length: 30 }, (_v, i) => `line ${i + 1}`).join('\n\n') + '\n';
    expect(lastLines(out, 3)).toBe('line 28\nline 29\nline 30');
    expect(lastLines('')).toBe('');
    expect(lastLines('\x1b[0m\x1b[0m[ERROR] COMPILATION ERROR :\n\x1b[0m')).toBe(
      '[ERROR] COMPILATION ERROR :',
    );
  });

  test("the pom's versions are what the bench reports (Kafka Streams 4.1.1, Avro 1.12.x)", () => {
    const pom = fs.readFileSync(path.join(PEER_DIR, 'pom.xml'), 'utf8');
    expect(pomProperty(pom, 'kafka.version')).toBe('4.1.1');
    expect(pomProperty(pom, 'avro.version')).toMatch(/^1\.12\.\d+$/);
    expect(pomProperty(pom, 'nope.version')).toBeUndefined();
    expect(path.relative(PEER_DIR, PEER_JAR)).toBe(path.join('target', 'streams-peer.jar'));
  });
});

describe('bench/router streams peer (arm S): command line and counters', () => {
  test('the java command names every topic, the group and the threads', () => {
    const argv = peerCommand(cfg, '/tmp/state');
    expect(argv.slice(0, 3)).toEqual(['-Xmx1g', '-jar', PEER_JAR]);
    const opt = (name: string) => argv[argv.indexOf(`--${name}`) + 1];
    expect(opt('bootstrap')).toBe('127.0.0.1:19092');
    expect(opt('registry')).toBe(cfg.registryUrl);
    expect(opt('application-id')).toBe('benchx1s-s');
    expect(opt('inputs')).toBe('benchx1s.ingress.us-chi,benchx1s.ingress.ca-tor');
    expect(opt('outputs')).toBe('benchx1s.deliver.s1,benchx1s.deliver.s2');
    expect(opt('dlq')).toBe('benchx1s.dlq.router');
    expect(opt('threads')).toBe('2');
    expect(opt('state-dir')).toBe('/tmp/state');
  });

  test("the app's closing line gives its counters; anything else gives none", () => {
    expect(closingCounters('x\n{"processed":1000,"deadLetters":0,"threads":1}\n')).toEqual({
      processed: 1000,
      deadLetters: 0,
    });
    expect(closingCounters('')).toEqual({});
    expect(closingCounters('Exception in thread "main"')).toEqual({});
  });
});

describe('bench/router streams peer (arm S): the timed window from committed offsets', () => {
  // Commits of 100 records every 100 ms from t = 1000 (after start-up), sampled every 100 ms.
  const samples: PeerSample[] = [
    { t: 0, committed: 0, cpuTicks: 0 },
    { t: 500, committed: 0, cpuTicks: 100 },
    ...Array.from({ length: 10 }, (_v, i) => ({
      t: 1000 + i * 100,
      committed: (i + 1) * 100,
      cpuTicks: 200 + (i + 1) * 15,
    })),
  ];

  test('from the warm-up share to the total, interpolated, counting total - warmup records', () => {
    const w = timedWindow(samples, 200, 1000, 100)!;
    expect(w.records).toBe(800);
    // 200 committed at t = 1100, 1000 at t = 1900: 0.8 s.
    expect(w.seconds).toBeCloseTo(0.8, 6);
    expect(w.eventsPerSec).toBe(1000);
    // The samples bracketing the window: t 1100 → 1900, 120 ticks in 0.8 s at 100 ticks/s = 150%.
    expect(w.cpuPercent).toBe(150);
  });

  test('a crossing between two samples is interpolated', () => {
    const sparse: PeerSample[] = [
      { t: 0, committed: 0, cpuTicks: 0 },
      { t: 1000, committed: 100, cpuTicks: 50 },
      { t: 2000, committed: 500, cpuTicks: 150 },
      { t: 3000, committed: 900, cpuTicks: 250 },
      { t: 4000, committed: 1000, cpuTicks: 300 },
    ];
    const w = timedWindow(sparse, 300, 1000, 100)!;
    // 300 reached at t = 1500, 1000 at t = 4000.
    expect(w.seconds).toBeCloseTo(2.5, 6);
    expect(w.eventsPerSec).toBe(280);
    // Bracketed by the samples at 1000 and 4000: 250 ticks over 3 s.
    expect(w.cpuPercent).toBe(83);
  });

  test('no window when the total was never committed, or everything came in one commit', () => {
    expect(timedWindow(samples.slice(0, 6), 200, 1000, 100)).toBeUndefined();
    expect(
      timedWindow(
        [
          { t: 0, committed: 1000, cpuTicks: 0 },
          { t: 100, committed: 1000, cpuTicks: 0 },
        ],
        200,
        1000,
        100,
      ),
    ).toBeUndefined();
  });
});

describe('bench/router streams peer (arm S): the summary', () => {
  const run = (arm: string, rep: number, eventsPerSec: number, valid = true) => ({
    arm,
    fanout: 1,
    rep,
    valid,
    eventsPerSec,
    cpuPercent: arm === 's' ? 150 : 110,
    rssMb: arm === 's' ? 600 + rep : 380,
  });

  test("S's events/s and H / S per pair of the same rep; invalid runs are left out", () => {
    const results = [
      run('b1', 1, 17000),
      run('h', 1, 15000),
      run('s', 1, 15000),
      run('h', 2, 12000),
      run('s', 2, 16000),
      run('h', 3, 14000, false),
      run('s', 3, 14000),
      { ...run('s', 1, 99999), fanout: 3 },
    ];
    expect(peerSummary(results, 1)).toEqual({
      s: { median: 15000, min: 14000, max: 16000 },
      sCpuPercent: 150,
      sRssMb: 603,
      hOverS: { median: 0.88, range: [0.75, 1], pairs: 2 },
    });
  });

  test('nothing when S did not run; no ratio when H did not', () => {
    expect(peerSummary([run('b1', 1, 1), run('h', 1, 1)], 1)).toEqual({});
    expect(peerSummary([run('s', 1, 10000)], 1)).toEqual({
      s: { median: 10000, min: 10000, max: 10000 },
      sCpuPercent: 150,
      sRssMb: 601,
    });
  });
});
