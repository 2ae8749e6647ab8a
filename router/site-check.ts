import type { HubConfig } from '../core/config';

/**
 * The site check (stage `router.site`, first of router/validate.ts): an ingress topic whose site
 * is not in the configuration (a site removed, or a topic made by hand) is refused with
 * CD_E_UNKNOWN_SITE instead of being routed as if the site existed. `crossdock routes test` calls
 * the same function, so the two give the same answer.
 */
export function unknownSite(
  config: Pick<HubConfig, 'siteById'>,
  siteId: string,
  topic?: string,
): { code: string; message: string; details: Record<string, unknown> } | undefined {
  if (Object.prototype.hasOwnProperty.call(config.siteById, siteId)) return undefined;
  const known = Object.keys(config.siteById);
  return {
    code: 'CD_E_UNKNOWN_SITE',
    message: `site ${JSON.stringify(siteId)}${topic ? ` (ingress topic ${topic})` : ''} is not in the hub configuration; configured sites: ${known.join(', ') || '(none)'}`,
    details: { siteId },
  };
}
