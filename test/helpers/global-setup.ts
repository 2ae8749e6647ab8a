import { up, stderrProgress } from '../../stack';

/**
 * Brings the real stack up once for all integration tests (reusing a running one) and hands the
 * endpoints to the test files through CROSSDOCK_TEST_ENDPOINTS. The stack is left running:
 * .ci/run stops what it started, and a developer keeps a warm stack between runs.
 */
export default async function globalSetup(): Promise<void> {
  const res = await up({ progress: stderrProgress() });
  process.env.CROSSDOCK_TEST_ENDPOINTS = JSON.stringify(res.endpoints);
}
