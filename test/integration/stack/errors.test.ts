import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isCrossdockError } from '../../../core/errors';
import { fetchKafka } from '../../../stack/fetch';
import { findJava } from '../../../stack/java';
import { down, stackPaths, up } from '../../../stack';
import { ownStackEnv } from '../../helpers/stack';
import { silentProgress } from '../../../stack/progress';

/** The stack's bad situations end in a clear message with a stable code, never a stack trace. */
describe('stack errors', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-stack-err-'));
  const paths = stackPaths({ CROSSDOCK_HOME: home });
  const saved = process.env.CROSSDOCK_MVN;
  afterEach(() => {
    if (saved === undefined) delete process.env.CROSSDOCK_MVN;
    else process.env.CROSSDOCK_MVN = saved;
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  async function codeOf(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
    try {
      await p;
    } catch (err) {
      return {
        code: isCrossdockError(err) ? err.code : `not a CrossdockError: ${String(err)}`,
        message: (err as Error).message,
      };
    }
    throw new Error('expected a failure');
  }

  it('no Maven: CD_E_STACK_NO_MAVEN, naming what it was fetching', async () => {
    process.env.CROSSDOCK_MVN = path.join(home, 'no-such-mvn');
    const res = await codeOf(fetchKafka(paths, silentProgress));
    expect(res.code).toBe('CD_E_STACK_NO_MAVEN');
    expect(res.message).toContain('was not found on PATH; it is needed to fetch Kafka');
  });

  it("a failed download: CD_E_STACK_DOWNLOAD_FAILED with Maven's own last lines, and no half-used cache", async () => {
    const res = await codeOf(fetchKafka(paths, silentProgress, '0.0.1-does-not-exist'));
    expect(res.code).toBe('CD_E_STACK_DOWNLOAD_FAILED');
    expect(res.message).toMatch(/Maven could not fetch Kafka 0\.0\.1-does-not-exist \(exit 1\)/);
    expect(res.message).toMatch(/kafka_2\.13/);
    expect(fs.existsSync(path.join(paths.kafkaLibs, '0.0.1-does-not-exist', '.complete'))).toBe(false);
  });

  it('a part that exits while starting: CD_E_STACK_PART_EXITED at once, with its log tail', async () => {
    // An own stack (own home and ports) whose broker JVM cannot start: a heap too small for it.
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-stack-exit-'));
    const env = await ownStackEnv(own);
    // The broker's heap is read from this process's environment (stack/kafka.ts).
    const heap = process.env.CROSSDOCK_KAFKA_HEAP;
    process.env.CROSSDOCK_KAFKA_HEAP = '-Xmx1k';
    const t0 = Date.now();
    try {
      const res = await codeOf(up({ env, progress: silentProgress, timeoutMs: 120_000 }));
      expect(res.code).toBe('CD_E_STACK_PART_EXITED');
      expect(res.message).toContain('Kafka');
      expect(res.message).toContain('Too small maximum heap');
      // Not the readiness timeout: the broker's exit is seen within seconds.
      expect(Date.now() - t0).toBeLessThan(60_000);
    } finally {
      if (heap === undefined) delete process.env.CROSSDOCK_KAFKA_HEAP;
      else process.env.CROSSDOCK_KAFKA_HEAP = heap;
      await down({ env, purge: true }).catch(() => undefined);
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('no Java new enough: CD_E_STACK_NO_JAVA, listing what was found', async () => {
    const res = await codeOf(
      findJava(99, 'A future registry', 'CROSSDOCK_REGISTRY_JAVA_HOME', {
        JAVA_HOME: path.join(home, 'nojdk'),
      }),
    );
    expect(res.code).toBe('CD_E_STACK_NO_JAVA');
    expect(res.message).toMatch(/A future registry needs Java 99\+; found .*\(17\)/);
  });
});
