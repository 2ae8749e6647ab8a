import type { HubConfig } from '../core/config';

/**
 * What a running hub can take from a new configuration, and what it cannot.
 *
 * Sites, subscribers, routes, rules, dead-letter settings and flows change while the hub runs (`crossdock config apply`,
 * SIGHUP). The `hub:` section does not: the topic prefix names every topic and Redis key, the
 * router's group id and settings shape its consumer and transactions, the health address is the
 * socket the change arrives on. A new configuration that changes any of them is refused as a
 * whole, naming each setting, and the running configuration stays.
 */

/** One setting of the `hub:` section that differs, as a path (`hub.router.groupId`). */
export interface RestartOnlyChange {
  path: string;
  from: unknown;
  to: unknown;
}

/** Added, removed and changed ids of a list of configured things (sites, subscribers). */
export interface IdChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface ConfigDiff {
  /** Settings that take effect only at a restart; non-empty: the change is refused. */
  restartOnly: RestartOnlyChange[];
  sites: IdChanges;
  subscribers: IdChanges;
  routes: boolean;
  rules: boolean;
  /** The deadLetters section (service levels, replay limits), read where it is used. */
  deadLetters: boolean;
  /** The flows section (HubConfig.flows), read by the flow tracker's components. */
  flows: boolean;
  /** True when nothing a running hub uses differs. */
  none: boolean;
}

function leafDiffs(path: string, a: unknown, b: unknown, out: RestartOnlyChange[]): void {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
      leafDiffs(`${path}.${k}`, a[k], b[k], out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, from: a, to: b });
}

function idChanges<T extends { id: string }>(a: readonly T[], b: readonly T[]): IdChanges {
  const before = new Map(a.map((x) => [x.id, JSON.stringify(x)]));
  const after = new Map(b.map((x) => [x.id, JSON.stringify(x)]));
  return {
    added: [...after.keys()].filter((id) => !before.has(id)),
    removed: [...before.keys()].filter((id) => !after.has(id)),
    changed: [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id)),
  };
}

const anyChange = (c: IdChanges) => c.added.length + c.removed.length + c.changed.length > 0;

export function diffConfig(current: HubConfig, next: HubConfig): ConfigDiff {
  const restartOnly: RestartOnlyChange[] = [];
  leafDiffs('hub', current.hub, next.hub, restartOnly);
  const sites = idChanges(current.sites, next.sites);
  const subscribers = idChanges(current.subscribers, next.subscribers);
  const routes = JSON.stringify(current.routes) !== JSON.stringify(next.routes);
  const rules = JSON.stringify(current.rules) !== JSON.stringify(next.rules);
  const deadLetters = JSON.stringify(current.deadLetters) !== JSON.stringify(next.deadLetters);
  const flows = JSON.stringify(current.flows) !== JSON.stringify(next.flows);
  return {
    restartOnly,
    sites,
    subscribers,
    routes,
    rules,
    deadLetters,
    flows,
    none:
      restartOnly.length === 0 &&
      !anyChange(sites) &&
      !anyChange(subscribers) &&
      !routes &&
      !rules &&
      !deadLetters &&
      !flows,
  };
}

/** The refusal of a diff that touches restart-only settings, one line per setting. */
export function restartOnlyProblems(diff: ConfigDiff): Array<{ path: string; message: string }> {
  return diff.restartOnly.map((c) => ({
    path: c.path,
    message: `changed from ${JSON.stringify(c.from)} to ${JSON.stringify(c.to)}: the hub section takes effect only when the hub restarts`,
  }));
}
