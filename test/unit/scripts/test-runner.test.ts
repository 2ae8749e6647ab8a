import { mergeResults, planTests, runLabel, type JestResults } from '../../../scripts/test';

describe('npm test: the plan of jest runs', () => {
  it('runs the unit project first, then integration on two workers, scale in band, and the router on kafkajs, starting the stack early', () => {
    const plan = planTests(['--json', '--outputFile=/tmp/r.json']);
    expect(plan.runs).toEqual([
      {
        args: ['--selectProjects', 'unit', '--json', '--passWithNoTests'],
        outputFile: '/tmp/r.json.unit.json',
      },
      {
        args: ['--selectProjects', 'integration', '--maxWorkers=2', '--json', '--passWithNoTests'],
        outputFile: '/tmp/r.json.integration.json',
      },
      {
        args: ['--selectProjects', 'scale', '--runInBand', '--json', '--passWithNoTests'],
        outputFile: '/tmp/r.json.scale.json',
      },
      {
        args: [
          '--selectProjects',
          'integration',
          '--maxWorkers=2',
          '--testPathPatterns',
          'test/integration/router/',
          '--json',
          '--passWithNoTests',
        ],
        outputFile: '/tmp/r.json.router-kafkajs.json',
        env: { CROSSDOCK_KAFKA_AUTO_ROUTER: 'kafkajs' },
      },
    ]);
    expect(plan.outputFile).toBe('/tmp/r.json');
    expect(plan.userArgs).toEqual(['--json']);
    expect(plan.startStackEarly).toBe(true);
  });

  it('gives each run a results file of its own when the user asks for none', () => {
    const plan = planTests([]);
    expect(plan.outputFile).toBeUndefined();
    expect(plan.runs.map((r) => r.outputFile)).toEqual([
      expect.stringMatching(/crossdock-test-\d+\.unit\.json$/),
      expect.stringMatching(/crossdock-test-\d+\.integration\.json$/),
      expect.stringMatching(/crossdock-test-\d+\.scale\.json$/),
      expect.stringMatching(/crossdock-test-\d+\.router-kafkajs\.json$/),
    ]);
  });

  it('takes --outputFile as two arguments too', () => {
    const plan = planTests(['--json', '--outputFile', '/tmp/x.json']);
    expect(plan.outputFile).toBe('/tmp/x.json');
    expect(plan.userArgs).toEqual(['--json']);
  });

  it('keeps one in-band run when the user selects projects or watches', () => {
    for (const args of [['--selectProjects', 'unit'], ['--watch'], ['--projects=x']]) {
      const plan = planTests(args);
      expect(plan.runs).toEqual([{ args: ['--runInBand'], outputFile: undefined }]);
      expect(plan.startStackEarly).toBe(false);
      expect(plan.userArgs).toEqual(args);
    }
  });

  it('does not start the stack early for a filtered run, which may need none', () => {
    expect(planTests(['--testPathPatterns', 'unit/core']).startStackEarly).toBe(false);
    expect(planTests(['--testPathPatterns=x']).startStackEarly).toBe(false);
    expect(planTests(['test/unit/core/names.test.ts']).startStackEarly).toBe(false);
    expect(planTests(['-t', 'a name']).startStackEarly).toBe(false);
    expect(planTests(['--ci']).startStackEarly).toBe(true);
  });

  it('a filtered run does not add the router on kafkajs (the filter would not reach it)', () => {
    expect(planTests(['--testPathPatterns', 'router']).runs).toHaveLength(3);
    expect(planTests(['test/unit/core/names.test.ts']).runs).toHaveLength(3);
    expect(planTests(['--ci']).runs).toHaveLength(4);
  });

  it("names each run by its project and the environment it adds (the stack report's words)", () => {
    expect(planTests([]).runs.map(runLabel)).toEqual([
      'unit',
      'integration',
      'scale',
      'integration CROSSDOCK_KAFKA_AUTO_ROUTER=kafkajs',
    ]);
  });
});

describe('npm test: merged results', () => {
  const run = (over: Partial<JestResults>): JestResults => ({
    success: true,
    startTime: 100,
    numPassedTests: 3,
    numFailedTests: 0,
    numPendingTests: 0,
    numTotalTests: 3,
    numRuntimeErrorTestSuites: 0,
    testResults: [{ name: 'a' }],
    ...over,
  });

  it('sums the counts, concatenates the files and keeps the earliest start', () => {
    const merged = mergeResults([
      run({}),
      run({
        startTime: 50,
        numPassedTests: 5,
        numFailedTests: 1,
        numTotalTests: 6,
        success: false,
        testResults: [{ name: 'b' }],
      }),
    ]);
    expect(merged).toMatchObject({
      success: false,
      startTime: 50,
      numPassedTests: 8,
      numFailedTests: 1,
      numTotalTests: 9,
      numRuntimeErrorTestSuites: 0,
    });
    expect(merged.testResults).toEqual([{ name: 'a' }, { name: 'b' }]);
  });

  it('succeeds only when every run did', () => {
    expect(mergeResults([run({}), run({})]).success).toBe(true);
  });

  it('counts a run that wrote no results as a failed suite', () => {
    const merged = mergeResults([run({}), undefined]);
    expect(merged.success).toBe(false);
    expect(merged.numRuntimeErrorTestSuites).toBe(1);
    expect(merged.numPassedTests).toBe(3);
  });

  it('fails when no test ran at all', () => {
    expect(mergeResults([run({ numTotalTests: 0, numPassedTests: 0, testResults: [] })]).success).toBe(false);
  });
});
