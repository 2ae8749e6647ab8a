import type { HubComponent } from '../core/component';
import type { HubConfig } from '../core/config';
import type { ComponentContext, ComponentGroup } from './components';
import { diffConfig, type ConfigDiff } from './config-diff';

/**
 * The components of a running hub, kept in step with its configuration.
 *
 * Start order is group order, then unit order; stop is the reverse. apply() takes a new
 * configuration (already validated, and with an unchanged `hub:` section: hub/config-diff.ts)
 * group by group in start order, so that a subscriber's deliver topic exists before the router
 * routes to it: a unit whose fingerprint changed is reconfigured in place when its group can
 * (the router; HTTP ingest for new sites and keys), else stopped and created again from the new configuration; new units start,
 * removed ones stop. A unit that fails to start from the new configuration is brought back from
 * the previous one, and apply() rejects: the hub keeps running what it ran.
 *
 * State: per group, unit id → its fingerprint and components; `running` once start() finished.
 */
export interface UnitState {
  fingerprint: string;
  components: HubComponent[];
}

export interface ComponentSet {
  /** Every current component, in start order. */
  list(): HubComponent[];
  /** True while `component` is started. */
  isStarted(component: HubComponent): boolean;
  /** Starts every component in order; when one fails, stops those started and rejects. */
  start(): Promise<void>;
  /** Stops every started component in reverse order; `failed` hears about each one that throws. */
  stop(failed: (component: HubComponent, err: unknown) => void): Promise<void>;
}

/** A fixed list of components (`crossdock router`, `crossdock connector <id>`). */
export function staticComponents(components: HubComponent[]): ComponentSet {
  const started: HubComponent[] = [];
  return {
    list: () => [...components],
    isStarted: (c) => started.includes(c),
    async start() {
      for (const c of components) {
        await c.start();
        started.push(c);
      }
    },
    async stop(failed) {
      for (const c of started.splice(0).reverse()) await c.stop().catch((err: unknown) => failed(c, err));
    },
  };
}

export interface AppliedChange {
  diff: ConfigDiff;
  /** Components started, stopped and reconfigured in place, by name. */
  started: string[];
  stopped: string[];
  reconfigured: string[];
}

export class LiveComponents implements ComponentSet {
  private readonly groups: Array<{ group: ComponentGroup; units: Map<string, UnitState> }>;
  private ctx: ComponentContext;
  private running = false;
  /** Started components, in the order they started. */
  private startedList: HubComponent[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    groups: readonly ComponentGroup[],
    ctx: ComponentContext,
    private readonly hooks: {
      /** Told of every component that starts (true) or stops (false) (the /status entries). */
      onState?: (component: HubComponent, started: boolean) => void;
    } = {},
  ) {
    this.ctx = ctx;
    this.groups = groups.map((group) => {
      const units = new Map<string, UnitState>();
      for (const [id, fingerprint] of group.units(ctx.config))
        units.set(id, { fingerprint, components: group.create(ctx, id) });
      return { group, units };
    });
  }

  /** The configuration the components run. */
  get config(): HubConfig {
    return this.ctx.config;
  }

  isStarted(component: HubComponent): boolean {
    return this.startedList.includes(component);
  }

  list(): HubComponent[] {
    return this.groups.flatMap((g) => [...g.units.values()].flatMap((u) => u.components));
  }

  async start(): Promise<void> {
    try {
      for (const c of this.list()) await this.startOne(c);
      this.running = true;
    } catch (err) {
      await this.stop(() => undefined);
      throw err;
    }
  }

  async stop(failed: (component: HubComponent, err: unknown) => void): Promise<void> {
    this.running = false;
    await this.queue.catch(() => undefined);
    // Reverse start order of the current list (a unit replaced while running stops in its place).
    const order = this.list().filter((c) => this.startedList.includes(c));
    const rest = this.startedList.filter((c) => !order.includes(c));
    for (const c of [...order, ...rest].reverse())
      await this.stopOne(c).catch((err: unknown) => failed(c, err));
  }

  /** Takes `next` (see the class comment). Changes are applied one after the other. */
  apply(next: HubConfig): Promise<AppliedChange> {
    const run = this.queue.then(() => this.applyNow(next));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(next: HubConfig): Promise<AppliedChange> {
    const diff = diffConfig(this.ctx.config, next);
    const change: AppliedChange = { diff, started: [], stopped: [], reconfigured: [] };
    if (diff.none) return change;
    const previous = this.ctx.config;
    const nextCtx: ComponentContext = { ...this.ctx, config: next };
    try {
      for (const g of this.groups) await this.applyGroup(g, nextCtx, change);
    } catch (err) {
      // Back to what ran before (unit by unit, by fingerprint), then refuse the change.
      this.ctx = nextCtx;
      const back: AppliedChange = { diff, started: [], stopped: [], reconfigured: [] };
      const previousCtx: ComponentContext = { ...this.ctx, config: previous };
      for (const g of this.groups) await this.applyGroup(g, previousCtx, back).catch(() => undefined);
      this.ctx = previousCtx;
      throw err;
    }
    this.ctx = nextCtx;
    return change;
  }

  private async applyGroup(
    g: { group: ComponentGroup; units: Map<string, UnitState> },
    ctx: ComponentContext,
    change: AppliedChange,
  ): Promise<void> {
    const wanted = g.group.units(ctx.config);
    // Removed units stop first, so a replaced one can take its name again.
    for (const [id, unit] of [...g.units]) {
      if (wanted.has(id)) continue;
      for (const c of [...unit.components].reverse()) await this.stopLogged(c, change);
      g.units.delete(id);
    }
    for (const [id, fingerprint] of wanted) {
      const unit = g.units.get(id);
      if (unit && unit.fingerprint === fingerprint) continue;
      if (
        unit &&
        g.group.reconfigure &&
        this.running &&
        (await g.group.reconfigure(unit.components, ctx.config)) !== false
      ) {
        unit.fingerprint = fingerprint;
        change.reconfigured.push(...unit.components.map((c) => c.name));
        continue;
      }
      if (unit) {
        for (const c of [...unit.components].reverse()) await this.stopLogged(c, change);
        g.units.delete(id);
      }
      const components = g.group.create(ctx, id);
      try {
        if (this.running) for (const c of components) await this.startOne(c);
      } catch (err) {
        for (const c of components) await this.stopOne(c).catch(() => undefined);
        throw err;
      }
      g.units.set(id, { fingerprint, components });
      change.started.push(...components.map((c) => c.name));
    }
    // Keep the map in the configuration's order (start order).
    const ordered = [...wanted.keys()].flatMap((id) =>
      g.units.has(id) ? [[id, g.units.get(id)!] as const] : [],
    );
    g.units.clear();
    for (const [id, u] of ordered) g.units.set(id, u);
  }

  private async startOne(c: HubComponent): Promise<void> {
    await c.start();
    this.startedList.push(c);
    this.hooks.onState?.(c, true);
  }

  private async stopOne(c: HubComponent): Promise<void> {
    const i = this.startedList.indexOf(c);
    if (i < 0) return;
    this.startedList.splice(i, 1);
    try {
      await c.stop();
    } finally {
      this.hooks.onState?.(c, false);
    }
  }

  private async stopLogged(c: HubComponent, change: AppliedChange): Promise<void> {
    await this.stopOne(c);
    change.stopped.push(c.name);
  }
}
