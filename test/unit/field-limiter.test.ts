import type { GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { createLogger } from '../../src/lib/logger.js';
import { FieldLimiter } from '../../src/rate-limit/field-limiter.js';
import { MemoryFieldStore } from '../../src/rate-limit/field-store.js';

const info = { fieldName: 'bookings', parentType: { name: 'Query' } } as unknown as GraphQLResolveInfo;
const principal = (id: string, type: 'SECRET' | 'PUBLIC' = 'SECRET') => ({ kind: 'api-key', id, key: { type } }) as Principal;
const limit = { max: 3, window: '1m', by: 'key' } as const;

describe('FieldLimiter', () => {
  it('admits exactly max of many calls resolving in parallel (aliases of a query field)', async () => {
    const limiter = new FieldLimiter(new MemoryFieldStore(), createLogger('silent'));
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => limiter.check(limit, { args: {}, info, principal: principal('key_a'), ip: null })),
    );
    expect(outcomes.filter((error) => error === null)).toHaveLength(3);
    expect(outcomes.filter((error) => error?.code === 'FIELD_RATE_LIMITED')).toHaveLength(5);
  });

  it('counts public-client limits per address, and not for secret keys', async () => {
    const limiter = new FieldLimiter(new MemoryFieldStore(), createLogger('silent'));
    const perClient = { max: 1, window: '1m', by: 'public-client' } as const;
    const call = (keyId: string, keyType: 'SECRET' | 'PUBLIC', ip: string) =>
      limiter.check(perClient, { args: {}, info, principal: principal(keyId, keyType), ip });
    expect(await call('key_p', 'PUBLIC', '192.0.2.1')).toBeNull();
    expect(await call('key_p', 'PUBLIC', '192.0.2.1')).not.toBeNull();
    expect(await call('key_p', 'PUBLIC', '192.0.2.2')).toBeNull();
    expect(await call('key_s', 'SECRET', '192.0.2.1')).toBeNull();
    expect(await call('key_s', 'SECRET', '192.0.2.1')).toBeNull();
  });

  it('enforces nothing when turned off', async () => {
    const limiter = new FieldLimiter(new MemoryFieldStore(), createLogger('silent'), false);
    for (let i = 0; i < 5; i++) expect(await limiter.check(limit, { args: {}, info, principal: principal('key_b'), ip: null })).toBeNull();
  });
});
