/**
 * connectors/ (the folder itself): what the source connectors and the site SDK share beyond
 * their own folders. Each kind of connector has its own surface: connectors/sources/index.ts,
 * connectors/sinks/index.ts, connectors/sdk/index.ts.
 */
export { CONNECTOR_CODES } from './codes';
