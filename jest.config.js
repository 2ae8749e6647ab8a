// Two projects: unit (pure logic, no network) and integration (real Kafka, registry and Redis,
// brought up once by the global setup and shared by every integration test file).
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
// kafkajs's read_committed filter is replaced (core/kafkajs-patch.ts says why); jest's module
// registry ignores Node's module cache, so the replacement is mapped here.
const moduleNameMapper = {
  '^\\./filterAbortedMessages$': '<rootDir>/test/helpers/kafkajs-filter-aborted.js',
  // And the producer's sendMessages (core/kafkajs-send-fix.ts), by kafkajs's request and by ours.
  '^(\\./sendMessages|kafkajs/src/producer/sendMessages\\.js)$':
    '<rootDir>/test/helpers/kafkajs-send-messages.js',
  // And the producer's record encoder (core/kafkajs-record-encoder.ts), by kafkajs's produce request.
  '^\\.\\./\\.\\./\\.\\./recordBatch/record/v0$': '<rootDir>/test/helpers/kafkajs-record-encoder.js',
};

/** @type {import('jest').Config} */
module.exports = {
  // The integration tests run real Kafka, Redis and HTTP clients in one process (--runInBand); a
  // client's reconnect timer left by a test that failed half-way must not keep CI waiting after the
  // results are in. `npx jest --detectOpenHandles <file>` finds such leaks while developing.
  forceExit: true,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // scale/ starts its own Redis Cluster and needs no shared stack (project `scale` below).
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/scale/'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/helpers/integration-timeout.ts'],
    },
    {
      // Redis Cluster tests (test/integration/scale): each file starts a cluster of its own on
      // its own ports; no global setup, so no shared stack (`npm run test:scale`).
      // three-brokers.test.ts (three Kafka brokers and a registry of its own, a few minutes) runs
      // only under `npm run test:scale` or CROSSDOCK_TEST_BROKERS=1, never in the default `npm test`.
      displayName: 'scale',
      testMatch: ['<rootDir>/test/integration/scale/**/*.test.ts'],
      testPathIgnorePatterns:
        process.env.npm_lifecycle_event === 'test:scale' || process.env.CROSSDOCK_TEST_BROKERS === '1'
          ? ['/node_modules/']
          : ['/node_modules/', '<rootDir>/test/integration/scale/three-brokers.test.ts'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
    },
  ],
};
