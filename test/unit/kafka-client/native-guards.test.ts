import { guardNativeModule } from '../../../core/kafka-client/native-guards';

/** A stand-in for the binding's low-level consumer: counts the calls that reach "librdkafka". */
function fakeModule() {
  const reached = { assignmentLost: 0 };
  class KafkaConsumer {
    _client: { rebalanceProtocol(): string } | undefined;
    constructor(
      protocol: string | undefined,
      private readonly lost = true,
    ) {
      this._client = protocol === undefined ? undefined : { rebalanceProtocol: () => protocol };
    }
    assignmentLost(): boolean {
      reached.assignmentLost++;
      return this.lost;
    }
  }
  return { module: { KafkaConsumer }, reached, KafkaConsumer };
}

describe('guardNativeModule', () => {
  it('passes the question through while the consumer is in a group', () => {
    const { module, reached, KafkaConsumer } = fakeModule();
    guardNativeModule(module);
    expect(new KafkaConsumer('EAGER', true).assignmentLost()).toBe(true);
    expect(new KafkaConsumer('COOPERATIVE', false).assignmentLost()).toBe(false);
    expect(reached.assignmentLost).toBe(2);
  });

  it('answers false without calling the binding once the consumer is closing or closed', () => {
    const { module, reached, KafkaConsumer } = fakeModule();
    guardNativeModule(module);
    expect(new KafkaConsumer('NONE', true).assignmentLost()).toBe(false);
    expect(new KafkaConsumer(undefined, true).assignmentLost()).toBe(false);
    expect(reached.assignmentLost).toBe(0);
  });

  it('guards once however often it is applied, and leaves a module without the class alone', () => {
    const { module, reached, KafkaConsumer } = fakeModule();
    guardNativeModule(module);
    const once = KafkaConsumer.prototype.assignmentLost;
    guardNativeModule(module);
    expect(KafkaConsumer.prototype.assignmentLost).toBe(once);
    expect(new KafkaConsumer('EAGER').assignmentLost()).toBe(true);
    expect(reached.assignmentLost).toBe(1);
    expect(() => guardNativeModule({})).not.toThrow();
    expect(() => guardNativeModule({ KafkaConsumer: {} })).not.toThrow();
  });
});
