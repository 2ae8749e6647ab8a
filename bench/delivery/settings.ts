import path from 'node:path';

/** Benchmark settings, from the environment (run.ts's header lists them). */
export const N = Number(process.env.BENCH_EVENTS ?? 20000);
export const REPS = Number(process.env.BENCH_REPS ?? 5);
export const OPEN_SECONDS = Number(process.env.BENCH_OPEN_SECONDS ?? 8);
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
export const KEYS = 10_000;
/** 'json' (default: the canonical event as JSON, the subscriber default) or 'avro' (the framed bytes as they are). */
export const BODY = process.env.BENCH_BODY === 'avro' ? 'avro' : 'json';
export const ROOT = path.resolve(__dirname, '../..');
/** Arm C (ceiling-child.ts) interleaved with the others; BENCH_CEILING=0 leaves it out (quick runs). */
export const CEILING = process.env.BENCH_CEILING !== '0';
export const CEILING_SCRIPT = 'ceiling-child.ts';
/** Arm C_rd: the ceiling child on the native client. */
export const NATIVE_CEILING_ENV = Object.freeze({ CD_BENCH_CLIENT: 'librdkafka' });
/** Diagnostics: the raw arm POSTs with the connector's dispatch handler instead of request() + dump(). */
export const RAW_DISPATCH = process.env.BENCH_RAW_DISPATCH === '1';
/** Diagnostics: also run the connector of another checkout (e.g. the previous commit) each rep; nothing written. */
export const AB_ROOT = process.env.BENCH_AB_ROOT;
