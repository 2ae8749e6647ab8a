import type { FastifyInstance } from 'fastify';
import { consoleExtension, type ConsolePageModule } from '../../../console';
import {
  ADMIN_ROLES,
  buildAdminApp,
  tokenSha256,
  type AdminApiDeps,
  type DeadLetterPayload,
  type DeadLetterRecord,
  type DeadLetterStore,
} from '../../../dlq';
import { loadCatalog } from '../../../schemas';
import { fakeAudit, fakeReplay, fakeStore, fakeTracer, letter } from '../dlq/fakes';

/** Tokens of the console tests' app, one per role. */
export const TOKENS = { viewer: 'tok-viewer', operator: 'tok-operator', admin: 'tok-admin' } as const;
export type Role = keyof typeof TOKENS;

export const HOST = 'console.test:9401';

/**
 * The admin API on fakes (test/unit/dlq/fakes.ts) with the console on it: the pages given, or
 * the shipped ones; the letters given (and their payloads), or two of subscriber erp. `over`
 * replaces any of the API's services. The fake store and replay service are returned, so a test
 * can check what an action asked of them.
 */
export async function consoleApp(
  options: {
    pages?: readonly ConsolePageModule[];
    letters?: DeadLetterRecord[];
    payloads?: Record<string, DeadLetterPayload>;
    over?: Partial<AdminApiDeps>;
  } = {},
): Promise<{
  app: FastifyInstance;
  audit: ReturnType<typeof fakeAudit>;
  store: DeadLetterStore;
  replay: ReturnType<typeof fakeReplay>;
}> {
  const audit = fakeAudit();
  const catalog = loadCatalog();
  const store = fakeStore(
    options.letters ?? [
      letter('x.dlq.deliver.erp:0:5'),
      letter('x.dlq.deliver.erp:0:6', { code: 'CD_E_OTHER' }),
    ],
    options.payloads ?? {},
  );
  const replay = fakeReplay(store);
  const app = await buildAdminApp({
    config: () => ({
      hub: {
        admin: {
          tokens: ADMIN_ROLES.map((role) => ({ name: `${role}-1`, role, sha256: tokenSha256(TOKENS[role]) })),
        },
      },
      deadLetters: { replay: { maxSelection: 100, ratePerSecond: 50 } },
    }),
    store,
    audit,
    resolver: {
      getSchemaById: async (id) => {
        throw new Error(`unknown id ${id}`);
      },
    },
    replay,
    tracer: fakeTracer,
    scorecards: async () => [],
    catalog: () => catalog,
    clock: { now: () => 10_000 },
    extend: consoleExtension(options.pages ? { pages: options.pages } : {}),
    ...options.over,
  });
  return { app, audit, store, replay };
}

/** The Cookie header of a browser signed in with this role's token. */
export function signedIn(role: Role): Record<string, string> {
  return { cookie: `cd_console=${TOKENS[role]}`, host: HOST };
}

/** Headers of a form posted from the console's own page. */
export function formFrom(role: Role): Record<string, string> {
  return {
    ...signedIn(role),
    origin: `http://${HOST}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
}
