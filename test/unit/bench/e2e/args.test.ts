import { E2EUsageError, parseE2EArgs } from '../../../../bench/e2e/args';

describe('e2e arm options', () => {
  it('has full-run defaults and shorter phases with --quick', () => {
    expect(parseE2EArgs([])).toMatchObject({
      quick: false,
      seconds: 30,
      maxSeconds: 20,
      rates: [100, 500, 1000],
      window: 2000,
      closedConnections: 128,
      json: false,
    });
    expect(parseE2EArgs(['--quick'])).toMatchObject({
      quick: true,
      seconds: 8,
      maxSeconds: 8,
      warmupSeconds: 3,
    });
  });

  it('takes rates, sizes and an output file', () => {
    expect(
      parseE2EArgs([
        '--rates',
        '50, 200',
        '--seconds',
        '5',
        '--window',
        '300',
        '--out',
        '/tmp/x.json',
        '--json',
      ]),
    ).toMatchObject({ rates: [50, 200], seconds: 5, window: 300, out: '/tmp/x.json', json: true });
  });

  it('refuses what is not a positive number and unknown options', () => {
    expect(() => parseE2EArgs(['--seconds', '0'])).toThrow(E2EUsageError);
    expect(() => parseE2EArgs(['--rates', '100,x'])).toThrow('--rates must be a positive number (got "x")');
    expect(() => parseE2EArgs(['--fast'])).toThrow(E2EUsageError);
  });
});
