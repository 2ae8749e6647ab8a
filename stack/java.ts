import fs from 'node:fs';
import path from 'node:path';
import { CrossdockError } from '../core/errors';
import { run } from './proc';

export interface JavaRuntime {
  /** Path of the java executable. */
  bin: string;
  /** Feature release, e.g. 17 or 25. */
  major: number;
}

/** Parses the feature release from `java -version` output (`version "17.0.15"`, `"1.8.0_392"`). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

async function probe(bin: string): Promise<JavaRuntime | undefined> {
  const res = await run(bin, ['-version']);
  if (res.code !== 0) return undefined;
  const major = parseJavaMajor(res.stderr + res.stdout);
  return major === undefined ? undefined : { bin, major };
}

/** Candidate java executables, most explicit first. */
export function javaCandidates(env: NodeJS.ProcessEnv, explicitHomeVar: string): string[] {
  const out: string[] = [];
  const explicit = env[explicitHomeVar];
  if (explicit) out.push(path.join(explicit, 'bin', 'java'));
  if (env.JAVA_HOME) out.push(path.join(env.JAVA_HOME, 'bin', 'java'));
  out.push('java');
  try {
    for (const d of fs.readdirSync('/usr/lib/jvm').sort().reverse())
      out.push(path.join('/usr/lib/jvm', d, 'bin', 'java'));
  } catch {
    /* no /usr/lib/jvm */
  }
  return [...new Set(out)];
}

/**
 * Finds a Java runtime of at least `minMajor`. Kafka runs on 17; Apicurio 3.3 needs 21+
 * (its classes are compiled for class file 65), so the registry may use another JDK than Kafka.
 */
export async function findJava(
  minMajor: number,
  part: string,
  explicitHomeVar: string,
  env = process.env,
): Promise<JavaRuntime> {
  const seen: string[] = [];
  for (const bin of javaCandidates(env, explicitHomeVar)) {
    const rt = await probe(bin);
    if (rt) {
      seen.push(`${bin} (${rt.major})`);
      if (rt.major >= minMajor) return rt;
    }
  }
  throw new CrossdockError(
    'CD_E_STACK_NO_JAVA',
    `${part} needs Java ${minMajor}+; found ${seen.length ? seen.join(', ') : 'no java at all'}. Set ${explicitHomeVar} to a JDK ${minMajor}+.`,
    { details: { part, minMajor, found: seen } },
  );
}
