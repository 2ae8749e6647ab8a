import type { Random } from '../../core/random';

/**
 * The fault plan of a soak: which fault comes next, against what, for how long, and how long the
 * quiet gap before it lasts. Pure: the same seed and settings always give the same plan, so a run
 * can be repeated with `--seed` (wall-clock times differ; the sequence does not).
 */
export const FAULT_KINDS = [
  'hub-kill',
  'broker-stop',
  'redis-kill',
  'registry-outage',
  'receiver-slow',
  'receiver-failing',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type StopSignal = 'SIGKILL' | 'SIGTERM';

export interface PlannedFault {
  /** 1-based position in the plan. */
  seq: number;
  kind: FaultKind;
  /** Quiet time before this fault starts, counted from the end of the previous one. */
  gapMs: number;
  /** hub-kill: the hub process; receiver-*: the subscriber; else the stack part. */
  target: string;
  /** How the process is stopped (process faults). */
  signal?: StopSignal;
  /** How long the fault lasts before it is restored (hub-kill: time before the restart). */
  downMs: number;
  /** receiver-slow: how long the receiver waits before it answers. */
  delayMs?: number;
}

export interface PlanSettings {
  /** Nominal soak length; the plan holds enough faults to fill it. */
  durationMs: number;
  /** Bounds of the quiet gap between two faults. */
  gapMs: readonly [number, number];
  /** Kinds to draw from (each equally likely unless `weights` says otherwise). */
  kinds: readonly FaultKind[];
  /** Names of the hub processes a hub-kill may hit. */
  hubProcesses: readonly string[];
  /** Subscriber ids whose receivers may turn slow or failing. */
  subscribers: readonly string[];
  weights?: Partial<Record<FaultKind, number>>;
}

/** How long each kind lasts, and how it stops a process. Bounds in ms, both included. */
export const FAULT_SHAPES: Readonly<
  Record<FaultKind, { downMs: readonly [number, number]; signals?: readonly StopSignal[] }>
> = {
  'hub-kill': { downMs: [0, 5000], signals: ['SIGKILL'] },
  'broker-stop': { downMs: [3000, 20000], signals: ['SIGTERM', 'SIGKILL'] },
  'redis-kill': { downMs: [1000, 10000], signals: ['SIGKILL'] },
  'registry-outage': { downMs: [5000, 30000], signals: ['SIGTERM', 'SIGKILL'] },
  'receiver-slow': { downMs: [15000, 45000] },
  'receiver-failing': { downMs: [10000, 45000] },
};

/** Answer delay of a slow receiver: some under the sink timeout (10 s), some over it. */
export const SLOW_DELAY_MS: readonly [number, number] = [2000, 15000];

function pickKind(rng: Random, kinds: readonly FaultKind[], weights: PlanSettings['weights']): FaultKind {
  const w = kinds.map((k) => Math.max(0, weights?.[k] ?? 1));
  const total = w.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new Error('every fault kind has weight 0');
  let x = rng.next() * total;
  for (let i = 0; i < kinds.length; i++) {
    x -= w[i]!;
    if (x < 0) return kinds[i]!;
  }
  return kinds[kinds.length - 1]!;
}

function targetOf(rng: Random, kind: FaultKind, s: PlanSettings): string {
  switch (kind) {
    case 'hub-kill':
      return rng.pick(s.hubProcesses);
    case 'receiver-slow':
    case 'receiver-failing':
      return rng.pick(s.subscribers);
    case 'broker-stop':
      return 'kafka';
    case 'redis-kill':
      return 'redis';
    case 'registry-outage':
      return 'registry';
  }
}

/**
 * Draws faults until their nominal time (gaps plus fault lengths) covers `durationMs`. The soak
 * runs them in order, one at a time, and stops drawing when its clock says the time is up.
 */
export function planFaults(rng: Random, s: PlanSettings): PlannedFault[] {
  if (s.kinds.length === 0) return [];
  const plan: PlannedFault[] = [];
  let nominal = 0;
  while (nominal < s.durationMs) {
    const kind = pickKind(rng, s.kinds, s.weights);
    const shape = FAULT_SHAPES[kind];
    const gapMs = rng.int(s.gapMs[0], s.gapMs[1]);
    const target = targetOf(rng, kind, s);
    const downMs = rng.int(shape.downMs[0], shape.downMs[1]);
    const fault: PlannedFault = { seq: plan.length + 1, kind, gapMs, target, downMs };
    if (shape.signals) fault.signal = rng.pick(shape.signals);
    if (kind === 'receiver-slow') fault.delayMs = rng.int(SLOW_DELAY_MS[0], SLOW_DELAY_MS[1]);
    plan.push(fault);
    nominal += gapMs + downMs;
  }
  return plan;
}

/** Parses `--faults a,b,c` (or `all`). @throws Error naming the unknown kind */
export function parseFaultKinds(list: string): FaultKind[] {
  if (list.trim() === 'all') return [...FAULT_KINDS];
  const kinds = list
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const k of kinds)
    if (!(FAULT_KINDS as readonly string[]).includes(k))
      throw new Error(`unknown fault kind "${k}" (kinds: ${FAULT_KINDS.join(', ')}, or all)`);
  return kinds as FaultKind[];
}
