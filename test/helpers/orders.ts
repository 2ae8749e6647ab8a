import type { EventBody } from '../../connectors/sdk';

/**
 * A valid OrderReleased body from the us-atl site (SDK shape, no metadata), shared by the SDK and
 * site-event tests. `orderId` and `shipTo.name` vary per test; the rest is fixed.
 */
export function atlOrderReleased(orderId = 'ATL-1', shipToName = 'P'): EventBody<'OrderReleased'> {
  return {
    orderId,
    customerId: 'C-1',
    customerName: 'Peachtree Supply',
    warehouseId: 'ATL-1',
    requestedShipDate: '2026-03-04',
    shipTo: {
      name: shipToName,
      line1: '1 Peachtree St',
      line2: null,
      city: 'Atlanta',
      region: 'GA',
      postalCode: '30303',
      countryCode: 'US',
      phone: null,
      email: null,
    },
    currency: 'USD',
    lines: [
      {
        lineNumber: 1,
        sku: 'SKU-1',
        description: null,
        quantity: '2.0000',
        unitOfMeasure: 'EA',
        unitPrice: '10.0000',
        lineAmount: '20.00',
      },
    ],
    orderTotal: '20.00',
  };
}
