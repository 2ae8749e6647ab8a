import { HUB_SITE_ID } from '../../../core/hub-site';
import { topicsForPrefix } from '../../../core/names/topics';
import { HUB_SITE_ID as CONTRACT_HUB_SITE_ID } from '../../../flows/contract';
import { unknownSite } from '../../../router/site-check';

/** The router's site check (router/site-check.ts): which site a topic's records may come from. */

const site = { id: 'us-chi' };
const config = { hub: { topicPrefix: 'acme' }, siteById: { 'us-chi': site } } as unknown as Parameters<
  typeof unknownSite
>[0];
const t = topicsForPrefix('acme');

describe('site check', () => {
  it('the hub site is `crossdock`, one constant for core, the router and flows', () => {
    expect(HUB_SITE_ID).toBe('crossdock');
    expect(CONTRACT_HUB_SITE_ID).toBe(HUB_SITE_ID);
  });

  it('a configured site on its ingress topic passes', () => {
    expect(unknownSite(config, 'us-chi', t.ingress('us-chi'))).toBeUndefined();
  });

  it('a site not in the configuration is refused with CD_E_UNKNOWN_SITE, naming the known ones', () => {
    const r = unknownSite(config, 'us-gone', t.ingress('us-gone'));
    expect(r).toMatchObject({ code: 'CD_E_UNKNOWN_SITE', details: { siteId: 'us-gone' } });
    expect(r!.message).toContain('configured sites: us-chi');
  });

  it('the hub site passes on the flow alerts topic, and is what the router reads there', () => {
    expect(t.siteOfRouted(t.flowAlerts)).toBe(HUB_SITE_ID);
    expect(unknownSite(config, HUB_SITE_ID, t.flowAlerts)).toBeUndefined();
  });

  it('the hub site is refused on an ingress topic (`<prefix>.ingress.crossdock`, or any other)', () => {
    for (const topic of [t.ingress(HUB_SITE_ID), t.ingress('us-chi')]) {
      const r = unknownSite(config, HUB_SITE_ID, topic);
      expect(r).toMatchObject({ code: 'CD_E_UNKNOWN_SITE', details: { siteId: HUB_SITE_ID, topic } });
      expect(r!.message).toContain(`arrive on ${t.flowAlerts} only`);
    }
  });

  it('even when a configuration names a site `crossdock`, its ingress topic is refused', () => {
    const withHubSite = {
      ...config,
      siteById: { ...config.siteById, [HUB_SITE_ID]: { id: HUB_SITE_ID } },
    } as unknown as typeof config;
    expect(unknownSite(withHubSite, HUB_SITE_ID, t.ingress(HUB_SITE_ID))?.code).toBe('CD_E_UNKNOWN_SITE');
    expect(unknownSite(withHubSite, HUB_SITE_ID, t.flowAlerts)).toBeUndefined();
  });

  it('a configured site is refused on the flow alerts topic', () => {
    const r = unknownSite(config, 'us-chi', t.flowAlerts);
    expect(r).toMatchObject({
      code: 'CD_E_UNKNOWN_SITE',
      details: { siteId: 'us-chi', topic: t.flowAlerts },
    });
    expect(r!.message).toContain("hub's own events");
  });

  it('the flow alerts topic of another prefix is an ordinary topic name', () => {
    const other = topicsForPrefix('other').flowAlerts;
    expect(unknownSite(config, HUB_SITE_ID, other)?.code).toBe('CD_E_UNKNOWN_SITE');
  });

  it('the router reads the ingress topics and the flow alerts topic, nothing else', () => {
    expect(t.routedPattern.test(t.flowAlerts)).toBe(true);
    expect(t.routedPattern.test(t.ingress('us-chi'))).toBe(true);
    for (const other of [
      t.audit,
      t.dlqRouter,
      t.deliver('erp'),
      'acme.flow.alertsX',
      'acmeXflow.alerts',
      'cd.flow.alerts',
    ])
      expect(t.routedPattern.test(other)).toBe(false);
    expect(t.siteOfRouted(t.audit)).toBeUndefined();
  });
});
