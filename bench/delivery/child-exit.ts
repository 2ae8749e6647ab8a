/**
 * How a benchmark child (connector-child.ts, ceiling-child.ts) ends: on SIGTERM it stops its
 * work, prints one JSON line with the CPU it used since `cpu0` and its RSS, and exits. The parent
 * (run.ts) reads that line.
 */
export function reportOnSigterm(cpu0: NodeJS.CpuUsage, stop: () => Promise<void>): void {
  process.on('SIGTERM', () => {
    const cpu = process.cpuUsage(cpu0);
    void stop().then(() => {
      process.stdout.write(
        `${JSON.stringify({ cpuMs: Math.round((cpu.user + cpu.system) / 1000), rssMb: Math.round(process.memoryUsage().rss / 1e6) })}\n`,
      );
      process.exit(0);
    });
  });
}
