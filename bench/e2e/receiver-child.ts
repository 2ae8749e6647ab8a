/**
 * The end-to-end arm's webhook receiver, in its own process so that its arrival times do not wait
 * on the load generator's event loop. It is the soak's careful receiver (bench/chaos/receivers.ts:
 * answers 200, dedupes by Idempotency-Key) and streams every request on stdout as it arrives:
 * first line `port <n>`, then one line `<eventId>\t<arrival ms, epoch>` per request.
 */
import { startReceiver } from '../chaos/receivers';

let pending: string[] = [];
let scheduled = false;
const flush = () => {
  scheduled = false;
  const out = pending.join('');
  pending = [];
  process.stdout.write(out);
};

void startReceiver('e2e', {
  onDelivery: (d, at) => {
    pending.push(`${d.idempotencyKey ?? d.eventId ?? '-'}\t${at.toFixed(3)}\n`);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  },
}).then((r) => {
  process.stdout.write(`port ${new URL(r.url).port}\n`);
  process.on('SIGTERM', () => void r.close().then(() => process.exit(0)));
});
