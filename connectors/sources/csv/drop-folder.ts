import fs from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../../../core/clock';
import type { HubComponent } from '../../../core/component';
import { describeError, isCrossdockError } from '../../../core/errors';
import { eventLogger } from '../../../core/log-events';
import { silentLogger, type Logger } from '../../../core/logger';
import { csvKeys, resolveRedisPrefix } from '../../../core/names/redis-keys';
import { DEFAULT_TOPIC_PREFIX } from '../../../core/names/topics';
import type { Redis } from '../../../core/redis';
import type { Admin, Kafka } from 'kafkajs';
import { eventIdsSince, highWatermarks, type Watermarks } from './recovery';
import { ingressTopic, uuidV5 } from '../envelope';
import { logPublished, SOURCE_LOG_EVENTS } from '../log-events';
import type { SiteMappings } from '../mapping/types';
import { buildEvent, encodePrepared, type BuiltEvent, type EventCodec, type PreparedEvent } from '../prepare';
import type { IngressPublisher } from '../publisher';
import { csvMapping, csvRecords, type CsvGroup, type CsvProblem } from './parse';
import { adjacencyCheck, sha256File, streamCsvGroups, wholeFileGroups, type CsvStreamItem } from './stream';

/**
 * CSV drop folders: one folder per site. A legacy ERP writes its export there; the watcher picks a
 * file up only when it is complete, publishes its events exactly once, and moves it to processed/
 * or rejected/ with a report of every bad row.
 *
 * Complete: names starting with '.' or ending in .tmp / .part / ~ are never read (write under a
 * temporary name, then rename); any other *.csv must keep the same size and mtime for `stableMs`.
 *
 * Exactly once across a crash: eventIds are UUID v5 of (site, file content hash, group), so the
 * same file always makes the same ids; the file's progress is kept in Redis under its content hash.
 * Before each chunk the watcher records the chunk and the topic's high watermarks; after Kafka
 * acknowledged it, the progress. A restart resumes after the last recorded chunk, and when a chunk
 * was in flight it reads the topic from those watermarks and sends only the events of the chunk
 * that did not land (kill -9 between the acknowledgement and the Redis write included: see
 * test/integration/sources/csv-drop.test.ts). A file whose content hash is done is a duplicate
 * (rejected/, reported).
 */
export interface CsvDropSite {
  siteId: string;
  mappings: SiteMappings;
  /** The site's folder; processed/ and rejected/ are made inside it. */
  dir: string;
  /**
   * 'all-or-nothing': a file with any bad row publishes nothing (rejected/ + report).
   * 'publish-good': good groups are published, bad rows reported (processed/ + report).
   * @defaultValue 'all-or-nothing'
   */
  policy?: 'all-or-nothing' | 'publish-good';
  /** Which mapping the files hold. @defaultValue the site's CSV mapping (see csvMapping) */
  eventType?: string;
}

export interface CsvDropSettings {
  sites: CsvDropSite[];
  /** @defaultValue 'cd' */
  topicPrefix?: string;
  /** @defaultValue 1000 */
  pollIntervalMs?: number;
  /** How long size and mtime must stay the same before a file is read. @defaultValue 2000 */
  stableMs?: number;
  /** Events per produce request (and per progress record). @defaultValue 500 */
  chunkSize?: number;
  /** Prefix of every Redis key (tests keep apart with it). @defaultValue derived from topicPrefix (core/names) */
  redisPrefix?: string;
}

export interface CsvDropDeps {
  publisher: IngressPublisher;
  codec: EventCodec;
  redis: Redis;
  logger?: Logger;
  clock?: Clock;
  /**
   * A client on the ingress topics' cluster. With it, the watcher records the topic's high
   * watermarks before each chunk, and after a crash reads what landed since then, so the chunk
   * that was in flight is completed without sending any event twice. Without it, that chunk is
   * re-sent (same eventIds: the router drops the duplicates).
   */
  kafka?: Kafka;
  /** Test seam: called after each chunk's progress was recorded (a throw simulates a crash there). */
  afterChunk?: (file: string, published: number) => void | Promise<void>;
  /** Test seam: called after Kafka acknowledged a chunk, before its progress is recorded. */
  afterPublish?: (file: string, acknowledged: number) => void | Promise<void>;
}

export interface FileState {
  state: 'publishing' | 'done';
  name: string;
  total: number;
  /** Events [0, published) are acknowledged. */
  published: number;
  /** The chunk being sent: events [published, to), and the topic's high watermarks before it. */
  inflight?: { to: number; watermarks: Watermarks };
  /** The file was moved to processed/ (set after the move; absent after a crash in between). */
  moved?: boolean;
  at: string;
}

export interface CsvReport {
  file: string;
  siteId: string;
  sha256: string;
  policy: string;
  outcome: 'published' | 'partly-published' | 'rejected' | 'duplicate';
  events: number;
  eventIds: string[];
  problems: CsvProblem[];
}

const IGNORED = /^\.|\.(tmp|part|partial)$|~$/i;

export interface CsvDropFolder extends HubComponent {
  /** One pass over every site folder (what the poll loop runs); exposed for tests and `site test`. */
  pollOnce(): Promise<void>;
}

export function createCsvDropFolder(settings: CsvDropSettings, deps: CsvDropDeps): CsvDropFolder {
  const log = eventLogger(deps.logger ?? silentLogger(), SOURCE_LOG_EVENTS);
  const clock = deps.clock ?? systemClock;
  const prefix = settings.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const redisPrefix = resolveRedisPrefix(settings);
  const stableMs = settings.stableMs ?? 2000;
  const chunkSize = settings.chunkSize ?? 500;
  const seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  // One admin client for the per-chunk watermark reads, connected on first use.
  let admin: Admin | undefined;
  const connectedAdmin = async (kafka: Kafka): Promise<Admin> => {
    if (!admin) {
      const a = kafka.admin();
      await a.connect();
      admin = a;
    }
    return admin;
  };

  function move(
    site: CsvDropSite,
    file: string,
    to: 'processed' | 'rejected',
    report: CsvReport | undefined,
  ): void {
    const dir = path.join(site.dir, to);
    fs.mkdirSync(dir, { recursive: true });
    const stamp = new Date(clock.now()).toISOString().replace(/[:.]/g, '-');
    const target = path.join(dir, `${stamp}_${path.basename(file)}`);
    if (report) fs.writeFileSync(`${target}.report.json`, JSON.stringify(report, null, 2) + '\n');
    fs.renameSync(file, target);
  }

  /** The file's events in order: streamed group by group, or read whole when its groups are not adjacent. */
  function groupsOf(site: CsvDropSite, file: string, whole: boolean): AsyncGenerator<CsvStreamItem> {
    const settings = { eventType: site.eventType };
    return whole
      ? wholeFileGroups(csvRecords(site.mappings, fs.readFileSync(file), settings))
      : streamCsvGroups(site.mappings, file, settings);
  }

  function build(site: CsvDropSite, sha256: string, i: number, g: CsvGroup) {
    return buildEvent(
      {
        site: site.mappings,
        codec: deps.codec,
        eventId: uuidV5(`${site.siteId}|csv|${sha256}|${i}|${g.key}`),
        now: clock.now,
      },
      g.mapped,
    );
  }

  /**
   * Pass 1: every problem and the number of good events, without keeping the events. Also tells
   * whether the file's groups are adjacent (else it is read whole: see csv/stream.ts).
   */
  async function check(
    site: CsvDropSite,
    file: string,
    sha256: string,
    report: CsvReport,
    whole: boolean,
  ): Promise<{ good: number; adjacent: boolean }> {
    const grouped = !!csvMapping(site.mappings, { eventType: site.eventType })?.groupBy;
    const adjacency = adjacencyCheck();
    const problems: CsvProblem[] = [];
    let good = 0;
    let i = 0;
    for await (const item of groupsOf(site, file, whole)) {
      if ('fatal' in item) {
        problems.push(item.fatal);
        continue;
      }
      const g = item.group;
      if (grouped) adjacency.see(g.key);
      if (!adjacency.adjacent) return { good: 0, adjacent: false };
      const b = build(site, sha256, i++, g);
      for (const p of b.problems) {
        const where = p.source
          ? g.locate(p.source)
          : { ...g.locate([]), path: `${g.locate([]).path} → ${p.target ?? ''}` };
        problems.push({ ...where, code: p.code, expected: p.expected, got: p.got });
      }
      if (b.event) good++;
    }
    report.problems.push(...problems);
    return { good, adjacent: true };
  }

  async function processFile(site: CsvDropSite, file: string): Promise<void> {
    const sha256 = await sha256File(file);
    const key = csvKeys(redisPrefix, site.siteId).file(sha256);
    const name = path.basename(file);
    const prior = await deps.redis.get(key);
    const state = prior ? (JSON.parse(prior) as FileState) : undefined;
    const policy = site.policy ?? 'all-or-nothing';
    const report: CsvReport = {
      file: name,
      siteId: site.siteId,
      sha256,
      policy,
      outcome: 'published',
      events: 0,
      eventIds: [],
      problems: [],
    };
    if (state?.state === 'done') {
      // Published but not yet moved (a crash between the two): finish the move, nothing else.
      if (state.name === name && !state.moved) {
        move(site, file, 'processed', undefined);
        return void (await deps.redis.set(
          key,
          JSON.stringify({ ...state, moved: true } satisfies FileState),
        ));
      }
      report.outcome = 'duplicate';
      report.problems.push({
        path: 'file',
        code: 'CD_E_CSV_DUPLICATE_FILE',
        expected: 'a file not processed before',
        got: `the same content as ${state.name}, processed ${state.at}`,
      });
      log.emit(
        'sources.csv_duplicate_file',
        { siteId: site.siteId, file: name, first: state.name },
        'csv duplicate file rejected',
      );
      return move(site, file, 'rejected', report);
    }

    let whole = false;
    let checked = await check(site, file, sha256, report, whole);
    if (!checked.adjacent) {
      whole = true;
      checked = await check(site, file, sha256, report, whole);
    }
    const total = checked.good;
    if (total === 0 || (report.problems.length > 0 && policy === 'all-or-nothing')) {
      report.outcome = 'rejected';
      return move(site, file, 'rejected', report);
    }
    const ctx = { site: site.mappings, codec: deps.codec, now: clock.now };
    let published = state?.published ?? 0;
    let inflight: FileState['inflight'];
    const save = (s: FileState['state']) =>
      deps.redis.set(
        key,
        JSON.stringify({
          state: s,
          name,
          total,
          published,
          ...(inflight ? { inflight } : {}),
          at: new Date(clock.now()).toISOString(),
        } satisfies FileState),
      );
    if (!state) await save('publishing');
    const topic = ingressTopic(prefix, site.siteId);
    // Waits for room in the publisher's bounded queue (never fails the file for it).
    const send = (chunk: PreparedEvent[]) =>
      deps.publisher.publish(
        topic,
        chunk.map((p) => p.message),
        { wait: true },
      );

    // Pass 2: the good events in order, encoded and published a chunk at a time; the events
    // before `published` (acknowledged before a restart) are skipped without being encoded.
    const resumeTo = state?.inflight && deps.kafka ? state.inflight.to : undefined;
    let n = 0; // index among the good events
    let i = 0; // index among all groups (part of the eventId)
    let pending: BuiltEvent[] = [];
    const flush = async () => {
      const built = pending;
      pending = [];
      if (built.length === 0) return;
      const chunk: PreparedEvent[] = await Promise.all(built.map((b) => encodePrepared(ctx, b)));
      if (resumeTo !== undefined && published < resumeTo) {
        // A crash while this chunk was in flight: send only the events of it that did not land.
        const landed = await eventIdsSince(deps.kafka!, topic, state!.inflight!.watermarks);
        const rest = chunk.filter((p) => !landed.has(p.eventId));
        log.emit(
          'sources.csv_chunk_resumed',
          { siteId: site.siteId, file: name, resent: rest.length, landed: chunk.length - rest.length },
          'csv resuming an interrupted chunk',
        );
        if (rest.length) {
          await send(rest);
          logPublished(log, site.siteId, topic, 'csv', rest);
        }
        published = resumeTo;
        await save('publishing');
        return;
      }
      if (deps.kafka) {
        inflight = {
          to: published + chunk.length,
          watermarks: await highWatermarks(await connectedAdmin(deps.kafka), topic),
        };
        await save('publishing');
      }
      await send(chunk);
      logPublished(log, site.siteId, topic, 'csv', chunk);
      await deps.afterPublish?.(file, published + chunk.length);
      published += chunk.length;
      inflight = undefined;
      await save('publishing');
      await deps.afterChunk?.(file, published);
    };
    for await (const item of groupsOf(site, file, whole)) {
      if ('fatal' in item) continue;
      const b = build(site, sha256, i++, item.group);
      if (!b.event) continue;
      const event = b as BuiltEvent;
      report.eventIds.push(event.eventId);
      if (n++ < published) continue;
      pending.push(event);
      const end = resumeTo !== undefined && published < resumeTo ? resumeTo - published : chunkSize;
      if (pending.length >= end) await flush();
    }
    await flush();
    await save('done');
    report.events = total;
    report.outcome = report.problems.length ? 'partly-published' : 'published';
    move(site, file, 'processed', report.problems.length ? report : undefined);
    // From now on the same content (any name) is a duplicate.
    await deps.redis.set(
      key,
      JSON.stringify({
        state: 'done',
        name,
        total,
        published,
        moved: true,
        at: new Date(clock.now()).toISOString(),
      } satisfies FileState),
    );
  }

  async function pollSite(site: CsvDropSite): Promise<void> {
    if (!fs.existsSync(site.dir)) fs.mkdirSync(site.dir, { recursive: true });
    const now = clock.now();
    for (const entry of fs.readdirSync(site.dir, { withFileTypes: true })) {
      if (!entry.isFile() || IGNORED.test(entry.name) || !/\.csv$/i.test(entry.name)) continue;
      const file = path.join(site.dir, entry.name);
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        continue; // renamed away between readdir and stat
      }
      const prev = seen.get(file);
      if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) {
        seen.set(file, { size: st.size, mtimeMs: st.mtimeMs, since: now });
        if (stableMs > 0) continue;
      } else if (now - prev.since < stableMs) continue;
      try {
        await processFile(site, file);
        seen.delete(file);
      } catch (err) {
        // Kafka or the registry is away (or a crash was simulated): the file stays; the next poll resumes it.
        log.emit(
          'sources.csv_file_unfinished',
          {
            siteId: site.siteId,
            file: entry.name,
            err: describeError(err),
            retriable: isCrossdockError(err) ? err.retriable : undefined,
          },
          'csv file not finished; will retry',
        );
        throw err;
      }
    }
  }

  /** Every site is polled even when one fails; the first failure is rethrown after the pass. */
  async function pollOnce(): Promise<void> {
    let first: unknown;
    for (const site of settings.sites) await pollSite(site).catch((err: unknown) => (first ??= err));
    if (first !== undefined) throw first;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pollOnce()
        .catch(() => undefined)
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, settings.pollIntervalMs ?? 1000);
  }

  return {
    name: 'csv-drop-folder',
    pollOnce,
    async start() {
      stopped = false;
      for (const s of settings.sites) fs.mkdirSync(s.dir, { recursive: true });
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await admin?.disconnect();
      admin = undefined;
    },
  };
}
