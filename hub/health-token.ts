import type { ConfigProblem, HubConfig } from '../core/config';
import { CrossdockError } from '../core/errors';
import { createHealthServer, type HealthServer } from '../core/health';

/**
 * The bearer token of the health server's /status and /metrics (core/health.ts). Only from the
 * environment: the variable `hub.health.tokenEnv` names, else CROSSDOCK_METRICS_TOKEN, else none
 * (open, as before). A variable the configuration names must be set and not empty where the hub
 * runs: a token the operator asked for never silently turns into an open /metrics.
 */
export const METRICS_TOKEN_ENV = 'CROSSDOCK_METRICS_TOKEN';

/** The problem of a `hub.health.tokenEnv` that is not set in `env` (config check, start-up). */
export function healthTokenProblems(
  config: HubConfig,
  env: NodeJS.ProcessEnv,
  severity: 'error' | 'warning',
  line?: number,
): ConfigProblem[] {
  const name = config.hub.health.tokenEnv;
  if (name === undefined || env[name]) return [];
  return [
    {
      path: 'hub.health.tokenEnv',
      message: `$${name} (the token of /metrics and /status) is not set in this environment: \`crossdock start\`, \`crossdock router\` and \`crossdock connector\` refuse to start without it. Set it where the hub runs, or remove hub.health.tokenEnv`,
      ...(line === undefined ? {} : { line }),
      severity,
    },
  ];
}

/** The token the health server requires, or undefined; throws CD_E_CONFIG_INVALID when tokenEnv names an unset variable. */
export function healthToken(config: HubConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const problems = healthTokenProblems(config, env, 'error');
  if (problems.length)
    throw new CrossdockError('CD_E_CONFIG_INVALID', `hub.health.tokenEnv: ${problems[0]!.message}`, {
      details: { problems },
    });
  const name = config.hub.health.tokenEnv;
  return (name === undefined ? env[METRICS_TOKEN_ENV] : env[name]) || undefined;
}

/** The health server of a hub process, with the token of its configuration (healthToken). */
export function hubHealthServer(config: HubConfig, env: NodeJS.ProcessEnv = process.env): HealthServer {
  return createHealthServer(undefined, { token: healthToken(config, env) });
}
