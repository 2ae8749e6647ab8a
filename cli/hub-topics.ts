import type { HubConfig } from '../core/config';
import { DEFAULT_CONFIG } from './defaults';

/**
 * The hub's `hub.topics` settings for a command that creates a hub topic outside `crossdock start`
 * (`site add`: the ingress topic; `schemas push`: the catalog topic), so the topic is replicated
 * like the others: from `--config`, else the configuration of the hub started on this stack (its
 * run file), else the example. The hub's parts are loaded only when called (the CLI loading rule,
 * docs/architecture.md).
 */
export function hubTopicSettings(configFile?: string): HubConfig['hub']['topics'] {
  const { loadConfig, readRunFile } = require('../hub') as typeof import('../hub');
  const { stackPaths } = require('../stack') as typeof import('../stack');
  const file = configFile ?? readRunFile(stackPaths().home)?.configFile ?? DEFAULT_CONFIG;
  return loadConfig(file).hub.topics;
}
