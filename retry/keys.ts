/** The delivery part's Redis keys are built in core/names/redis-keys.ts (layout and hash tags there). */
export { deliveryKeys, type DeliveryKeys } from '../core/names/redis-keys';
