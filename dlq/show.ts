/**
 * One dead letter as `dlq show` presents it: the indexed record, its headers, the reason, the
 * attempt history and the event decoded through the schema registry.
 *
 * Privacy (docs/operations.md, roles): unless `unmasked`, the decoded event's personal fields
 * (the catalog entry's `personalDataFields`, schemas/mask.ts) are masked; an event whose type the
 * catalog does not know cannot be told apart into personal and other fields, so its value is
 * withheld; and bytes that do not decode are shown only as their framing (magic byte and schema
 * id, 5 bytes) and length, because raw Avro carries the strings (names, addresses) readable in
 * hex. Unmasked (admin): the whole event, or the hex of all the bytes. The error texts (reason,
 * the subscriber's last answer, their headers) get the event's personal values masked, or are
 * withheld when the event does not decode (dlq/mask-text.ts).
 */
import { toJsonSafe } from '../core/avro';
import { isCrossdockError, describeError } from '../core/errors';
import type { SchemaResolver } from '../core/registry';
import { DLQ_HEADERS } from '../core/dead-letters';
import { LAST_ERROR_HEADER, LAST_STATUS_HEADER } from '../connectors/sinks';
import { decodeEvent, maskPersonalData, type Catalog } from '../schemas';
import type { DeadLetterNote, DeadLetterRecord, DeadLetterStore } from './contract';
import { errorTextFor, personalValues } from './mask-text';

/** The event of a dead letter, decoded or not. */
export type ShownEvent =
  | {
      decoded: true;
      schemaId: number;
      subject?: string;
      eventType?: string;
      version?: number;
      /**
       * none: shown whole; personal-fields: `personalFields` replaced by '***';
       * withheld: the type is not in the catalog, `value` is absent.
       */
      masked: 'none' | 'personal-fields' | 'withheld';
      personalFields?: string[];
      value?: unknown;
    }
  | {
      decoded: false;
      /** Why not (CD_E_BAD_FRAMING, CD_E_UNKNOWN_SCHEMA_ID, CD_E_UNDECODABLE_EVENT, CD_E_REGISTRY_UNAVAILABLE…). */
      code: string;
      reason: string;
      bytes: number;
      /** The bytes in hex: all of them unmasked, else only the first 5 (the framing). */
      hex: string;
      masked: 'none' | 'bytes';
    };

export interface ShownDeadLetter {
  record: DeadLetterRecord;
  reason: { code: string; message: string; stage: string };
  history: {
    attempts: number;
    firstFailedAt: number;
    lastFailedAt: number;
    /** What the subscriber answered last (delivery dead letters): cd-last-status, cd-last-error. */
    lastStatus?: string;
    lastError?: string;
    /** This dead letter is a failed replay of that one. */
    replayOf?: string;
    replayCount: number;
    /** Replay jobs that sent it. */
    replays: string[];
    notes: DeadLetterNote[];
  };
  headers: Record<string, string>;
  /** The Kafka key (the business key) as text, null when the record had none. */
  key: string | null;
  event: ShownEvent;
}

export interface ShowDeps {
  store: Pick<DeadLetterStore, 'get' | 'payload'>;
  resolver: SchemaResolver;
  /** The catalog (personal fields by event type). */
  catalog: () => Catalog;
}

/** Headers that carry free text (reasons, a subscriber's answer) that may quote the event. */
const TEXT_HEADERS = new Set<string>([DLQ_HEADERS.message, LAST_ERROR_HEADER]);

/** Framing: magic byte and the 4-byte schema id. */
const FRAME_BYTES = 5;
/** At most this many bytes are shown as hex (the rest is counted). */
const MAX_HEX_BYTES = 65_536;

/**
 * One event's bytes as shown to a role that sees personal data (`unmasked`) or not (the policy
 * above); also `crossdock events tail --decode`. Throws the registry's retriable errors.
 */
export async function showEvent(
  deps: Pick<ShowDeps, 'resolver' | 'catalog'>,
  value: Buffer,
  unmasked: boolean,
): Promise<ShownEvent> {
  return (await showEventWithValues(deps, value, unmasked)).event;
}

/**
 * showEvent, and the event's personal values (dlq/mask-text.ts personalValues) for masking the
 * error texts next to it: undefined when they cannot be known (bytes that do not decode, a type
 * the catalog does not know) or are not needed (`unmasked`).
 */
async function showEventWithValues(
  deps: Pick<ShowDeps, 'resolver' | 'catalog'>,
  value: Buffer,
  unmasked: boolean,
): Promise<{ event: ShownEvent; personal?: string[] }> {
  const catalog = deps.catalog();
  try {
    const d = await decodeEvent(deps.resolver, value, { catalog });
    const head = {
      decoded: true as const,
      schemaId: d.schemaId,
      ...(d.subject ? { subject: d.subject } : {}),
      ...(d.entry ? { eventType: d.entry.eventType } : {}),
      ...(d.version !== undefined ? { version: d.version } : {}),
    };
    const json = toJsonSafe(d.event) as Record<string, unknown>;
    if (unmasked) return { event: { ...head, masked: 'none', value: json } };
    if (!d.entry) return { event: { ...head, masked: 'withheld' } };
    return {
      event: {
        ...head,
        masked: 'personal-fields',
        personalFields: d.entry.personalDataFields,
        value: maskPersonalData(d.entry, json),
      },
      personal: personalValues(d.entry, json),
    };
  } catch (err) {
    // A registry that does not answer is no property of the event: the caller answers 503.
    if (isCrossdockError(err) && err.retriable) throw err;
    const shown = unmasked ? value.subarray(0, MAX_HEX_BYTES) : value.subarray(0, FRAME_BYTES);
    return {
      event: {
        decoded: false,
        code: isCrossdockError(err) ? err.code : 'CD_E_UNDECODABLE_EVENT',
        reason: describeError(err),
        bytes: value.length,
        hex: shown.toString('hex'),
        masked: unmasked ? 'none' : 'bytes',
      },
    };
  }
}

/**
 * The dead letter `id` as shown to a role that sees personal data (`unmasked`) or not; undefined
 * when the index has no such id. Throws the store's and the registry's retriable errors.
 */
export async function showDeadLetter(
  deps: ShowDeps,
  id: string,
  unmasked: boolean,
): Promise<ShownDeadLetter | undefined> {
  const found = await deps.store.get(id);
  if (!found) return undefined;
  const payload = await deps.store.payload(id);
  const shown = payload ? await showEventWithValues(deps, payload.value, unmasked) : undefined;
  // Error texts may quote the event (a receiver's 422 body echoing a name): masked like it.
  const text = (t: string) => (unmasked ? t : errorTextFor(t, shown?.personal));
  const record = { ...found, message: text(found.message) };
  const headers = Object.fromEntries(
    Object.entries(payload?.headers ?? {}).map(([k, v]) => [k, TEXT_HEADERS.has(k) ? text(v) : v]),
  );
  return {
    record,
    reason: {
      code: record.code,
      message: record.message || headers[DLQ_HEADERS.message] || '',
      stage: record.stage,
    },
    history: {
      attempts: record.attempts,
      firstFailedAt: record.firstFailedAt,
      lastFailedAt: record.lastFailedAt,
      ...(headers[LAST_STATUS_HEADER] !== undefined ? { lastStatus: headers[LAST_STATUS_HEADER] } : {}),
      ...(headers[LAST_ERROR_HEADER] !== undefined ? { lastError: headers[LAST_ERROR_HEADER] } : {}),
      ...(record.replayOf ? { replayOf: record.replayOf } : {}),
      replayCount: record.replayCount,
      replays: record.replays,
      notes: record.notes,
    },
    headers,
    key: payload?.key ? payload.key.toString('utf8') : null,
    event: shown
      ? shown.event
      : {
          decoded: false,
          code: 'CD_E_DLQ_NOT_FOUND',
          reason: 'the index holds no bytes for this dead letter (reindex to read them from the topic again)',
          bytes: 0,
          hex: '',
          masked: 'none',
        },
  };
}

/**
 * Records of a list as a role that does not see personal data gets them (`unmasked` false): each
 * reason with its event's personal values masked, or withheld when the event does not decode.
 */
export async function recordsForRole(
  deps: ShowDeps,
  records: DeadLetterRecord[],
  unmasked: boolean,
): Promise<DeadLetterRecord[]> {
  if (unmasked) return records;
  return Promise.all(
    records.map(async (r) => {
      if (!r.message) return r;
      const payload = await deps.store.payload(r.id);
      const shown = payload ? await showEventWithValues(deps, payload.value, false) : undefined;
      return { ...r, message: errorTextFor(r.message, shown?.personal) };
    }),
  );
}
