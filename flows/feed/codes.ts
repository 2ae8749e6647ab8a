import { defineCodes } from '../../core/errors';

/** Error codes of the flow tracker's feed and its rebuild. */
export const FEED_CODES = defineCodes({
  CD_E_FLOWS_TRACKER_RUNNING: {
    meaning:
      '`crossdock flows rebuild` found the flow tracker running: its consumer group has members (a `crossdock start` of this hub is up). A rebuild under a running tracker would mix old and new state.',
    action:
      'Stop every `crossdock start` of this hub (the message names the group and its members), run the rebuild, then start the hub again: the tracker reads the topics from their start.',
    retriable: false,
  },
});
