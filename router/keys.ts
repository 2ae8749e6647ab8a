/** The router's Redis keys are built in core/names/redis-keys.ts (layout and hash tags there). */
export { routerKeys, fenceKeys, type RouterKeys, type FenceKeys } from '../core/names/redis-keys';
