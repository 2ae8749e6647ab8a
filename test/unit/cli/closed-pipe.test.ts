import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/** Runs the binary with a stdout pipe that is closed before it writes: what it ends with. */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/crossdock.js', ...args], { cwd: root });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a reader that went away (crossdock … | head)', () => {
  it.each([[['--help']], [['dlq', '--help']]])('%j ends quietly, without an EPIPE trace', async (args) => {
    const { code, stderr } = await runWithClosedStdout(args);
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toContain('Unhandled');
    expect(code).toBe(0);
  });
});
