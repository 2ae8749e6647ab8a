import { CrossdockError } from './errors';

/**
 * kafkajs's errors that mean "no broker could be reached", recognised by name so that reporting
 * them (cli/output.ts) does not load kafkajs.
 */
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
]);

/**
 * A kafkajs error that says Kafka could not be reached, as the coded CD_E_KAFKA_UNREACHABLE
 * (exit 3 in the CLI, retriable) keeping kafkajs's message; undefined for any other error.
 */
export function kafkaUnreachable(err: unknown): CrossdockError | undefined {
  if (!(err instanceof Error)) return undefined;
  const cause = (err as { cause?: unknown }).cause;
  const names = [err.name, cause instanceof Error ? cause.name : ''];
  if (!names.some((n) => UNREACHABLE.has(n)) && !/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(err.message))
    return undefined;
  return new CrossdockError('CD_E_KAFKA_UNREACHABLE', `Kafka could not be reached: ${err.message}`, {
    retriable: true,
    cause: err,
  });
}
