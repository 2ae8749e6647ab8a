import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeDown, diedDuring, readParts, tailOf } from '../../../scripts/stack-watch';

const status = (parts: Array<{ part: string; up: boolean; logFile?: string }>) =>
  JSON.stringify({ parts: parts.map((p) => ({ endpoint: `ep-${p.part}`, owner: 'stack', ...p })) });

describe('npm test: the stack part that died during a run', () => {
  const allUp = readParts(
    status([
      { part: 'kafka', up: true, logFile: '/x/kafka.log' },
      { part: 'registry', up: true },
      { part: 'redis', up: true },
    ]),
  );

  it('names a part that was up before the run and is down after it, with its endpoint and log', () => {
    const after = readParts(
      status([
        { part: 'kafka', up: false, logFile: '/x/kafka.log' },
        { part: 'registry', up: true },
        { part: 'redis', up: true },
      ]),
    );
    expect(diedDuring(allUp, after)).toEqual([
      { part: 'kafka', up: false, endpoint: 'ep-kafka', logFile: '/x/kafka.log' },
    ]);
  });

  it('reports nothing when every part stayed up, or when none was up before (a run that needed no stack)', () => {
    expect(diedDuring(allUp, allUp)).toEqual([]);
    const down = readParts(status([{ part: 'kafka', up: false }]));
    expect(diedDuring(down, down)).toEqual([]);
    expect(diedDuring(undefined, undefined)).toEqual([]);
  });

  it('counts an unreadable answer after the run as a problem, not as healthy', () => {
    expect(readParts('not json')).toBeUndefined();
    expect(readParts('{"parts":[]}')).toBeUndefined();
    expect(diedDuring(allUp, readParts(''))).toEqual([{ part: 'status', up: false }]);
  });

  it('a part missing from the answer after the run counts as down', () => {
    const after = readParts(
      status([
        { part: 'registry', up: true },
        { part: 'redis', up: true },
      ]),
    );
    expect(diedDuring(allUp, after).map((p) => p.part)).toEqual(['kafka']);
  });

  it('describes each dead part with the end of its log, naming the run', () => {
    const text = describeDown(
      'integration CROSSDOCK_KAFKA_AUTO_ROUTER=kafkajs',
      [{ part: 'kafka', up: false, endpoint: '127.0.0.1:19092', logFile: '/x/kafka.log' }],
      (f) => `tail of ${f}`,
    );
    expect(text).toContain(
      "the stack's kafka (127.0.0.1:19092) was up when the integration CROSSDOCK_KAFKA_AUTO_ROUTER=kafkajs run began and is down after it",
    );
    expect(text).toContain('the end of its log, /x/kafka.log:\ntail of /x/kafka.log');
    expect(describeDown('scale', [{ part: 'status', up: false }], () => '')).toContain(
      "after the scale run the stack's status could not be read",
    );
  });

  it('tailOf gives the last lines of a file, or says why it cannot', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-tail-'));
    const file = path.join(dir, 'k.log');
    fs.writeFileSync(file, ['a', 'b', 'c', 'd', ''].join('\n'));
    try {
      expect(tailOf(file, 2)).toBe('c\nd\n');
      expect(tailOf(path.join(dir, 'none.log'), 2)).toMatch(/^\(cannot read .*none\.log: ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
