import type { HubConfig } from '../core/config';
import { HUB_SITE_ID } from '../core/hub-site';
import { topics } from '../core/names/topics';

/**
 * The site check (stage `router.site`, first of router/validate.ts): the site a record's topic
 * names must be one the router may route for, else the record is refused with CD_E_UNKNOWN_SITE
 * instead of being routed as if the site existed.
 *
 * - An ingress topic (`<prefix>.ingress.<siteId>`): the site must be in the configuration (a site
 *   removed, or a topic made by hand, is refused). The hub's own site `crossdock`
 *   (core/hub-site.ts) is never one, even should a configuration name it.
 * - The flow alerts topic (`<prefix>.flow.alerts`): its site is the hub's own, `crossdock`, and
 *   only that (the metadata check then demands metadata.siteId `crossdock`, CD_E_SITE_MISMATCH).
 *
 * `topic` is where the record was read; `crossdock routes test` passes the topic an event of
 * that site arrives on, so the two give the same answer.
 */
export function unknownSite(
  config: Pick<HubConfig, 'siteById'> & { hub: Pick<HubConfig['hub'], 'topicPrefix'> },
  siteId: string,
  topic: string,
): { code: string; message: string; details: Record<string, unknown> } | undefined {
  const alerts = topics(config).flowAlerts;
  if (topic === alerts) {
    if (siteId === HUB_SITE_ID) return undefined;
    return {
      code: 'CD_E_UNKNOWN_SITE',
      message: `${alerts} holds the hub's own events (site ${HUB_SITE_ID}), not site ${JSON.stringify(siteId)}`,
      details: { siteId, topic },
    };
  }
  if (siteId === HUB_SITE_ID)
    return {
      code: 'CD_E_UNKNOWN_SITE',
      message: `site ${HUB_SITE_ID} is the hub's own (its events arrive on ${alerts} only); ${topic} is not where they may come from`,
      details: { siteId, topic },
    };
  if (Object.prototype.hasOwnProperty.call(config.siteById, siteId)) return undefined;
  const known = Object.keys(config.siteById);
  return {
    code: 'CD_E_UNKNOWN_SITE',
    message: `site ${JSON.stringify(siteId)} (ingress topic ${topic}) is not in the hub configuration; configured sites: ${known.join(', ') || '(none)'}`,
    details: { siteId },
  };
}
