import { Command } from 'commander';
import path from 'node:path';
import { topicPrefix } from '../../core/env';
import { topicsForPrefix } from '../../core/names/topics';
import { CrossdockError, isCrossdockError } from '../../core/errors';
import type { RegistryConnection } from '../../core/connection';
import type { ListedEntry } from '../../schemas';
import { LOCK_FILE, SCHEMAS_DIR } from '../defaults';
import { hubTopicSettings } from '../hub-topics';
import { EXIT, output } from '../output';

interface CommonOpts {
  json?: boolean;
  dir?: string;
}

function schemasDir(opts: CommonOpts): string {
  return opts.dir ? path.resolve(opts.dir) : SCHEMAS_DIR;
}

/** The registry from the environment (its auth and CA), at --registry's URL when given. */
function registryOf(opts: { registry?: string }): RegistryConnection {
  const { currentEndpoints } = require('../../stack') as typeof import('../../stack');
  const registry = currentEndpoints().registry;
  return opts.registry ? { ...registry, url: opts.registry.replace(/\/+$/, '') } : registry;
}

function listTable(entries: ListedEntry[]): string {
  const lines: string[] = [];
  for (const e of entries) {
    const reg =
      e.registryCompatibility === undefined ? '' : ` (registry: ${e.registryCompatibility ?? 'not set'})`;
    lines.push(
      `${e.eventType.padEnd(28)} ${e.subject}  key=${e.keyFields.join('+')}  ${e.compatibility}${reg}  ${e.tier}  owner=${e.owner}`,
    );
    for (const v of e.versions) {
      const dates = [v.since ? `since ${v.since}` : '', v.retireAfter ? `retire after ${v.retireAfter}` : '']
        .filter(Boolean)
        .join(', ');
      const reg =
        v.registry === undefined
          ? ''
          : v.registry === null
            ? '  not registered'
            : `  id ${v.registry.schemaId} (registry v${v.registry.registryVersion})`;
      lines.push(`    v${v.version}  ${v.status.padEnd(10)} ${dates.padEnd(40)}${reg}`);
    }
  }
  return lines.join('\n');
}

export function schemasCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('schemas').description(
    'the canonical event catalog: check (offline), push to the registry, list',
  );

  cmd
    .command('check')
    .description(
      'offline: parse every schema, lint it, check compatibility between versions; exit 1 on any problem',
    )
    .option('--dir <path>', 'schemas folder to check', SCHEMAS_DIR)
    .option('--json', 'print { ok, problems: [{ rule, file, path, message }] }')
    .action((opts: CommonOpts) => {
      const { checkSchemas, formatProblems } = require('../../schemas') as typeof import('../../schemas');
      const res = checkSchemas(schemasDir(opts));
      output(Boolean(opts.json)).result(res, () =>
        res.ok
          ? `ok: ${res.eventTypes} event types, ${res.versions} versions, no problems`
          : `${formatProblems(res.problems)}\n${res.problems.length} problem(s) in ${res.eventTypes} event types (rules: docs/schemas.md)`,
      );
      if (!res.ok) setExit(EXIT.PROBLEMS);
    });

  cmd
    .command('push')
    .description(
      "register active and deprecated versions (oldest first) under record-name subjects and set each subject's compatibility, then publish the catalog to <prefix>.catalog (running routers take it without a restart) and add the versions to catalog.lock.json; idempotent",
    )
    .option('--registry <url>', 'Confluent API base URL (default: CROSSDOCK_REGISTRY_URL or the local stack)')
    .option('--dir <path>', 'schemas folder', SCHEMAS_DIR)
    .option(
      '--skip-check',
      'push even when `schemas check` finds problems (the registry still checks compatibility)',
    )
    .option('--only <names>', 'comma-separated event types or subjects to push (default: all)')
    .option(
      '--prefix <prefix>',
      'topic prefix of the hub whose routers follow the catalog: it is published to <prefix>.catalog (default: CROSSDOCK_TOPIC_PREFIX or cd)',
    )
    .option('--no-publish', 'only register in the registry; do not publish the catalog to Kafka')
    .option(
      '--config <file>',
      "hub configuration whose hub.topics.replicationFactor the catalog topic gets when it is created (default: the running hub's, else the example)",
    )
    .option('--no-lock', `do not add the pushed versions to ${LOCK_FILE}`)
    .option(
      '--json',
      'print { registryUrl, subjects: [{ subject, compatibility, versions: [{ version, schemaId, registryVersion, created }] }], catalog: { topic, bytes }, locked: [] }',
    )
    .action(
      async (
        opts: CommonOpts & {
          registry?: string;
          skipCheck?: boolean;
          only?: string;
          prefix?: string;
          publish?: boolean;
          lock?: boolean;
          config?: string;
        },
      ) => {
        const { checkSchemas, formatProblems, loadCatalog, publishCatalog, pushSchemas, writeLock } =
          require('../../schemas') as typeof import('../../schemas');
        const { createKafka } = require('../../core/kafka') as typeof import('../../core/kafka');
        const { currentEndpoints } = require('../../stack') as typeof import('../../stack');
        const dir = schemasDir(opts);
        if (!opts.skipCheck) {
          const check = checkSchemas(dir);
          if (!check.ok) {
            throw new CrossdockError(
              'CD_E_SCHEMA_CHECK_FAILED',
              `schemas check found ${check.problems.length} problem(s); nothing pushed:\n${formatProblems(check.problems)}`,
              {
                details: { problems: check.problems },
              },
            );
          }
        }
        const catalog = loadCatalog(dir, { cache: false });
        const only = opts.only
          ?.split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        const unknown = (only ?? []).filter((n) => !catalog.byEventType(n) && !catalog.bySubject(n));
        if (unknown.length)
          throw new CrossdockError('CD_E_UNKNOWN_EVENT_TYPE', `not in the catalog: ${unknown.join(', ')}`, {
            details: { unknown },
          });
        const pushed = await pushSchemas({
          registry: registryOf(opts),
          catalog,
          ...(only ? { only } : {}),
        });
        // Registered first, published after: a router that meets an event of a version it does not
        // know yet holds it for hub.router.unknownVersionGraceMs (the catalog is on its way).
        const published =
          opts.publish === false
            ? undefined
            : await publishCatalog({
                kafka: createKafka({
                  clientId: 'crossdock-schemas-push',
                  connection: currentEndpoints().kafka,
                }),
                topic: topicsForPrefix(opts.prefix ?? topicPrefix()).catalog,
                entries: catalog.entries,
                // Replicated like the hub's other topics (3 on a three-broker cluster).
                replicationFactor: hubTopicSettings(opts.config).replicationFactor,
              });
        const locked = opts.lock === false ? [] : writeLock(dir, catalog);
        const res = { ...pushed, ...(published ? { catalog: published } : {}), locked };
        output(Boolean(opts.json)).result(res, () =>
          [
            ...res.subjects.flatMap((s) => [
              `${s.subject}  ${s.compatibility}${s.compatibilityChanged ? ' (set)' : ''}`,
              ...s.versions.map(
                (v) =>
                  `    v${v.version}  id ${v.schemaId}  registry v${v.registryVersion}  ${v.created ? 'registered' : 'already there'}`,
              ),
              ...s.skipped.map((n) => `    v${n}  retired: not pushed`),
            ]),
            published
              ? `catalog published to ${published.topic} (${published.bytes} bytes): running routers take it without a restart`
              : 'catalog not published (--no-publish)',
            ...(locked.length ? [`${LOCK_FILE}: added ${locked.join(', ')}`] : []),
          ].join('\n'),
        );
      },
    );

  cmd
    .command('lock')
    .description(
      `add every catalog version's fingerprint to ${LOCK_FILE} (never changes one already there); commit the file: \`schemas check\` then refuses in-place edits of those versions`,
    )
    .option('--dir <path>', 'schemas folder', SCHEMAS_DIR)
    .option('--json', 'print { file, added: ["<subject> v<N>"] }')
    .action((opts: CommonOpts) => {
      const { loadCatalog, writeLock } = require('../../schemas') as typeof import('../../schemas');
      const dir = schemasDir(opts);
      const catalog = loadCatalog(dir, { cache: false });
      const added = writeLock(dir, catalog);
      const res = { file: path.join(dir, LOCK_FILE), added };
      output(Boolean(opts.json)).result(res, () =>
        added.length ? `${res.file}: added ${added.join(', ')}` : `${res.file}: nothing to add`,
      );
    });

  cmd
    .command('list')
    .description(
      'catalog entries with versions, status and registry ids (registry ids omitted when --offline)',
    )
    .option('--registry <url>', 'Confluent API base URL (default: CROSSDOCK_REGISTRY_URL or the local stack)')
    .option('--offline', 'do not ask the registry')
    .option('--dir <path>', 'schemas folder', SCHEMAS_DIR)
    .option('--json', 'machine-readable output')
    .action(async (opts: CommonOpts & { registry?: string; offline?: boolean }) => {
      const { listSchemas, loadCatalog } = require('../../schemas') as typeof import('../../schemas');
      const catalog = loadCatalog(schemasDir(opts));
      let entries: ListedEntry[];
      let note = '';
      try {
        entries = await listSchemas({ catalog, ...(opts.offline ? {} : { registry: registryOf(opts) }) });
      } catch (err) {
        // The catalog is still worth showing when the registry is down; say so and exit 1.
        if (!isCrossdockError(err) || err.code !== 'CD_E_REGISTRY_UNAVAILABLE') throw err;
        entries = await listSchemas({ catalog });
        note = `registry unavailable (${err.message}); ids not shown`;
        setExit(EXIT.PROBLEMS);
      }
      output(Boolean(opts.json)).result({ entries, ...(note ? { warning: note } : {}) }, () =>
        note ? `${listTable(entries)}\n${note}` : listTable(entries),
      );
    });

  return cmd;
}
