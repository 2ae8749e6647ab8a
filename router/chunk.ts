import type { Message } from 'kafkajs';

/**
 * Bytes per topic in one produce request. A partition's records travel as one record batch,
 * which the broker refuses above max.message.bytes (1 MiB by default); group commit can gather
 * several fetched batches (each up to 1 MiB) and copies carry extra headers, so each topic's
 * share of a send is cut well below that (a partition's batch is at most its topic's share). The
 * bound is per topic, not per request: at fan-out F one send carries F topics' shares, so a
 * transaction needs F times fewer sequential produce round trips.
 */
export const MAX_SEND_BYTES = 512 * 1024;

function approxBytes(m: Message): number {
  let n =
    70 +
    (Buffer.isBuffer(m.value) ? m.value.length : String(m.value ?? '').length) +
    (Buffer.isBuffer(m.key) ? m.key.length : String(m.key ?? '').length);
  for (const k in m.headers) {
    const v = m.headers[k];
    n += k.length + 10 + (Buffer.isBuffer(v) ? v.length : String(v ?? '').length);
  }
  return n;
}

/**
 * The planned copies as sendBatch calls in which each topic carries at most `limit` bytes
 * (one oversized message goes alone rather than never); order kept per topic.
 */
export function chunkByBytes(
  out: Map<string, Message[]>,
  limit: number,
): Array<Array<{ topic: string; messages: Message[] }>> {
  const chunks: Array<Array<{ topic: string; messages: Message[] }>> = [];
  for (const [topic, messages] of out) {
    // The topic's k-th share goes into the k-th send.
    let k = 0;
    let part: Message[] = [];
    let size = 0;
    const flushPart = () => {
      if (!part.length) return;
      if (!chunks[k]) chunks[k] = [];
      chunks[k]!.push({ topic, messages: part });
      k++;
      part = [];
      size = 0;
    };
    for (const m of messages) {
      const b = approxBytes(m);
      if (size + b > limit && part.length) flushPart();
      part.push(m);
      size += b;
    }
    flushPart();
  }
  return chunks;
}
