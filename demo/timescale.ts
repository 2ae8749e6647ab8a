import { parseDuration } from '../flows';

/**
 * The demo's clock for flows. A demo lasts about a minute; a flow's deadlines are hours or days
 * (`flows:` in examples/hub.yaml). The run's configuration therefore scales every flow duration
 * (`within`, `withinBySiteGroup`, `expireAfter`) by one time scale: **one day of business passes
 * in 4 seconds** (one hour in 1/6 s), so a 48h deadline is 8 s, 24h is 4 s and a 14d expiry is
 * 56 s. A scaled duration is written back in whole seconds, rounded up, at least 1 s (the
 * configuration's duration format, `<n>s|m|h|d`, has no fractions). docs/demo.md says the same.
 */

/** Real milliseconds per business day in a demo run. */
export const DEMO_MS_PER_BUSINESS_DAY = 4000;

/** How many times faster than real time a demo's business runs (86 400 000 / 4000 = 21 600). */
export const DEMO_TIME_FACTOR = 86_400_000 / DEMO_MS_PER_BUSINESS_DAY;

/** `90s`, `30m`, `48h`, `14d` → ms (flows/ parseDuration); undefined when the text is not one. */
export function durationMs(text: unknown): number | undefined {
  const d = parseDuration(text);
  return 'ms' in d ? d.ms : undefined;
}

/** A business duration (ms) as the demo's real duration (ms), whole seconds, at least 1 s. */
export function scaledMs(businessMs: number): number {
  return Math.max(1, Math.ceil(businessMs / DEMO_TIME_FACTOR / 1000)) * 1000;
}

/**
 * A duration of the configuration scaled to the demo's clock, in the same format (`48h` → `8s`).
 * Anything that is not a duration string is returned as it is (`config check` will say why).
 */
export function scaleDuration(value: unknown): unknown {
  const ms = durationMs(value);
  return ms === undefined ? value : `${scaledMs(ms) / 1000}s`;
}

/** How the summary and the live view say the scale. */
export function describeTimeScale(): string {
  return `1 day of business = ${DEMO_MS_PER_BUSINESS_DAY / 1000} s (flow deadlines scaled: 48h → ${scaledMs(48 * 3_600_000) / 1000} s, 14d → ${scaledMs(14 * 86_400_000) / 1000} s)`;
}

interface FlowDoc {
  expireAfter?: unknown;
  steps?: Array<{ within?: unknown; withinBySiteGroup?: Record<string, unknown> }>;
}

/**
 * The `flows:` section of a parsed configuration with every duration scaled (in place): each
 * flow's `expireAfter` and each step's `within` and `withinBySiteGroup` values. A flow without
 * `expireAfter` gets the scaled default (14d) written, so its instances also expire in demo time.
 */
export function scaleFlowsSection(flows: unknown, defaultExpireAfter = '14d'): void {
  if (!Array.isArray(flows)) return;
  for (const f of flows as FlowDoc[]) {
    if (!f || typeof f !== 'object') continue;
    f.expireAfter = scaleDuration(f.expireAfter ?? defaultExpireAfter);
    for (const s of f.steps ?? []) {
      if (!s || typeof s !== 'object') continue;
      if (s.within !== undefined) s.within = scaleDuration(s.within);
      if (s.withinBySiteGroup && typeof s.withinBySiteGroup === 'object')
        for (const g of Object.keys(s.withinBySiteGroup))
          s.withinBySiteGroup[g] = scaleDuration(s.withinBySiteGroup[g]);
    }
  }
}
