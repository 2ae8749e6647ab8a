import '../../helpers/integration-timeout';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { testEndpoints } from '../../helpers/stack';

/**
 * The native client's guard (core/kafka-client/native-guards.ts), against the real broker, in a
 * child process because what it guards against kills the process: a consumer that has closed is
 * asked whether its assignment was lost, as the KafkaJS-style consumer's rebalance callback asks
 * when it runs after the close (CI saw routers die with a SIGSEGV in AssignmentLost()). Guarded,
 * the answer is false; unguarded, the binding reads the destroyed handle. When a release of the
 * client checks this itself, the unguarded case stops crashing and this test says so: the guard
 * can then go.
 */
const CHILD = path.join(__dirname, 'fixtures/late-rebalance-child.ts');

function runChild(mode: 'guarded' | 'unguarded') {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>(
    (resolve) => {
      // Through sh, to leave no core file behind from the crash this test expects.
      const child = spawn(
        '/bin/sh',
        [
          '-c',
          'ulimit -c 0; exec "$0" "$@"',
          process.execPath,
          '-r',
          'tsx/cjs',
          CHILD,
          testEndpoints().kafkaBrokers.join(','),
          mode,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code, signal) => resolve({ code, signal, out, err }));
    },
  );
}

describe('the native consumer asked about its assignment after its close (real broker)', () => {
  it('answers false once guarded', async () => {
    const r = await runChild('guarded');
    expect({ code: r.code, signal: r.signal, err: r.err }).toEqual({ code: 0, signal: null, err: '' });
    expect(r.out).toBe('connected lost=false\nlost=false\n');
  });

  it('crashes the process unguarded (the binding still reads the closed handle: the guard is needed)', async () => {
    const r = await runChild('unguarded');
    expect(r.out).toBe('connected lost=false\n');
    expect(r.signal).toBe('SIGSEGV');
  });
});
