import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadNativeKafka } from '../../../core/kafka-client/native-load';
import { nativeClientDir, nativeFailureFile } from '../../../core/kafka-client/native-where';

describe('loading the native client from the cache', () => {
  let cache: string;
  beforeEach(() => (cache = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-native-load-'))));
  afterEach(() => fs.rmSync(cache, { recursive: true, force: true }));

  const failureOf = (load: ReturnType<typeof loadNativeKafka>) => {
    if (load.ok) throw new Error('expected the load to fail');
    return load.error;
  };

  it('says it was turned off, with nothing else looked at', () => {
    const err = failureOf(loadNativeKafka(cache, { CROSSDOCK_KAFKA_NATIVE: 'off' }));
    expect(err.code).toBe('CD_E_KAFKA_NATIVE_UNAVAILABLE');
    expect(err.message).toContain('CROSSDOCK_KAFKA_NATIVE=off');
    expect(err.details).toEqual({ off: true });
  });

  it('says it was never built, and how to build it', () => {
    const err = failureOf(loadNativeKafka(cache, {}));
    expect(err.code).toBe('CD_E_KAFKA_NATIVE_UNAVAILABLE');
    expect(err.message).toMatch(/not built .*npm run native/);
  });

  it("names the failed build's step and log", () => {
    fs.mkdirSync(path.dirname(nativeFailureFile(cache)), { recursive: true });
    fs.writeFileSync(
      nativeFailureFile(cache),
      JSON.stringify({
        code: 'CD_E_KAFKA_NATIVE_BUILD',
        step: 'npm install (the native build)',
        message: 'npm install (the native build) failed (exit 1)',
        log: '/x/build.log',
        at: '2026-12-06T00:00:00Z',
      }),
    );
    const err = failureOf(loadNativeKafka(cache, {}));
    expect(err.message).toContain('npm install (the native build) failed (exit 1)');
    expect(err.message).toContain('/x/build.log');
    expect(err.details).toMatchObject({ step: 'npm install (the native build)', log: '/x/build.log' });
  });

  it('says a folder that does not load does not, with the loader’s reason', () => {
    const dir = nativeClientDir(cache);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{"main":"index.js"}');
    fs.writeFileSync(path.join(dir, 'index.js'), "throw new Error('undefined symbol: rd_kafka_new');");
    const err = failureOf(loadNativeKafka(cache, {}));
    expect(err.message).toContain('undefined symbol: rd_kafka_new');
  });

  it('gives the module and its librdkafka version when it loads', () => {
    const dir = nativeClientDir(cache);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{"main":"index.js"}');
    fs.writeFileSync(
      path.join(dir, 'index.js'),
      "module.exports = { librdkafkaVersion: '2.15.1', KafkaJS: {} };",
    );
    const load = loadNativeKafka(cache, {});
    expect(load.ok && load.librdkafkaVersion).toBe('2.15.1');
  });
});
