import type { DeliverySettings, AdmitLimits, AdmitResult, DeliveryState, RetryEntry } from '../../retry';

/** An idempotency admission taken ahead of the attempt, and when its answer arrived. */
export interface PreAdmission {
  result: AdmitResult;
  /** Clock time the lease was taken (a lease older than half its length is renewed first). */
  at: number;
}

/** One admit-many call of a window and when its answer arrived (shared by its events). */
type WindowCall = Promise<{ results: AdmitResult[]; at: number }>;

/**
 * The idempotency admissions of one fetched batch, requested ahead of delivery one window at a
 * time: one admit-many script call (one Redis round trip) per `size` events instead of one per
 * event-loop turn, and the attempt finds its lease already taken when its request slot frees up.
 *
 * The window bounds how many leases are held before their attempt starts (at most 1.5 × size),
 * so a slow subscriber never sits on a pile of leases; a lease that still got old is renewed by
 * the engine before the attempt. Used only when the subscriber has no shared rate limit or shared
 * concurrency cap (taking tokens or shared slots ahead would spend them early) and for unordered
 * events (an ordered event may be parked instead of attempted).
 */
export class AdmissionWindow {
  /** Event i's admit call and its place in that call's answer (undefined: not requested yet). */
  private readonly calls: Array<WindowCall | undefined>;
  private readonly places: number[];
  private readonly taken: boolean[];
  /** Events below the cursor have all been requested (or are not pre-admitted). */
  private cursor = 0;
  /** Requested and not yet taken. */
  private ahead = 0;

  /**
   * @param ids the batch's event ids in fetch order; undefined = not pre-admitted (ordered event)
   * @param size events per admit call (the window)
   * @param request one admit-many call
   */
  constructor(
    private readonly ids: ReadonlyArray<string | undefined>,
    private readonly size: number,
    private readonly request: (ids: string[]) => Promise<AdmitResult[]>,
    private readonly now: () => number,
  ) {
    this.calls = new Array<WindowCall | undefined>(ids.length);
    this.places = new Array<number>(ids.length);
    this.taken = new Array<boolean>(ids.length).fill(false);
  }

  /** Event i's admission (requested now with the next window if not yet); undefined when not pre-admitted. */
  take(i: number): Promise<PreAdmission> | undefined {
    if (this.ids[i] === undefined || this.taken[i]) return undefined;
    if (this.calls[i] === undefined) this.fill(i);
    this.taken[i] = true;
    this.ahead--;
    // Keep the next window in flight before this one runs dry.
    if (this.ahead < this.size / 2) this.fill(-1);
    const j = this.places[i]!;
    // One promise per event, made when it is taken (a window's events share its call).
    return this.calls[i]!.then(({ results, at }) => ({ result: results[j]!, at }));
  }

  /** Gives back the leases that were taken for events never attempted (the batch stopped early). */
  async releaseUnused(release: (eventId: string) => Promise<void>): Promise<void> {
    const waits: Array<Promise<void>> = [];
    for (let i = 0; i < this.ids.length; i++) {
      const call = this.calls[i];
      if (call === undefined || this.taken[i]) continue;
      const id = this.ids[i]!;
      const j = this.places[i]!;
      waits.push(
        call.then(
          ({ results }) => (results[j]!.kind === 'admitted' ? release(id) : undefined),
          () => undefined,
        ),
      );
    }
    await Promise.all(waits);
  }

  /** Requests `first` (when >= 0) and the next events in fetch order, `size` in all. */
  private fill(first: number): void {
    const idx: number[] = [];
    if (first >= 0) idx.push(first);
    while (idx.length < this.size && this.cursor < this.ids.length) {
      const i = this.cursor++;
      if (i !== first && this.ids[i] !== undefined && this.calls[i] === undefined && !this.taken[i])
        idx.push(i);
    }
    if (idx.length === 0) return;
    const call: WindowCall = this.request(idx.map((i) => this.ids[i]!)).then((results) => ({
      results,
      at: this.now(),
    }));
    // Marked handled here; whoever takes one of its events still sees the rejection (a Redis error).
    call.catch(() => undefined);
    for (let j = 0; j < idx.length; j++) {
      this.calls[idx[j]!] = call;
      this.places[idx[j]!] = j;
    }
    this.ahead += idx.length;
  }
}

/**
 * The pipeline's window factory for one subscriber: a pre-admission window per fetched batch
 * (unordered events only) when the subscriber has neither a shared rate limit nor a shared
 * concurrency cap; otherwise undefined, and admissions are taken per attempt, when it starts.
 * Window size: 4 × the local concurrency, within [32, 256].
 */
export function admissionWindows(o: {
  settings: DeliverySettings;
  limits: AdmitLimits;
  state: Pick<DeliveryState, 'admitMany'>;
  now: () => number;
}): (entries: readonly RetryEntry[]) => AdmissionWindow | undefined {
  const preAdmit = o.settings.rateLimit.perSecond === 0 && o.settings.concurrency.shared === 0;
  const size = Math.min(256, Math.max(32, o.settings.concurrency.perInstance * 4));
  return (entries) =>
    preAdmit
      ? new AdmissionWindow(
          entries.map((e) => (e.orderKey === undefined && e.eventId !== '' ? e.eventId : undefined)),
          size,
          (ids) => o.state.admitMany(ids, o.limits),
          o.now,
        )
      : undefined;
}
