import { createSiteProducer } from '../../connectors/sdk';
import { signedHeaders } from '../../connectors/sources';
import type { HubConfig } from '../../core/config';
import type { Endpoints } from '../../core/env';
import { readCredentials, siteUserName, stackPaths } from '../../stack';
import type { SenderLedger } from '../ledger';
import type { SiteChannel } from './channel';
import { csvSite } from './csv';
import { withFollowUps } from './follow-ups';
import { httpSite } from './http';
import { sdkSite } from './sdk';

/**
 * One simulated site per site of the configuration, through the kind of connector it has there:
 * `http` signs with its first key (secret from `secrets`), `csv` exports into its drop folder,
 * `sdk` logs in as its SCRAM user from the local stack's credentials. A site that cannot take
 * part says why (`sitsOut`) and is left out. A CSV or HTTP site whose SCRAM user is there also
 * reports what follows its orders through the SDK (demo/sites/follow-ups.ts): the run grants
 * every site's user its ingress topic.
 */
export function buildSites(options: {
  config: HubConfig;
  prefix: string;
  ingestUrl: string;
  endpoints: Endpoints;
  /** Signing-key secrets by environment variable name. */
  secrets: Readonly<Record<string, string>>;
  dropFolder: (siteId: string) => string;
  ledger: SenderLedger;
  sitsOut: (siteId: string, why: string) => void;
}): Map<string, SiteChannel> {
  const { ledger, endpoints } = options;
  const credentials = readCredentials(stackPaths());
  const channels = new Map<string, SiteChannel>();
  const sdkOf = (siteId: string, user: { name: string; password: string }) =>
    sdkSite({
      siteId,
      ledger,
      producer: createSiteProducer({
        siteId,
        brokers: endpoints.kafkaSaslBrokers,
        sasl: { mechanism: 'scram-sha-512', username: user.name, password: user.password },
        registryUrl: endpoints.registryUrl,
        registry: endpoints.registry,
        ...(endpoints.kafka.ssl ? { ssl: endpoints.kafka.ssl } : {}),
        topicPrefix: options.prefix,
        sourceSystem: `${siteId}-wms`,
      }),
    });
  const withWms = (c: SiteChannel) => {
    const user = credentials?.users.find((u) => u.name === siteUserName(c.siteId));
    return user ? withFollowUps(c, sdkOf(c.siteId, user)) : c;
  };
  for (const s of options.config.sites) {
    const connector = s.connector as { kind: string; keys?: Array<{ id: string; secretEnv: string }> };
    if (connector.kind === 'http') {
      const k = connector.keys?.[0];
      const secret = k ? (options.secrets[k.secretEnv] ?? process.env[k.secretEnv]) : undefined;
      if (!k || !secret) {
        options.sitsOut(
          s.id,
          k
            ? `no secret for its key ${k.id} ($${k.secretEnv})`
            : 'its connector has no signing key (connector.keys)',
        );
        continue;
      }
      channels.set(
        s.id,
        withWms(
          httpSite({
            siteId: s.id,
            ingestUrl: options.ingestUrl,
            key: { id: k.id, secret },
            ledger,
            sign: (key, body) => signedHeaders(key, body),
          }),
        ),
      );
    } else if (connector.kind === 'csv') {
      channels.set(s.id, withWms(csvSite({ siteId: s.id, folder: options.dropFolder(s.id), ledger })));
    } else {
      const user = credentials?.users.find((u) => u.name === siteUserName(s.id));
      if (!user) {
        options.sitsOut(
          s.id,
          `no SCRAM credentials for ${siteUserName(s.id)} in ${stackPaths().credentialsFile} (the local stack makes them for the demo sites)`,
        );
        continue;
      }
      channels.set(s.id, sdkOf(s.id, user));
    }
  }
  return channels;
}
