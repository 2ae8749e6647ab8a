import crypto from 'node:crypto';
import {
  bearerToken,
  identify,
  isLoopbackHost,
  newAdminToken,
  seesPersonalData,
  statusOf,
  tokenEntryYaml,
  tokenSha256,
  TOKEN_PREFIX,
} from '../../../dlq';
import YAML from 'yaml';
import { CrossdockError } from '../../../core/errors';

describe('admin tokens', () => {
  it('hashes a token as lower-case SHA-256 hex, the form hub.admin.tokens stores', () => {
    expect(tokenSha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(tokenSha256('abc')).toBe(crypto.createHash('sha256').update('abc').digest('hex'));
  });

  it('makes random tokens with a recognisable prefix', () => {
    const a = newAdminToken();
    const b = newAdminToken();
    expect(a.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(a).not.toBe(b);
    expect(a.length).toBe(TOKEN_PREFIX.length + 43);
  });

  it('identifies a token by its hash and nothing else', () => {
    const entries = [
      { name: 'ann', role: 'viewer' as const, sha256: tokenSha256('t-ann') },
      { name: 'bob', role: 'admin' as const, sha256: tokenSha256('t-bob') },
    ];
    expect(identify(entries, 't-bob')).toEqual({ name: 'bob', role: 'admin' });
    expect(identify(entries, 't-ann')).toEqual({ name: 'ann', role: 'viewer' });
    expect(identify(entries, 't-bo')).toBeUndefined();
    expect(identify(entries, tokenSha256('t-bob'))).toBeUndefined(); // the hash is not the token
    expect(identify(entries, '')).toBeUndefined();
    expect(identify(entries, undefined)).toBeUndefined();
    expect(identify([{ name: 'x', role: 'admin', sha256: 'not-hex' }], 'anything')).toBeUndefined();
    expect(identify([{ name: 'x', role: 'admin', sha256: '0'.repeat(64) }], 'anything')).toBeUndefined();
  });

  it('compares every entry with crypto.timingSafeEqual, whichever matches', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    const entries = ['a', 'b', 'c'].map((n) => ({
      name: n,
      role: 'viewer' as const,
      sha256: tokenSha256(`t-${n}`),
    }));
    for (const token of ['t-a', 't-c', 'none']) {
      spy.mockClear();
      identify(entries, token);
      expect(spy).toHaveBeenCalledTimes(3);
      for (const [x, y] of spy.mock.calls)
        expect([(x as Buffer).length, (y as Buffer).length]).toEqual([32, 32]);
    }
    spy.mockRestore();
  });

  it('reads the token of an Authorization header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('tells loopback addresses from others (the local token is made only on loopback)', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'hub.example.com', '192.168.1.1', '::ffff:10.0.0.1'])
      expect(isLoopbackHost(h)).toBe(false);
  });

  it('prints an entry that parses as the configuration expects', () => {
    const entry = { name: 'ann', role: 'operator' as const, sha256: tokenSha256('x') };
    expect(YAML.parse(tokenEntryYaml(entry))).toEqual([entry]);
  });

  it('masking: only admin sees personal fields', () => {
    expect(seesPersonalData('viewer')).toBe(false);
    expect(seesPersonalData('operator')).toBe(false);
    expect(seesPersonalData('admin')).toBe(true);
  });
});

describe('admin API: statuses of coded errors', () => {
  it('maps codes, and the services’ codes by their form', () => {
    const err = (code: string, retriable = false) => new CrossdockError(code, 'x', { retriable });
    expect(statusOf(err('CD_E_ADMIN_UNAUTHORIZED'))).toBe(401);
    expect(statusOf(err('CD_E_ADMIN_FORBIDDEN'))).toBe(403);
    expect(statusOf(err('CD_E_ADMIN_ROUTE_UNKNOWN'))).toBe(404);
    expect(statusOf(err('CD_E_DLQ_NOT_FOUND'))).toBe(404);
    expect(statusOf(err('CD_E_DLQ_JOB_NOT_FOUND'))).toBe(404);
    expect(statusOf(err('CD_E_DLQ_SELECTOR_INVALID'))).toBe(400);
    expect(statusOf(err('CD_E_DLQ_SELECTION_TOO_LARGE'))).toBe(400);
    expect(statusOf(err('CD_E_EVENT_ID_INVALID'))).toBe(400);
    expect(statusOf(err('CD_E_DLQ_STATE_INVALID'))).toBe(409);
    expect(statusOf(err('CD_E_DLQ_JOB_STATE_INVALID'))).toBe(409);
    expect(statusOf(err('CD_E_DLQ_REPLAY_BUSY', true))).toBe(503);
    expect(statusOf(err('CD_E_DLQ_SUBSCRIBER_GONE'))).toBe(422);
    expect(statusOf(new Error('bug'))).toBe(500);
  });
});
