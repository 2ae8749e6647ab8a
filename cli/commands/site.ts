import fs from 'node:fs';
import { Command, Option } from 'commander';
import { wholeNumber } from '../arguments';
import type { Kafka } from 'kafkajs';
import { CrossdockError } from '../../core/errors';
import { topicPrefix } from '../../core/env';
import { ingressTopic } from '../../core/names/topics';
import { DEFAULT_CONFIG, DEFAULT_SITES_DIR } from '../defaults';
import { hubTopicSettings } from '../hub-topics';
import { EXIT, output } from '../output';

/** Newest message timestamp per topic (reads the last message of each partition; 5 s at most). */
async function lastEventSeen(kafka: Kafka, topics: string[]): Promise<Record<string, string | null>> {
  const admin = kafka.admin();
  await admin.connect();
  const out: Record<string, string | null> = Object.fromEntries(topics.map((t) => [t, null]));
  const wanted: Array<{ topic: string; partition: number; offset: string }> = [];
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics.filter((t) => existing.has(t))) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low))
          wanted.push({ topic, partition: p.partition, offset: String(BigInt(p.high) - 1n) });
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (!wanted.length) return out;
  const consumer = kafka.consumer({ groupId: `crossdock-site-list-${process.pid}-${Date.now()}` });
  let left = wanted.length;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.connect();
  await consumer.subscribe({ topics: [...new Set(wanted.map((w) => w.topic))] });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const w = wanted.find(
        (x) => x.topic === topic && x.partition === partition && x.offset === message.offset,
      );
      if (!w) return;
      const at = new Date(Number(message.timestamp)).toISOString();
      if (!out[topic] || out[topic]! < at) out[topic] = at;
      if (--left === 0) done();
    },
  });
  for (const w of wanted) consumer.seek(w);
  await Promise.race([finished, new Promise((r) => setTimeout(r, 5000))]);
  await consumer.disconnect();
  return out;
}

export function siteCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('site').description(
    'site connectors: test a site mapping, onboard a site, list sites',
  );

  cmd
    .command('test')
    .description(
      "show the canonical events a site's mapping makes of an input file (JSON or CSV), or every problem with its path",
    )
    .argument('<siteId>', 'site id (its mapping is sites/<siteId>/mapping.yaml)')
    .requiredOption('--file <input>', 'a JSON body as the site would POST it, or a CSV export')
    .option('--sites-dir <dir>', 'folder of site mappings', DEFAULT_SITES_DIR)
    .option('--json', 'machine-readable output')
    .action((siteId: string, opts: { file: string; sitesDir: string; json?: boolean }) => {
      if (!fs.existsSync(opts.file)) throw new CrossdockError('CD_E_USAGE', `No such file: ${opts.file}`);
      const { testSiteFile } =
        require('../../connectors/sources') as typeof import('../../connectors/sources');
      const res = testSiteFile(siteId, opts.file, { sitesDir: opts.sitesDir });
      output(Boolean(opts.json)).result(res, () =>
        res.problems.length
          ? [
              `${res.problems.length} problem(s) in ${opts.file} (mapping ${res.variant}):`,
              ...res.problems.map(
                (p) => `  ${p.path}  ${p.code}\n      expected ${p.expected}, got ${p.got}`,
              ),
            ].join('\n')
          : [
              `${res.events.length} canonical event(s) from ${opts.file} (mapping ${res.variant}):`,
              JSON.stringify(res.events, null, 2),
            ].join('\n'),
      );
      if (res.problems.length) setExit(EXIT.PROBLEMS);
    });

  cmd
    .command('add')
    .description(
      'onboard a site: its ingress topic, SCRAM user, ACLs (write only its own topic) and an HTTP key; prints the configuration to add',
    )
    .argument('<siteId>', 'new site id, e.g. us-den')
    .addOption(
      new Option('--kind <kind>', 'how the site publishes')
        .choices(['http', 'csv', 'sdk'])
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'human name of the site')
    .option('--country <code>', 'ISO 3166-1 alpha-2 country', 'US')
    .option('--prefix <prefix>', 'topic prefix', topicPrefix())
    .option('--partitions <n>', 'partitions of the ingress topic', wholeNumber(1, 10000), '6')
    .option('--no-scram', 'do not create the SCRAM user (when your Kafka team makes users)')
    .option(
      '--config <file>',
      "hub configuration whose hub.topics.replicationFactor the ingress topic gets (default: the running hub's, else the example)",
    )
    .option('--json', 'machine-readable output')
    .action(
      async (
        siteId: string,
        opts: {
          kind: 'http' | 'csv' | 'sdk';
          name?: string;
          country: string;
          prefix: string;
          partitions: string;
          scram: boolean;
          config?: string;
          json?: boolean;
        },
      ) => {
        const { currentEndpoints } = require('../../stack') as typeof import('../../stack');
        const { createKafka } = require('../../core/kafka') as typeof import('../../core/kafka');
        const { onboardSite } =
          require('../../connectors/sources') as typeof import('../../connectors/sources');
        // Replicated like the hub's other topics (3 on a three-broker cluster).
        const { replicationFactor } = hubTopicSettings(opts.config);
        const endpoints = currentEndpoints();
        const admin = createKafka({
          clientId: 'crossdock-site-add',
          connection: endpoints.kafka,
        }).admin();
        await admin.connect();
        try {
          const res = await onboardSite({
            admin,
            prefix: opts.prefix,
            siteId,
            name: opts.name,
            country: opts.country,
            kind: opts.kind,
            partitions: Number(opts.partitions),
            replicationFactor,
            scram: opts.scram ? { bootstrap: endpoints.kafkaBrokers[0]! } : false,
          });
          // A new site's SCRAM password and HTTP key, shown once on purpose: not redacted.
          const envName = `CROSSDOCK_KEY_${siteId.toUpperCase().replace(/-/g, '_')}`;
          output(Boolean(opts.json)).secret(res, () =>
            [
              `Site ${siteId}: topic ${res.topic} ${res.topicCreated ? 'created' : 'already there'}; ACLs for User:${res.user} (WRITE, DESCRIBE on its topic; IDEMPOTENT_WRITE).`,
              res.password
                ? `SCRAM user ${res.user} password (SCRAM-SHA-256/512; shown once): ${res.password}`
                : 'SCRAM user not created (--no-scram).',
              opts.kind === 'http'
                ? `HTTP key ${res.httpKey.id}; set ${envName}=${res.httpKey.secret} for the hub and give the site the same secret.`
                : '',
              `Add to sites: in the configuration, and a mapping at sites/${siteId}/mapping.yaml (extends: base):`,
              res.configSnippet,
            ]
              .filter(Boolean)
              .join('\n'),
          );
        } finally {
          await admin.disconnect();
        }
      },
    );

  cmd
    .command('list')
    .description(
      'sites of the configuration: connector kind, mapping variant and last event seen on the ingress topic',
    )
    .option('--config <file>', 'hub configuration (YAML)', DEFAULT_CONFIG)
    .option('--offline', 'do not ask Kafka for the last event seen')
    .option('--json', 'machine-readable output')
    .action(async (opts: { config: string; offline?: boolean; json?: boolean }) => {
      const { loadConfig } = require('../../hub') as typeof import('../../hub');
      const { siteMappingsFor } =
        require('../../connectors/sources') as typeof import('../../connectors/sources');
      const { createKafka } = require('../../core/kafka') as typeof import('../../core/kafka');
      const { currentEndpoints } = require('../../stack') as typeof import('../../stack');
      const config = loadConfig(opts.config);
      const prefix = config.hub.topicPrefix;
      const rows = config.sites.map((s) => {
        let variant: string;
        try {
          variant =
            s.connector.kind === 'sdk' ? '(sdk: canonical events)' : siteMappingsFor(config, s).variant;
        } catch (err) {
          variant = `INVALID: ${(err as Error).message.slice(0, 80)}`;
        }
        return {
          siteId: s.id,
          name: s.name,
          country: s.country,
          kind: s.connector.kind,
          variant,
          topic: ingressTopic(prefix, s.id),
          lastEventAt: null as string | null,
        };
      });
      if (!opts.offline) {
        const seen = await lastEventSeen(
          createKafka({ clientId: 'crossdock-site-list', connection: currentEndpoints().kafka }),
          rows.map((r) => r.topic),
        );
        for (const r of rows) r.lastEventAt = seen[r.topic] ?? null;
      }
      output(Boolean(opts.json)).result({ sites: rows }, () =>
        rows
          .map(
            (r) =>
              `${r.siteId.padEnd(8)} ${r.kind.padEnd(4)} ${r.variant.padEnd(34)} ${r.lastEventAt ?? (opts.offline ? '' : 'no event yet')}`,
          )
          .join('\n'),
      );
      if (rows.some((r) => r.variant.startsWith('INVALID'))) setExit(EXIT.PROBLEMS);
    });

  return cmd;
}
