import type { Admin } from 'kafkajs';
import { eventLogger } from '../../../core/log-events';
import { createLogger } from '../../../core/logger';
import { onboardSite } from '../../../connectors/sources';
import { logPublished, SOURCE_LOG_EVENTS } from '../../../connectors/sources/log-events';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level, destination: { write: (s: string) => lines.push(JSON.parse(s)) } });
  return { lines, logger };
}

describe('sources log events', () => {
  const events = [
    { eventId: 'e-1', correlationId: 'c-1', eventType: 'OrderReleased' },
    { eventId: 'e-2', correlationId: 'c-1', eventType: 'OrderReleased' },
  ];

  it('sources.event_published: one line per event with eventId and correlationId (debug)', () => {
    const { lines, logger } = capture('debug');
    logPublished(eventLogger(logger, SOURCE_LOG_EVENTS), 'us-chi', 'cd.ingress.us-chi', 'csv', events);
    expect(lines).toEqual([
      expect.objectContaining({
        event: 'sources.event_published',
        eventId: 'e-1',
        correlationId: 'c-1',
        eventType: 'OrderReleased',
        siteId: 'us-chi',
        topic: 'cd.ingress.us-chi',
        via: 'csv',
        level: 20,
      }),
      expect.objectContaining({ event: 'sources.event_published', eventId: 'e-2' }),
    ]);
  });

  it('sources.event_published writes nothing above debug', () => {
    const { lines, logger } = capture('info');
    logPublished(eventLogger(logger, SOURCE_LOG_EVENTS), 'us-chi', 'cd.ingress.us-chi', 'http', events);
    expect(lines).toEqual([]);
  });

  it('sources.site_onboarded names the site, its topic and user, and carries no secret', async () => {
    const { lines, logger } = capture('info');
    const admin = {
      listTopics: async () => [],
      createTopics: async () => true,
      // createTopicsWithLeaders waits for a leader of every partition.
      fetchTopicMetadata: async () => ({
        topics: [{ name: 'tp.ingress.us-den', partitions: [{ partitionId: 0, leader: 1 }] }],
      }),
      createAcls: async () => true,
    } as unknown as Admin;
    const res = await onboardSite({
      admin,
      prefix: 'tp',
      siteId: 'us-den',
      kind: 'http',
      scram: false,
      logger,
    });
    expect(lines).toEqual([
      expect.objectContaining({
        event: 'sources.site_onboarded',
        siteId: 'us-den',
        topic: 'tp.ingress.us-den',
        topicCreated: true,
        user: 'site-us-den',
        scramUser: false,
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(res.httpKey.secret);
  });

  it("site add refuses the hub's own site id before touching Kafka (no topic, no ACL, no log line)", async () => {
    const { lines, logger } = capture('info');
    const touched: string[] = [];
    const admin = {
      createTopics: async () => touched.push('topic'),
      createAcls: async () => touched.push('acl'),
    } as unknown as Admin;
    await expect(
      onboardSite({ admin, prefix: 'tp', siteId: 'crossdock', kind: 'sdk', scram: false, logger }),
    ).rejects.toMatchObject({
      code: 'CD_E_USAGE',
      message: expect.stringContaining('"crossdock" is reserved'),
    });
    expect(touched).toEqual([]);
    expect(lines).toEqual([]);
  });
});
