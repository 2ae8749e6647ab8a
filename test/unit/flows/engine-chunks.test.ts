import type { FlowDefinition } from '../../../flows';
import { chunkByInstance, type StepInput } from '../../../flows/engine/store';

/**
 * How the flow store cuts a batch's steps into steps.lua calls sent at once: every step of one
 * instance in one call, in its order, so no call depends on another's outcome.
 */

const flow = (name: string): FlowDefinition => ({ name, expireAfterMs: 1000, steps: [] });
const A = flow('order-to-cash');
const B = flow('returns');
const step = (f: FlowDefinition, key: string, stepIndex: number): StepInput => ({
  flow: f,
  stepIndex,
  key,
  siteId: 'us-chi',
  siteGroups: [],
  eventId: `${f.name}/${key}/${stepIndex}`,
  occurredAt: 0,
  receivedAt: 0,
  now: 0,
});

it('keeps every step of an instance in one chunk, in its order, when the instance straddles the size', () => {
  const inputs = [step(A, 'o1', 0), step(A, 'o2', 0), step(A, 'o3', 0), step(A, 'o1', 1), step(A, 'o3', 1)];
  const chunks = chunkByInstance(inputs, 2);
  // o1 (2 steps) fills the first chunk; o2 and o3 (1 + 2) cannot share a chunk of 2.
  expect(chunks).toEqual([[0, 3], [1], [2, 4]]);
  expect(chunks.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4]);
});

it('tells instances apart by flow as well as key', () => {
  const inputs = [step(A, 'k', 0), step(B, 'k', 0), step(A, 'k', 1)];
  expect(chunkByInstance(inputs, 10)).toEqual([[0, 2, 1]]);
  expect(chunkByInstance(inputs, 1)).toEqual([[0, 2], [1]]);
});

it('makes an instance with more steps than the size a chunk of its own', () => {
  const inputs = [step(A, 'x', 0), ...[1, 2, 3].map((i) => step(A, 'big', i)), step(A, 'y', 0)];
  expect(chunkByInstance(inputs, 2)).toEqual([[0], [1, 2, 3], [4]]);
});

it('packs many one-step instances into chunks of the size', () => {
  const inputs = Array.from({ length: 450 }, (_x, i) => step(A, `o${i}`, 0));
  expect(chunkByInstance(inputs, 200).map((c) => c.length)).toEqual([200, 200, 50]);
  expect(chunkByInstance([], 200)).toEqual([]);
});
