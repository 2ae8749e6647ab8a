import { up, stderrProgress } from '../../stack';

/**
 * Brings the real stack up once for all integration tests (reusing a running one) and hands the
 * endpoints to the test files through CROSSDOCK_TEST_ENDPOINTS. The stack is left running:
 * .ci/run stops what it started, and a developer keeps a warm stack between runs.
 */
export default async function globalSetup(): Promise<void> {
  // CROSSDOCK_TEST_REDIS_CLUSTER=1: the stack's Redis is its Redis Cluster (`stack up
  // --redis-cluster`), so the suites run against a cluster; with a CROSSDOCK_HOME of its own and
  // CROSSDOCK_KAFKA_BROKERS / CROSSDOCK_REGISTRY_URL naming a running stack, nothing of that stack
  // changes (docs/scaling.md).
  const redisCluster = process.env.CROSSDOCK_TEST_REDIS_CLUSTER === '1';
  const res = await up({ progress: stderrProgress(), redisCluster });
  process.env.CROSSDOCK_TEST_ENDPOINTS = JSON.stringify(res.endpoints);
}
