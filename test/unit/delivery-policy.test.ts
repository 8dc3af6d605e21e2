import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs, signatureHeader } from '../../src/modules/webhooks/delivery-policy.js';

describe('webhook delivery policy', () => {
  it('backs off exponentially, with jitter in the upper half of each step', () => {
    const minutes = (attempt: number, random: number) => retryDelayMs(attempt, () => random) / 60_000;
    expect([1, 2, 3, 4].map((attempt) => minutes(attempt, 1))).toEqual([1, 3, 9, 27]);
    expect([1, 2, 3, 4].map((attempt) => minutes(attempt, 0))).toEqual([0.5, 1.5, 4.5, 13.5]);
    expect(minutes(MAX_DELIVERY_ATTEMPTS - 1, 1)).toBe(12 * 60);
  });

  it('stops after 8 attempts', () => {
    expect(MAX_DELIVERY_ATTEMPTS).toBe(8);
  });

  it('signs "t.body" with HMAC-SHA256 and says when', () => {
    const at = new Date('2030-01-02T03:04:05Z');
    const header = signatureHeader('whsec_test', '{"a":1}', at);
    const t = Math.floor(at.getTime() / 1000);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', 'whsec_test').update(`${t}.{"a":1}`).digest('hex')}`);
  });
});
