/**
 * Source connectors: how sites publish canonical events to `<prefix>.ingress.<siteId>`.
 *
 * - Site mappings (mapping/): YAML per site under sites/, variants that extend a base, validated
 *   at start-up; `testSiteFile` shows what a mapping makes of an input (golden samples, CLI).
 * - HTTP ingest (http/): POST /v1/sites/:siteId/events, HMAC-signed, 202 only after Kafka acked.
 * - CSV drop folders (csv/): complete files only, exactly once per file content, reports.
 * - Envelope: metadata, business key and CloudEvents headers (envelope.ts documents the headers).
 * - Onboarding: topic, SCRAM user, ACLs, HTTP key.
 * The SDK for sites' own programs is connectors/sdk; it encodes through `createSiteEventEncoder`.
 *
 * This is the whole surface other parts and the CLI use; everything else here is internal (tests
 * and bench/ may reach in).
 */

// The hub's configuration section and the components `crossdock start` runs.
export { SOURCE_CONFIG_SCHEMA, type SourceConnectorConfig } from './config-schema';
export {
  createSourceComponents,
  type SourceComponent,
  dropFolderOf,
  siteMappingsFor,
  type SourceComponentContext,
} from './from-config';
export type { SiteMappings } from './mapping/types';
export type { MappingFileProblem } from './mapping/file-problems';

// `crossdock site test`.
export { DEFAULT_SITES_DIR } from './mapping/load';
export { testSiteFile, type SiteTestResult, type SiteProblem } from './site-test';

// Onboarding a site (`crossdock site add`) and the ACL half of it on its own.
export {
  onboardSite,
  grantSiteAcls,
  revokeSiteAcls,
  type OnboardOptions,
  type OnboardResult,
} from './onboarding';

// The client half of HTTP ingest's signature (what a site's HTTP client sends).
export { newKeySecret, signedHeaders } from './http/auth';
export { sendSiteRequest, siteEventsUrl, type SiteSendAnswer, type SiteSendRequest } from './http/client';

// Name-based (v5) event ids, as the CSV and HTTP connectors make them (the demo predicts a CSV export's ids).
export { uuidV5 } from './envelope';
// The site SDK's encoding: envelope, schema check and framing of a canonical event.
export {
  createSiteEventEncoder,
  type SiteEventEncoder,
  type SiteEventEncoderOptions,
  type SiteEventOptions,
  type EncodedSiteEvent,
} from './site-event';
export type { EventCodec } from './prepare';

// Instrumentation.
export { SOURCE_LOG_EVENTS } from './log-events';
export { ingestMetrics } from './http/metrics';
