import { Command } from 'commander';
import path from 'node:path';
import { currentEndpoints } from '../../stack';
import { CrossdockError, isCrossdockError } from '../../core/errors';
import {
  checkSchemas,
  formatProblems,
  listSchemas,
  loadCatalog,
  pushSchemas,
  SCHEMAS_DIR,
  type ListedEntry,
} from '../../schemas';
import { EXIT, output } from '../output';

interface CommonOpts {
  json?: boolean;
  dir?: string;
}

function schemasDir(opts: CommonOpts): string {
  return opts.dir ? path.resolve(opts.dir) : SCHEMAS_DIR;
}

function registryUrl(opts: { registry?: string }): string {
  return (opts.registry ?? currentEndpoints().registryUrl).replace(/\/+$/, '');
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
      "register active and deprecated versions (oldest first) under record-name subjects and set each subject's compatibility; idempotent",
    )
    .option('--registry <url>', 'Confluent API base URL (default: CROSSDOCK_REGISTRY_URL or the local stack)')
    .option('--dir <path>', 'schemas folder', SCHEMAS_DIR)
    .option(
      '--skip-check',
      'push even when `schemas check` finds problems (the registry still checks compatibility)',
    )
    .option('--only <names>', 'comma-separated event types or subjects to push (default: all)')
    .option(
      '--json',
      'print { registryUrl, subjects: [{ subject, compatibility, versions: [{ version, schemaId, registryVersion, created }] }] }',
    )
    .action(async (opts: CommonOpts & { registry?: string; skipCheck?: boolean; only?: string }) => {
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
      const catalog = loadCatalog(dir);
      const only = opts.only
        ?.split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const unknown = (only ?? []).filter((n) => !catalog.byEventType(n) && !catalog.bySubject(n));
      if (unknown.length)
        throw new CrossdockError('CD_E_UNKNOWN_EVENT_TYPE', `not in the catalog: ${unknown.join(', ')}`, {
          details: { unknown },
        });
      const res = await pushSchemas({ registryUrl: registryUrl(opts), catalog, ...(only ? { only } : {}) });
      output(Boolean(opts.json)).result(res, () =>
        res.subjects
          .flatMap((s) => [
            `${s.subject}  ${s.compatibility}${s.compatibilityChanged ? ' (set)' : ''}`,
            ...s.versions.map(
              (v) =>
                `    v${v.version}  id ${v.schemaId}  registry v${v.registryVersion}  ${v.created ? 'registered' : 'already there'}`,
            ),
            ...s.skipped.map((n) => `    v${n}  retired: not pushed`),
          ])
          .join('\n'),
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
      const catalog = loadCatalog(schemasDir(opts));
      let entries: ListedEntry[];
      let note = '';
      try {
        entries = await listSchemas({ catalog, ...(opts.offline ? {} : { registryUrl: registryUrl(opts) }) });
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
