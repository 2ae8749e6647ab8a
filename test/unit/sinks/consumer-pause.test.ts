import type { BreakerState } from '../../../retry/breaker';
import { ConsumerPause } from '../../../connectors/sinks/consumer-pause';

function harness(initial: BreakerState) {
  let state = initial;
  const calls: string[] = [];
  let timer: { fn: () => void; ms: number } | undefined;
  const p = new ConsumerPause({
    pauseTopic: () => void calls.push('pause'),
    resumeTopic: () => void calls.push('resume'),
    breakerState: () => state,
    breakerWaitMs: () => 300,
    running: () => true,
    setTimer: (fn, ms) => {
      timer = { fn, ms };
      return {} as NodeJS.Timeout;
    },
    clearTimer: () => void (timer = undefined),
  });
  return {
    p,
    calls,
    setState: (s: BreakerState) => void (state = s),
    fire: () => timer?.fn(),
    timer: () => timer,
  };
}

describe('ConsumerPause', () => {
  it('pauses while the breaker is open and resumes by itself when the open time is up', () => {
    const h = harness('open');
    h.p.pause();
    h.p.pause(); // once
    expect(h.calls).toEqual(['pause']);
    expect(h.timer()?.ms).toBe(300);
    h.fire();
    expect(h.calls).toEqual(['pause', 'resume']);
    expect(h.p.paused).toBe(false);
  });

  it("a late 'blocked' answer after the breaker closed does not pause (nothing would resume it)", () => {
    const h = harness('half-open');
    h.setState('closed');
    h.p.pause();
    expect(h.calls).toEqual([]);
    expect(h.p.paused).toBe(false);
  });

  it('the timer resumes even if the breaker closed meanwhile without a resume() call', () => {
    const h = harness('half-open');
    h.p.pause();
    h.setState('closed');
    h.fire();
    expect(h.calls).toEqual(['pause', 'resume']);
  });

  it('resume() when the breaker closes clears the timer; close() stops it', () => {
    const h = harness('open');
    h.p.pause();
    h.p.resume();
    expect(h.timer()).toBeUndefined();
    h.p.resume();
    expect(h.calls).toEqual(['pause', 'resume']);
    h.p.pause();
    h.p.close();
    expect(h.timer()).toBeUndefined();
  });
});
