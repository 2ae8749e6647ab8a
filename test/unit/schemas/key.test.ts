import { businessKey } from '../../../schemas';

describe('businessKey', () => {
  const single = { eventType: 'OrderReleased', keyFields: ['orderId'] };
  const composite = { eventType: 'InventoryAdjusted', keyFields: ['sku', 'metadata.siteId'] };

  it('uses the key field value', () => {
    expect(businessKey(single, { orderId: 'CHI-1001' })).toBe('CHI-1001');
  });

  it('joins composite keys with | in keyFields order, reading dot paths', () => {
    expect(businessKey(composite, { sku: 'SKU-1', metadata: { siteId: 'us-chi' } })).toBe('SKU-1|us-chi');
  });

  it('escapes | and \\ so different value lists never collide', () => {
    const a = businessKey(composite, { sku: 'A|B', metadata: { siteId: 'C' } });
    const b = businessKey(composite, { sku: 'A', metadata: { siteId: 'B|C' } });
    expect(a).toBe('A\\|B|C');
    expect(a).not.toBe(b);
  });

  it('throws CD_E_MISSING_BUSINESS_KEY naming the field when a value is missing or empty', () => {
    expect(() => businessKey(composite, { sku: 'S' })).toThrow(
      expect.objectContaining({
        code: 'CD_E_MISSING_BUSINESS_KEY',
        message: expect.stringContaining('metadata.siteId'),
      }),
    );
    expect(() => businessKey(single, { orderId: '' })).toThrow(
      expect.objectContaining({ code: 'CD_E_MISSING_BUSINESS_KEY' }),
    );
  });
});
