import fs from 'node:fs';
import path from 'node:path';
import type { StackPorts } from '../core/env';
import { fetchRegistry } from './fetch';
import { findJava } from './java';
import { assertPortsFree } from './kafka';
import type { StackPaths } from './paths';
import { registryAnswers } from './probes';
import { awaitPart, partNotUp, spawnDetached } from './proc';
import type { Progress } from './progress';
import type { PartState } from './state';
import { APICURIO_VERSION, JAVA_MIN } from './versions';

export const REGISTRY_MARKER = 'crossdock-registry';

/**
 * System properties for Apicurio so that Confluent clients behave, with its storage in Kafka
 * (kafkasql): schema ids then live as long as the Kafka data that carries them, and a
 * restarted registry hands out the same ids again.
 */
export function registrySystemProperties(
  ports: StackPorts,
  kafkaBrokers: string[],
  /**
   * How many brokers the stack runs. With 3, the registry's storage topics (its journal
   * `kafkasql-journal`, `kafkasql-snapshots`) get the brokers' defaults: replication 3 and
   * min.insync.replicas 2 (THREE_NODE_DEFAULTS). Apicurio 3.3.3 passes
   * `apicurio.kafkasql.topic.replication.factor` on to Kafka as a topic config, which Kafka
   * refuses (`Unknown topic config name: replication.factor`) and the registry does not start, so
   * it creates its topics without a factor and the broker's default decides. Its producer already
   * writes with acks=all. The count is written on the command line (`-Dcrossdock.brokers`) only so
   * that `ps` shows it.
   */
  replication = 1,
): string[] {
  const props: Record<string, string> = {
    'crossdock.part': REGISTRY_MARKER,
    'quarkus.http.host': '127.0.0.1',
    'quarkus.http.port': String(ports.registry),
    'quarkus.management.host': '127.0.0.1',
    'quarkus.management.port': String(ports.registryManagement),
    'apicurio.storage.kind': 'kafkasql',
    'apicurio.kafkasql.bootstrap.servers': kafkaBrokers.join(','),
    'apicurio.rules.global.compatibility': 'BACKWARD',
    'apicurio.rest.legacy-error-codes.enabled': 'true',
    'apicurio.ccompat.legacy-id-mode.enabled': 'false',
    ...(replication > 1 ? { 'crossdock.brokers': String(replication) } : {}),
    'quarkus.log.level': 'WARN',
    'quarkus.log.category."io.quarkus.bootstrap.runner.Timing".level': 'INFO',
  };
  return Object.entries(props).map(([k, v]) => `-D${k}=${v}`);
}

export async function startRegistry(
  paths: StackPaths,
  ports: StackPorts,
  kafkaBrokers: string[],
  progress: Progress,
  timeoutMs: number,
  replication = 1,
): Promise<PartState> {
  await assertPortsFree([
    ['registry HTTP', ports.registry],
    ['registry management', ports.registryManagement],
  ]);
  const [java, dir] = await Promise.all([
    findJava(JAVA_MIN.registry, 'Apicurio Registry', 'CROSSDOCK_REGISTRY_JAVA_HOME'),
    fetchRegistry(paths, progress),
  ]);
  fs.mkdirSync(paths.logs, { recursive: true });
  const logFile = path.join(paths.logs, 'registry.log');
  progress.emit(
    'stack.starting',
    { part: 'registry', version: APICURIO_VERSION, port: ports.registry, javaMajor: java.major },
    `starting Apicurio ${APICURIO_VERSION} on 127.0.0.1:${ports.registry} (java ${java.major}, storage in Kafka)`,
  );
  const heap = process.env.CROSSDOCK_REGISTRY_HEAP ?? '-Xms128m -Xmx512m';
  const pid = spawnDetached(
    java.bin,
    [
      ...heap.split(/\s+/).filter(Boolean),
      ...registrySystemProperties(ports, kafkaBrokers, replication),
      '-jar',
      path.join(dir, 'app', 'quarkus-run.jar'),
    ],
    { logFile, cwd: path.join(dir, 'app') },
  );
  const url = `http://127.0.0.1:${ports.registry}/apis/ccompat/v7`;
  const outcome = await awaitPart(pid, () => registryAnswers(url), timeoutMs, 500);
  if (outcome !== 'ready') throw partNotUp(outcome, 'registry', `The registry (${url})`, timeoutMs, logFile);
  progress.emit('stack.ready', { part: 'registry' }, 'ready');
  return { pid, logFile, startedAt: new Date().toISOString(), version: APICURIO_VERSION };
}
