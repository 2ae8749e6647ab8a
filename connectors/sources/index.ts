/**
 * Source connectors: how sites publish canonical events to `<prefix>.ingress.<siteId>`.
 *
 * - Site mappings (mapping/): YAML per site under sites/, variants that extend a base, validated
 *   at start-up; `testSiteInput` shows what a mapping makes of an input (golden samples, CLI).
 * - HTTP ingest (http/): POST /v1/sites/:siteId/events, HMAC-signed, 202 only after Kafka acked.
 * - CSV drop folders (csv/): complete files only, exactly once per file content, reports.
 * - Envelope: metadata, business key and CloudEvents headers (envelope.ts documents the headers).
 * - Onboarding: topic, SCRAM user, ACLs, HTTP key.
 * The SDK for sites' own programs is connectors/sdk.
 */
export { SOURCE_CONFIG_SCHEMA, type SourceConnectorConfig } from './config-schema';
export {
  createSourceComponents,
  siteMappingsFor,
  httpKeysFor,
  type SourceComponentContext,
} from './from-config';
export {
  loadSiteMappings,
  listMappedSites,
  mergeMapping,
  DEFAULT_SITES_DIR,
  type LoadMappingOptions,
  type MappingFileProblem,
} from './mapping/load';
export {
  mapRecord,
  applyMapping,
  selectMapping,
  jsonPath,
  type MappedRecord,
  type MappingProblem,
  type SourcePath,
} from './mapping/engine';
export {
  DEFAULT_DIALECT,
  type SiteMappings,
  type EventMapping,
  type FieldSpec,
  type ArraySpec,
  type Dialect,
  type ValueType,
} from './mapping/types';
export { testSiteInput, siteSamples, jsonRecords, type SiteTestResult, type SiteProblem } from './site-test';
export {
  buildEvent,
  encodePrepared,
  type BuiltEvent,
  type EventCodec,
  type PreparedEvent,
  type PrepareProblem,
  type PrepareContext,
} from './prepare';
export { createCatalogCodec, type CatalogCodecOptions } from './codec';
export {
  uuidV5,
  buildMetadata,
  cloudEventHeaders,
  ceSource,
  ingressTopic,
  newTraceparent,
  validTraceparent,
  EVENT_ID_NAMESPACE,
  type EventMetadata,
} from './envelope';
export { createIngressPublisher, type IngressPublisher, type IngressPublisherOptions } from './publisher';
export {
  buildIngestApp,
  type HttpIngestSettings,
  type HttpIngestSite,
  type HttpIngestDeps,
} from './http/server';
export {
  createHttpIngest,
  type HttpIngestComponent,
  type HttpIngestComponentSettings,
  type HttpIngestComponentDeps,
} from './http/component';
export {
  sign,
  signedHeaders,
  verifyRequest,
  newKeySecret,
  SIGNATURE_HEADERS,
  type IngestKey,
} from './http/auth';
export { createIngestState, ingestKeys, type IngestState } from './http/state';
export {
  createCsvDropFolder,
  type CsvDropFolder,
  type CsvDropSite,
  type CsvDropSettings,
  type CsvDropDeps,
  type CsvReport,
} from './csv/drop-folder';
export { csvRecords, type CsvSettings, type CsvProblem } from './csv/parse';
export {
  onboardSite,
  ensureIngressTopic,
  grantSiteAcls,
  revokeSiteAcls,
  upsertScramUser,
  siteUser,
  SITE_ID_RE,
  type OnboardOptions,
  type OnboardResult,
} from './onboarding';
