import { CallGate, OffsetsGate } from '../../../core/kafka-client/native-transactional';

describe('the native seam’s sendOffsets gate', () => {
  it('lets sends through while open, and close() waits for those under way', async () => {
    const gate = new OffsetsGate();
    let finish!: () => void;
    const sent = gate.run(() => new Promise<void>((r) => (finish = r)));
    let closed = false;
    const closing = gate.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false); // the send under way holds the close
    finish();
    await sent;
    await closing;
    expect(closed).toBe(true);
  });

  it('refuses a send once closed, without calling it, with a code that says why', async () => {
    const gate = new OffsetsGate();
    await gate.close();
    const send = jest.fn(() => Promise.resolve());
    await expect(gate.run(send)).rejects.toMatchObject({ code: 'CONSUMER_CLOSED' });
    expect(send).not.toHaveBeenCalled();
  });

  it('a send that fails fails its caller, and does not hold the close', async () => {
    const gate = new OffsetsGate();
    await expect(gate.run(() => Promise.reject(new Error('ILLEGAL_GENERATION')))).rejects.toThrow(
      'ILLEGAL_GENERATION',
    );
    await gate.close();
  });
});

describe('the native seam’s call gate (the producer’s: disconnect waits for its calls)', () => {
  it('returns what a call resolves to, refuses with its own error once closed, and close() waits for calls under way', async () => {
    const gate = new CallGate(() => Object.assign(new Error('closing'), { code: 'PRODUCER_CLOSED' }));
    await expect(gate.run(() => Promise.resolve(42))).resolves.toBe(42);
    let finish!: () => void;
    const commit = gate.run(() => new Promise<void>((r) => (finish = r)));
    let closed = false;
    const closing = gate.close().then(() => (closed = true));
    const later = jest.fn(() => Promise.resolve());
    await expect(gate.run(later)).rejects.toMatchObject({ code: 'PRODUCER_CLOSED' });
    expect(later).not.toHaveBeenCalled();
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false); // the commit under way holds the disconnect
    finish();
    await commit;
    await closing;
    expect(closed).toBe(true);
  });
});
