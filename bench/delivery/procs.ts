/** Child processes of benchmark D (receiver, connector): started with tsx, line-oriented stdout. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Children never outlive the bench, even when it fails. */
const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));

export function startProcess(
  args: string[],
  env: Record<string, string>,
  until: (line: string) => boolean,
  cwd = ROOT,
): Promise<{ child: ChildProcess; line: string; out: string[] }> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const out: string[] = [];
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        out.push(l);
        if (until(l)) resolve({ child, line: l, out });
      }
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)));
  });
}

export async function stopProcess(p: {
  child: ChildProcess;
  out: string[];
}): Promise<Record<string, number>> {
  const done = new Promise<void>((r) => p.child.once('exit', () => r()));
  p.child.kill('SIGTERM');
  await done;
  const last = p.out.at(-1) ?? '{}';
  try {
    return JSON.parse(last) as Record<string, number>;
  } catch {
    return {};
  }
}
