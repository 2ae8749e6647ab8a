/**
 * `npm install`'s postinstall step (package.json): builds the librdkafka-based Kafka client into
 * the cache (core/kafka-client/native-build.ts says how and why not as a plain dependency), or
 * finds it built. It never fails the install: where the client cannot be built, it prints the
 * coded reason and the hub runs on kafkajs (CD_E_KAFKA_NATIVE_UNAVAILABLE at start says so too).
 *
 *   tsx scripts/native-client.ts [--json] [--help]
 *
 * CROSSDOCK_KAFKA_NATIVE=off skips it (the hub then runs on kafkajs without a warning).
 */
import { buildNativeClient } from '../core/kafka-client/native-build';
import { describeError, isCrossdockError } from '../core/errors';
import { crossdockCacheDir } from '../core/home';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    process.stdout.write(
      'Usage: tsx scripts/native-client.ts [--json]\n\n' +
        "Builds crossdock's native Kafka client (@confluentinc/kafka-javascript, librdkafka) into\n" +
        'the cache (CROSSDOCK_CACHE_DIR, default ~/.crossdock/cache), or finds it built. npm install\n' +
        'runs it. Exits 0 even when the build fails: the hub then runs on kafkajs.\n' +
        'CROSSDOCK_KAFKA_NATIVE=off skips it.\n',
    );
    return 0;
  }
  const json = args.includes('--json');
  const say = (line: string) => process.stderr.write(`[native kafka client] ${line}\n`);
  if (process.env.CROSSDOCK_KAFKA_NATIVE === 'off') {
    if (json) process.stdout.write(JSON.stringify({ ok: false, skipped: true }) + '\n');
    else say('skipped (CROSSDOCK_KAFKA_NATIVE=off): the hub runs on kafkajs');
    return 0;
  }
  try {
    const res = await buildNativeClient({ cacheDir: crossdockCacheDir(), progress: say });
    if (json) process.stdout.write(JSON.stringify({ ok: true, ...res }) + '\n');
    else
      say(
        res.built
          ? `built in ${res.seconds} s: librdkafka ${res.librdkafkaVersion} in ${res.dir}`
          : `ready: librdkafka ${res.librdkafkaVersion} (${res.dir})`,
      );
  } catch (err) {
    const code = isCrossdockError(err) ? err.code : 'CD_E_KAFKA_NATIVE_BUILD';
    const message = isCrossdockError(err) ? err.message : describeError(err);
    if (json) process.stdout.write(JSON.stringify({ ok: false, code, message }) + '\n');
    else say(`${code}: ${message}`);
  }
  return 0;
}

void main().then((code) => process.exit(code));
