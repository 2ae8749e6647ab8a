import { cpuMsOf, cpuTicksOf, cpuWindow } from '../../../bench/proc-cpu';

describe('bench/proc-cpu', () => {
  test('CPU ticks are utime + stime of /proc/<pid>/stat, whatever the command name holds', () => {
    const rest = 'S 1 2 3 4 5 6 7 8 9 10 1234 56 0 0 20 0 30 0';
    expect(cpuTicksOf(`4242 (java) ${rest}`)).toBe(1290);
    expect(cpuTicksOf(`4242 (a (b) c) ${rest}`)).toBe(1290);
  });

  test('a window over this process counts the CPU it spent; an unreadable process is left out', () => {
    expect(cpuMsOf(process.pid)).toBeGreaterThan(0);
    const w = cpuWindow({ self: process.pid, gone: 2 ** 22 + 7, none: undefined });
    // Busy until this process has spent 100 ms of CPU by its own count (however loaded the machine).
    const c0 = process.cpuUsage();
    const cpuMs = () => {
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / 1000;
    };
    const deadline = Date.now() + 10_000;
    while (cpuMs() < 100 && Date.now() < deadline);
    const own = cpuMs();
    const spent = w.stop();
    expect(own).toBeGreaterThanOrEqual(100);
    expect(Object.keys(spent)).toEqual(['self']);
    // /proc counts in clock ticks (10 ms here): the same CPU within a few ticks.
    expect(spent.self).toBeGreaterThanOrEqual(own - 30);
    expect(spent.self).toBeLessThanOrEqual(own + 30);
  });
});
