import fs from 'node:fs';
import path from 'node:path';
import { withJavaArgFile } from '../core/argfile';
import { CrossdockError } from '../core/errors';
import type { StackPorts } from '../core/env';
import { fetchKafka } from './fetch';
import { findJava } from './java';
import {
  brokerProperties,
  log4j2Properties,
  newClusterId,
  renderProperties,
  scramFormatArgs,
} from './kafka-config';
import type { StackPaths } from './paths';
import { kafkaAnswers } from './probes';
import { awaitPart, isPortOpen, partNotUp, run, spawnDetached } from './proc';
import type { Progress } from './progress';
import {
  ADMIN_USER,
  credentialOf,
  loadOrCreateCredentials,
  readCredentials,
  SUPER_USERS,
  type Credentials,
  type PartState,
} from './state';
import { JAVA_MIN, KAFKA_VERSION } from './versions';

/** Marker in the broker's command line, so a recorded pid is known to be ours. */
export const KAFKA_MARKER = 'crossdock-kafka';

export async function assertPortsFree(ports: Array<[string, number]>): Promise<void> {
  for (const [name, port] of ports) {
    if (await isPortOpen(port)) {
      throw new CrossdockError(
        'CD_E_STACK_PORT_IN_USE',
        `Port ${port} (${name}) is held by another program, not by crossdock's stack.`,
        {
          details: { port, name },
        },
      );
    }
  }
}

export async function startKafka(
  paths: StackPaths,
  ports: StackPorts,
  progress: Progress,
  timeoutMs: number,
): Promise<PartState & { clusterId: string }> {
  await assertPortsFree([
    ['Kafka PLAINTEXT', ports.kafka],
    ['Kafka controller', ports.controller],
    ['Kafka SASL', ports.sasl],
  ]);
  const [java, dir] = await Promise.all([
    findJava(JAVA_MIN.kafka, 'Kafka', 'CROSSDOCK_KAFKA_JAVA_HOME'),
    fetchKafka(paths, progress),
  ]);
  const classpath = path.join(dir, 'libs', '*');
  fs.mkdirSync(paths.logs, { recursive: true });
  const propsFile = path.join(paths.stackDir, 'server.properties');
  const log4jFile = path.join(paths.stackDir, 'kafka-log4j2.properties');
  const metaFile = path.join(paths.kafkaData, 'meta.properties');
  const reused = fs.existsSync(metaFile);
  const creds = reused ? reusedCredentials(paths) : loadOrCreateCredentials(paths);
  // Rewritten on every start, so a stack formatted by an older crossdock gets today's security.
  writePrivateFile(
    propsFile,
    renderProperties(
      brokerProperties(
        { plaintext: ports.kafka, controller: ports.controller, sasl: ports.sasl },
        paths.kafkaData,
        {
          superUsers: [...SUPER_USERS],
          internalUser: credentialOf(creds, ADMIN_USER, paths.credentialsFile),
        },
      ),
    ),
  );
  fs.writeFileSync(log4jFile, log4j2Properties());
  const logOpt = `-Dlog4j2.configurationFile=${log4jFile}`;

  let clusterId: string;
  if (reused) {
    clusterId = /cluster\.id=(.+)/.exec(fs.readFileSync(metaFile, 'utf8'))?.[1]?.trim() ?? 'unknown';
    progress.emit(
      'stack.storage_reused',
      { part: 'kafka', clusterId },
      `reusing formatted storage (cluster ${clusterId})`,
    );
  } else {
    clusterId = newClusterId();
    progress.emit(
      'stack.storage_formatting',
      { part: 'kafka', users: creds.users.length },
      `formatting KRaft storage with ${creds.users.length} SCRAM users`,
    );
    await formatStorage(java.bin, classpath, logOpt, clusterId, propsFile, creds, paths.stackDir);
  }

  const logFile = path.join(paths.logs, 'kafka.log');
  progress.emit(
    'stack.starting',
    { part: 'kafka', version: KAFKA_VERSION, port: ports.kafka, javaMajor: java.major },
    `starting broker ${KAFKA_VERSION} on 127.0.0.1:${ports.kafka} (java ${java.major})`,
  );
  // 1 GiB at most: a full \`npm test\` leaves ~1,850 partitions and ~300 MB of old generation on
  // the shared broker (docs/stack.md), too close to the 512 MB it once had.
  const heap = process.env.CROSSDOCK_KAFKA_HEAP ?? '-Xms256m -Xmx1g';
  const pid = spawnDetached(
    java.bin,
    [
      ...heap.split(/\s+/).filter(Boolean),
      '-XX:+UseG1GC',
      `-Dcrossdock.part=${KAFKA_MARKER}`,
      logOpt,
      '-cp',
      classpath,
      'kafka.Kafka',
      propsFile,
    ],
    { logFile },
  );
  const brokers = [`127.0.0.1:${ports.kafka}`];
  const outcome = await awaitPart(pid, () => kafkaAnswers(brokers), timeoutMs, 500);
  if (outcome !== 'ready') throw partNotUp(outcome, 'kafka', `Kafka (${brokers[0]})`, timeoutMs, logFile);
  progress.emit('stack.ready', { part: 'kafka' }, 'ready');
  return { pid, logFile, startedAt: new Date().toISOString(), version: KAFKA_VERSION, clusterId };
}

/** Writes a file only its owner can read (0600), also when an older one was world-readable. */
export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/**
 * Formats one node's storage (its log.dirs from `propsFile`) for `clusterId` with the SCRAM users
 * of `creds`. The passwords go to StorageTool in a 0600 argument file, never in argv.
 * @throws CrossdockError CD_E_STACK_FORMAT_FAILED
 */
export async function formatStorage(
  javaBin: string,
  classpath: string,
  logOpt: string,
  clusterId: string,
  propsFile: string,
  creds: Credentials,
  workDir: string,
): Promise<void> {
  const res = await withJavaArgFile(
    [
      '-cp',
      classpath,
      logOpt,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      propsFile,
      ...scramFormatArgs(creds.users),
    ],
    (argFile) => run(javaBin, [argFile]),
    workDir,
  );
  if (res.code !== 0) {
    throw new CrossdockError(
      'CD_E_STACK_FORMAT_FAILED',
      `kafka StorageTool format failed (exit ${res.code}):\n${(res.stdout + res.stderr).trim().split('\n').slice(-10).join('\n')}`,
    );
  }
}

/** Formatted storage holds the SCRAM users of credentials.json: without that file the broker cannot log in to itself. */
export function reusedCredentials(paths: StackPaths, dataDir = paths.kafkaData): Credentials {
  const creds = readCredentials(paths);
  if (!creds?.users.some((u) => u.name === ADMIN_USER)) {
    throw new CrossdockError(
      'CD_E_STACK_NO_CREDENTIALS',
      `Kafka's storage in ${dataDir} was formatted with SCRAM users whose passwords are not in ${paths.credentialsFile} (missing, unreadable or without ${ADMIN_USER}).`,
      { details: { credentialsFile: paths.credentialsFile } },
    );
  }
  return creds;
}
