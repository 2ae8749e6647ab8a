import { defineCodes } from '../core/errors';

/** Error codes of the flow tracker (flows/). */
export const FLOW_CODES = defineCodes({
  CD_E_FLOW_ALERT_SCHEMA_MISSING: {
    meaning:
      'The event catalog has no FlowAlertRaised (schemas/process/FlowAlertRaised): the flow tracker cannot publish flow alerts.',
    action: 'Use the catalog shipped with this version of crossdock and push it (`crossdock schemas push`).',
    retriable: false,
  },
  CD_E_FLOW_UNKNOWN: {
    meaning: 'No flow of this name is in the hub configuration (`flows:`).',
    action: 'List the configured flows with `crossdock flows list`, or check the `flows:` section.',
    retriable: false,
  },
  CD_E_FLOW_SITE_UNSETTLED: {
    meaning:
      'The flow engine sent the steps of a batch 5 times and each time an instance had another site than the one it was sent with: its instances keep being created anew with other sites meanwhile.',
    action:
      'Nothing if it passes: the tracker holds the partition and tries the batch again. If it persists, look for another hub or tool writing the same Redis prefix.',
    retriable: true,
  },
  CD_E_FLOW_INSTANCE_NOT_FOUND: {
    meaning:
      'The flow tracker has no instance of this flow with this key: no event of it was seen, or the instance expired and was removed.',
    action:
      'Check the key (a correlation id or the flow’s key field); instances are kept until their expiry plus a margin.',
    retriable: false,
  },
});
