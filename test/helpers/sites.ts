import fs from 'node:fs';
import path from 'node:path';
import { createSiteProducer, type EventBody, type EventTypeName } from '../../connectors/sdk';
import { readCredentials, stackPaths } from '../../stack';
import { testEndpoints } from './stack';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Drops a site's golden CSV sample into its drop folder under `home` the way a site should:
 * written under a temporary name, then renamed. Returns the drop folder.
 */
export function dropCsvSample(home: string, siteId: string, sample: string, as = 'orders.csv'): string {
  const drop = path.join(home, 'drop', siteId);
  fs.mkdirSync(drop, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'sites', siteId, 'samples', sample), path.join(drop, `.${as}.tmp`));
  fs.renameSync(path.join(drop, `.${as}.tmp`), path.join(drop, as));
  return drop;
}

/** Publishes one event with the SDK, logged in as the demo site's own SCRAM user from the stack. */
export async function publishAsDemoSite<T extends EventTypeName>(
  siteId: string,
  topicPrefix: string,
  eventType: T,
  body: EventBody<T>,
): Promise<void> {
  const endpoints = testEndpoints();
  const username = `site-${siteId}`;
  const user = readCredentials(stackPaths())?.users.find((u) => u.name === username);
  if (!user) throw new Error(`no SCRAM credentials for ${username} in ${stackPaths().credentialsFile}`);
  const sdk = createSiteProducer({
    siteId,
    brokers: endpoints.kafkaSaslBrokers,
    sasl: { mechanism: 'scram-sha-512', username, password: user.password },
    registryUrl: endpoints.registryUrl,
    topicPrefix,
  });
  await sdk.connect();
  try {
    await sdk.publish(eventType, body);
  } finally {
    await sdk.disconnect();
  }
}

/** A valid InventoryAdjusted body (its key is sku|siteId). */
export function inventoryAdjustedBody(
  overrides: Partial<EventBody<'InventoryAdjusted'>> = {},
): EventBody<'InventoryAdjusted'> {
  return {
    adjustmentId: 'ADJ-77',
    sku: 'SKU-10001',
    warehouseId: 'ATL-1',
    binLocation: 'A-01-03',
    lotNumber: null,
    quantityDelta: '-3.0000',
    quantityOnHandAfter: '117.0000',
    unitOfMeasure: 'EA',
    reasonCode: 'DAMAGE',
    currency: 'USD',
    unitCost: '2.5000',
    adjustmentValue: '-7.50',
    adjustedBy: 'scanner-12',
    ...overrides,
  };
}
