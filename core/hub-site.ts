/**
 * The hub's own site. Events the hub itself raises (flow alerts, FlowAlertRaised on
 * `<prefix>.flow.alerts`) carry `metadata.siteId` = HUB_SITE_ID; the router accepts that site on
 * the hub's own topics only (router/site-check.ts), never on an ingress topic, and no configured
 * site may take the id (core/config). Defined in core so the router and flows/ share it without
 * importing each other (flows/contract.ts re-exports it).
 */
export const HUB_SITE_ID = 'crossdock';
