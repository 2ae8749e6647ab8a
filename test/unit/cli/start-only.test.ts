import { InvalidArgumentError } from 'commander';
import { listOf } from '../../../cli/arguments';
import { START_PARTS } from '../../../cli/commands/start';
import { HUB_COMPONENTS, HUB_PARTS, hubParts } from '../../../hub/components';

describe('crossdock start --only: the parts one process runs', () => {
  it("names exactly the hub's component groups", () => {
    expect(START_PARTS).toEqual(HUB_PARTS);
    expect(HUB_PARTS).toEqual(['sources', 'router', 'connectors', 'dlq', 'flows', 'csv']);
  });

  it('runs every part without --only, and the named ones in start order with it', () => {
    expect(hubParts()).toBe(HUB_COMPONENTS);
    expect(hubParts(['flows', 'dlq']).map((g) => g.name)).toEqual(['dlq', 'flows']);
    expect(hubParts(['router']).map((g) => g.name)).toEqual(['router']);
    // csv stands where sources does; with sources named too, sources (which has it) runs.
    expect(hubParts(['flows', 'csv']).map((g) => g.name)).toEqual(['csv', 'flows']);
    expect(hubParts(['sources', 'csv']).map((g) => g.name)).toEqual(['sources']);
  });

  it('takes a comma-separated list of known parts, each once', () => {
    const parse = listOf(START_PARTS, 'part');
    expect(parse('dlq,flows')).toEqual(['dlq', 'flows']);
    expect(parse(' router , router ,')).toEqual(['router']);
  });

  it('refuses an unknown part or an empty list as a usage error naming the parts', () => {
    const parse = listOf(START_PARTS, 'part');
    expect(() => parse('router,ingest')).toThrow(InvalidArgumentError);
    expect(() => parse('router,ingest')).toThrow(
      'unknown part ingest; a comma-separated list of sources, router, connectors, dlq, flows, csv',
    );
    expect(() => parse(',')).toThrow(
      'a comma-separated list of sources, router, connectors, dlq, flows, csv',
    );
  });
});
