import fs from 'node:fs';
import path from 'node:path';
import type { HubComponent } from '../core/component';
import type { HealthServer } from '../core/health';
import { bearerToken, identify, LOCAL_ADMIN_NAME, tokenSha256, type AuditRecord } from '../dlq';
import { eventLogger } from '../core/log-events';
import type { Logger } from '../core/logger';
import { stackPaths } from '../stack';
import {
  applyConfigText,
  configRoute,
  CONTROL_TOKEN_NAME,
  newControlToken,
  writeRunFile,
  type ApplyOutcome,
  type RunFile,
} from './control';
import type { LiveComponents } from './live';
import { HUB_LOG_EVENTS } from './log-events';

/**
 * The running hub's side of configuration changes (hub/control.ts has the contract): POST
 * /config on the health server, SIGHUP, and the run file that lets `crossdock config apply` find
 * them. Every outcome is logged (hub.config_applied / hub.config_refused).
 */
export function serveConfigChanges(o: {
  live: LiveComponents;
  health: HealthServer;
  logger: Logger;
  /** Base URL of the health server. */
  url: string;
  /** The file the hub was started with (SIGHUP re-reads it). */
  configFile: string;
  /** @defaultValue the crossdock home (CROSSDOCK_HOME) */
  home?: string;
  /** The admin API's base URL and the local admin token, for the run file. */
  admin?: { url: string; token?: string };
  /**
   * Writes a record to the audit trail (op `config.apply`, refusals too); failures are the
   * writer's to report. @defaultValue none
   */
  audit?: (record: AuditRecord) => Promise<void>;
}): {
  attach(): () => void;
  /** Adds fields to the run file (written now when attached, else at attach). */
  note(fields: Pick<RunFile, 'ingestUrl'>): void;
} {
  const log = eventLogger(o.logger, HUB_LOG_EVENTS);
  const configFile = path.resolve(o.configFile);
  const audit = (record: Omit<AuditRecord, 'at' | 'op'>) =>
    void o.audit?.({ at: Date.now(), op: 'config.apply', ...record }).catch(() => undefined);
  const apply = async (
    via: string,
    text: string,
    file: string | undefined,
    who: string,
  ): Promise<ApplyOutcome> => {
    const outcome = await applyConfigText(
      text,
      file,
      () => o.live.config,
      (next) => o.live.apply(next),
    );
    audit({
      who,
      ...(who === CONTROL_TOKEN_NAME || who === LOCAL_ADMIN_NAME ? { role: 'admin' as const } : {}),
      selector: { via, ...(file ? { file } : {}) },
      result: outcome.applied ? 'ok' : 'failed',
      ...(outcome.applied ? {} : { code: outcome.code }),
    });
    if (outcome.applied) {
      const { diff, started, stopped, reconfigured } = outcome.change;
      log.emit(
        'hub.config_applied',
        {
          via,
          file,
          started,
          stopped,
          reconfigured,
          sites: diff.sites,
          subscribers: diff.subscribers,
          routes: diff.routes,
          rules: diff.rules,
        },
        diff.none ? 'configuration applied: nothing changed' : 'configuration applied',
      );
    } else
      log.emit(
        'hub.config_refused',
        { via, file, code: outcome.code, problems: outcome.problems },
        `configuration refused (${outcome.code}): ${outcome.message}`,
      );
    return outcome;
  };
  const token = newControlToken();
  o.health.addRoute(
    'POST',
    '/config',
    configRoute(
      token,
      (text, file, who) => apply('config apply', text, file, who),
      // An admin of the admin API may change the configuration too (hub.admin.tokens, the local token).
      (authorization) => {
        const id = identify(
          [
            ...o.live.config.hub.admin.tokens,
            ...(o.admin?.token
              ? [{ name: LOCAL_ADMIN_NAME, role: 'admin' as const, sha256: tokenSha256(o.admin.token) }]
              : []),
          ],
          bearerToken(authorization),
        );
        return id?.role === 'admin' ? id.name : undefined;
      },
      (code) => audit({ who: 'anonymous', selector: { via: 'config apply' }, result: 'refused', code }),
    ),
  );
  const onHup = () => {
    let text: string;
    try {
      text = fs.readFileSync(configFile, 'utf8');
    } catch (err) {
      log.emit(
        'hub.config_refused',
        { via: 'SIGHUP', file: configFile, code: 'CD_E_CONFIG_UNREADABLE', problems: [] },
        `SIGHUP: cannot read ${configFile}: ${String(err)}`,
      );
      return;
    }
    void apply('SIGHUP', text, configFile, 'SIGHUP');
  };
  let extra: Pick<RunFile, 'ingestUrl'> = {};
  let attached = false;
  const writeRun = () =>
    writeRunFile(o.home ?? stackPaths().home, {
      pid: process.pid,
      url: o.url,
      token,
      configFile,
      ...(o.admin ? { adminUrl: o.admin.url } : {}),
      ...(o.admin?.token ? { adminToken: o.admin.token } : {}),
      ...extra,
    });
  return {
    attach() {
      const removeRunFile = writeRun();
      attached = true;
      process.on('SIGHUP', onHup);
      return () => {
        attached = false;
        process.off('SIGHUP', onHup);
        removeRunFile();
      };
    },
    note(fields) {
      extra = { ...extra, ...fields };
      if (attached) writeRun();
    },
  };
}

/**
 * Keeps /readyz and /status in step with a component set that changes while it runs: a started
 * component shows `components.<name>.started`; a stopped one loses its readiness check and its
 * /status entries (a removed subscriber's too) until it starts again.
 */
export function componentStatus(
  health: HealthServer,
  live: Pick<LiveComponents, 'isStarted'>,
  c: HubComponent,
  started: boolean,
): void {
  if (started) {
    health.addStatus('components', c.name, () => ({ started: live.isStarted(c) }));
    return;
  }
  health.removeReadiness(c.name);
  health.removeStatus('components', c.name);
  if (c.name.startsWith('connector:')) health.removeStatus('subscribers', c.name.slice('connector:'.length));
}
