import type { FastifyInstance } from 'fastify';
import type { HubComponent } from '../../core/component';
import { CrossdockError, describeError } from '../../core/errors';
import { eventLogger } from '../../core/log-events';
import { silentLogger } from '../../core/logger';
import { DLQ_LOG_EVENTS } from '../log-events';
import { API_PREFIX, buildAdminApp, type AdminApiDeps } from './server';

/** The admin API as a component: `start()` listens, `stop()` closes (in-flight requests finish). */
export interface AdminApi extends HubComponent {
  /** Base URL once started (`http://<host>:<port>`), the API under `<url>/api/v1`. */
  readonly url: string | undefined;
  readonly port: number;
  readonly app: FastifyInstance | undefined;
}

export interface AdminApiOptions extends AdminApiDeps {
  host: string;
  /** 0: any free port. */
  port: number;
}

/** URL host part of a listen address (IPv6 in brackets). */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The admin HTTP API (server.ts) on its own address (`hub.admin.host`/`port`). The services are
 * injected; the caller owns them (and their clients) and closes them after stop().
 */
export function createAdminApi(options: AdminApiOptions): AdminApi {
  let app: FastifyInstance | undefined;
  let port = 0;
  const log = eventLogger(options.logger ?? silentLogger(), DLQ_LOG_EVENTS);
  return {
    name: 'admin-api',
    get url() {
      return app ? `http://${urlHost(options.host)}:${port}` : undefined;
    },
    get port() {
      return port;
    },
    get app() {
      return app;
    },
    async start() {
      if (app) return;
      const a = await buildAdminApp(options);
      try {
        await a.listen({ host: options.host, port: options.port });
      } catch (err) {
        await a.close();
        throw new CrossdockError(
          'CD_E_ADMIN_LISTEN_FAILED',
          `the admin API cannot listen on ${urlHost(options.host)}:${options.port}: ${describeError(err)}; set hub.admin.port or crossdock start --admin-port`,
          { cause: err, details: { host: options.host, port: options.port } },
        );
      }
      const addr = a.server.address();
      port = typeof addr === 'object' && addr ? addr.port : options.port;
      app = a;
      log.emit('dlq.admin_api_listening', {
        url: `http://${urlHost(options.host)}:${port}${API_PREFIX}`,
        localToken: Boolean(options.localToken),
        tokens: options.config().hub.admin.tokens.length,
      });
    },
    async stop() {
      const a = app;
      app = undefined;
      await a?.close();
    },
  };
}
