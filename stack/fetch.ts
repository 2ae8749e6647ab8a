import fs from 'node:fs';
import path from 'node:path';
import { CrossdockError } from '../core/errors';
import { kafkaPom } from './kafka-config';
import type { StackPaths } from './paths';
import { run } from './proc';
import type { Progress } from './progress';
import { APICURIO_VERSION, KAFKA_VERSION, LOG4J_VERSION, MAVEN_DEPENDENCY_PLUGIN } from './versions';

/**
 * Fetches the stack's artifacts from Maven Central with the machine's Maven, into the cache
 * outside the repo. Maven keeps its own copy in ~/.m2, so a second fetch is offline-fast.
 * Each fetch writes a marker file last, so an interrupted fetch is redone, never half-used.
 */

function mvnBin(env = process.env): string {
  return env.CROSSDOCK_MVN ?? 'mvn';
}

async function mvn(args: string[], what: string): Promise<void> {
  const res = await run(mvnBin(), ['-B', '-q', ...args]);
  if (res.code === null) {
    throw new CrossdockError(
      'CD_E_STACK_NO_MAVEN',
      `Maven (${mvnBin()}) was not found on PATH; it is needed to fetch ${what}.`,
    );
  }
  if (res.code !== 0) {
    const tail = (res.stdout + res.stderr).trim().split('\n').slice(-15).join('\n');
    throw new CrossdockError(
      'CD_E_STACK_DOWNLOAD_FAILED',
      `Maven could not fetch ${what} (exit ${res.code}):\n${tail}`,
      {
        retriable: true,
        details: { what },
      },
    );
  }
}

export async function fetchKafka(
  paths: StackPaths,
  progress: Progress,
  version = KAFKA_VERSION,
): Promise<string> {
  const dir = path.join(paths.kafkaLibs, version);
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return dir;
  progress.emit(
    'stack.fetching',
    { part: 'kafka', version },
    `fetching kafka_2.13 ${version} and log4j ${LOG4J_VERSION} from Maven Central`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const pom = path.join(dir, 'pom.xml');
  fs.writeFileSync(pom, kafkaPom(version, LOG4J_VERSION));
  await mvn(
    [
      '-f',
      pom,
      `${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies`,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${path.join(dir, 'libs')}`,
    ],
    `Kafka ${version}`,
  );
  fs.writeFileSync(marker, new Date().toISOString());
  const files = fs.readdirSync(path.join(dir, 'libs')).length;
  progress.emit('stack.fetched', { part: 'kafka', files }, `fetched ${files} jars`);
  return dir;
}

export async function fetchRegistry(paths: StackPaths, progress: Progress): Promise<string> {
  const dir = path.join(paths.registryDir, APICURIO_VERSION);
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return dir;
  progress.emit(
    'stack.fetching',
    { part: 'registry', version: APICURIO_VERSION },
    `fetching apicurio-registry-app ${APICURIO_VERSION} (about 160 MB) from Maven Central`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const download = path.join(dir, 'download');
  await mvn(
    [
      `${MAVEN_DEPENDENCY_PLUGIN}:copy`,
      `-Dartifact=io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`,
      `-DoutputDirectory=${download}`,
    ],
    `Apicurio Registry ${APICURIO_VERSION}`,
  );
  const tarball = fs.readdirSync(download).find((f) => f.endsWith('.tar.gz'));
  if (!tarball)
    throw new CrossdockError(
      'CD_E_STACK_DOWNLOAD_FAILED',
      `Maven reported success but no registry archive is in ${download}`,
    );
  progress.emit('stack.unpacking', { part: 'registry' }, 'unpacking');
  const app = path.join(dir, 'app');
  fs.mkdirSync(app, { recursive: true });
  const res = await run('tar', ['xzf', path.join(download, tarball), '-C', app]);
  if (res.code !== 0) {
    throw new CrossdockError(
      'CD_E_STACK_DOWNLOAD_FAILED',
      `Unpacking ${tarball} failed: ${res.stderr.trim()}`,
      { retriable: true },
    );
  }
  fs.rmSync(download, { recursive: true, force: true });
  fs.writeFileSync(marker, new Date().toISOString());
  return dir;
}
