import type { IHeaders } from 'kafkajs';
import { DLQ_HEADERS, headersToStrings } from '../../core/dead-letters';

/**
 * What the feed reads of one router dead letter (`<prefix>.dlq.router`, headers in
 * core/dead-letters.ts): the ingress record it names and why the router refused it.
 */
export interface RouterRejection {
  /** The router's error code (cd-error-code). */
  code: string;
  /** For CD_E_RULE_VIOLATION: the broken data rule's name. */
  rule?: string;
}

export interface NamedRejection {
  topic: string;
  partition: number;
  offset: bigint;
  rejection: RouterRejection;
}

/** The code of a dead letter without cd-error-code (not written by crossdock; the dlq index says the same). */
export const NO_REASON_CODE = 'CD_E_DLQ_NO_REASON';

const RULE_IN_MESSAGE = /^rule ([a-z0-9][a-z0-9-]*):/;

/**
 * The rule a CD_E_RULE_VIOLATION message names (`rule <name>: <field> <reason>`, router/validate.ts):
 * what dead letters written before the cd-error-rule header say.
 */
export function ruleFromMessage(message: string | undefined): string | undefined {
  return message ? RULE_IN_MESSAGE.exec(message)?.[1] : undefined;
}

/**
 * The ingress record a router dead letter names and the rejection, or undefined when the letter
 * names no record (no or malformed cd-original-* headers: nothing the router wrote).
 */
export function readRouterDeadLetter(headers: IHeaders | undefined): NamedRejection | undefined {
  const h = headersToStrings(headers);
  const topic = h[DLQ_HEADERS.originalTopic];
  const partition = h[DLQ_HEADERS.originalPartition];
  const offset = h[DLQ_HEADERS.originalOffset];
  if (!topic || !partition || !/^\d+$/.test(partition) || !offset || !/^\d+$/.test(offset)) return undefined;
  const code = h[DLQ_HEADERS.code] || NO_REASON_CODE;
  const rule =
    code === 'CD_E_RULE_VIOLATION'
      ? h[DLQ_HEADERS.rule] || ruleFromMessage(h[DLQ_HEADERS.message])
      : undefined;
  return {
    topic,
    partition: Number(partition),
    offset: BigInt(offset),
    rejection: rule ? { code, rule } : { code },
  };
}
