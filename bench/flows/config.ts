/**
 * The hub configuration the flow benchmark's tracker runs with: the benchmark's topic prefix and
 * sites, the router's group (bench/router/arm.ts names it `<prefix>-h`), and the four flows of
 * examples/hub.yaml as they ship.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { HubConfig } from '../../core/config';
import { loadConfigText } from '../../hub';

const root = path.resolve(__dirname, '../..');

export function flowBenchConfig(o: {
  prefix: string;
  sites: readonly string[];
  routerGroup: string;
  partitionsConsumedConcurrently: number;
}): HubConfig {
  const example = parse(fs.readFileSync(path.join(root, 'examples/hub.yaml'), 'utf8')) as {
    flows: unknown[];
  };
  return loadConfigText(
    stringify({
      hub: {
        topicPrefix: o.prefix,
        router: {
          groupId: o.routerGroup,
          partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
        },
      },
      sites: o.sites.map((id) => ({
        id,
        name: id,
        country: id.slice(0, 2).toUpperCase(),
        connector: { kind: 'sdk' },
      })),
      subscribers: [{ id: 's1', sink: { kind: 'kafka' } }],
      routes: [{ name: 'all', match: {}, to: ['s1'] }],
      flows: example.flows,
    }),
  );
}
