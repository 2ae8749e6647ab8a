import { manualClock } from '../../../core/clock';
import { CircuitBreaker } from '../../../retry/breaker';

describe('circuit breaker', () => {
  const options = { failureThreshold: 3, openMs: 1000, maxOpenMs: 4000, probesToClose: 1 };

  it('opens after consecutive transient failures, lets one probe through after openMs, closes on success', () => {
    const clock = manualClock();
    const changes: string[] = [];
    const b = new CircuitBreaker(options, clock, (to, from) => changes.push(`${from}>${to}`));
    b.record('transient');
    b.record('transient');
    b.record('ok'); // resets the streak
    b.record('transient');
    b.record('transient');
    expect(b.state).toBe('closed');
    b.record('transient');
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.waitMs()).toBe(1000);
    clock.advance(1000);
    expect(b.tryAcquire()).toBe(true);
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(false); // one probe at a time
    b.record('ok');
    expect(b.state).toBe('closed');
    expect(changes).toEqual(['closed>open', 'open>half-open', 'half-open>closed']);
  });

  it('a failed probe reopens with a doubled open time, capped', () => {
    const clock = manualClock();
    const b = new CircuitBreaker(options, clock);
    for (let i = 0; i < 3; i++) b.record('transient');
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      waits.push(b.waitMs());
      clock.advance(b.waitMs());
      expect(b.tryAcquire()).toBe(true);
      b.record('transient');
    }
    expect(waits).toEqual([1000, 2000, 4000, 4000]);
  });

  it('permanent failures mean the subscriber answers: they do not open it', () => {
    const b = new CircuitBreaker(options, manualClock());
    for (let i = 0; i < 10; i++) b.record('permanent');
    expect(b.state).toBe('closed');
  });
});
