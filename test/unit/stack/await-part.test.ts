import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isCrossdockError } from '../../../core/errors';
import { awaitPart, partNotUp, spawnDetached } from '../../../stack/proc';

describe('waiting for a part the stack started (stack/proc.ts awaitPart)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'await-part-'));
  const logFile = path.join(dir, 'part.log');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stops at once when the process exits, and says so with its log tail', async () => {
    const pid = spawnDetached(process.execPath, ['-e', 'console.log("bad setting: x"); process.exit(3)'], {
      logFile,
    });
    const t0 = Date.now();
    const outcome = await awaitPart(pid, async () => false, 60_000, 50);
    expect(outcome).toBe('exited');
    expect(Date.now() - t0).toBeLessThan(10_000);
    const err = partNotUp('exited', 'registry', 'The registry', 60_000, logFile);
    expect(isCrossdockError(err) && err.code).toBe('CD_E_STACK_PART_EXITED');
    expect(err.message).toContain('bad setting: x');
  });

  it('is ready when the check answers while the process lives, and times out when it never does', async () => {
    const pid = spawnDetached(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { logFile });
    try {
      let calls = 0;
      expect(await awaitPart(pid, async () => ++calls >= 3, 5000, 20)).toBe('ready');
      expect(await awaitPart(pid, async () => false, 200, 20)).toBe('timeout');
      const err = partNotUp('timeout', 'kafka', 'Kafka', 200, logFile);
      expect(isCrossdockError(err) && err.code).toBe('CD_E_STACK_NOT_READY');
      expect(isCrossdockError(err) && err.retriable).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });
});
