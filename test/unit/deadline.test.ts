import { describe, expect, it, vi } from 'vitest';
import { startDeadline } from '../../src/pipeline/deadline.js';

const request = () => {
  const client = new AbortController();
  return { client, request: new Request('http://test.local/graphql', { signal: client.signal }) };
};

describe('a request deadline', () => {
  it('aborts with TIMEOUT at its deadline, not before', () => {
    vi.useFakeTimers();
    try {
      const deadline = startDeadline(request().request, 1000);
      vi.advanceTimersByTime(999);
      expect(deadline.signal.aborted).toBe(false);
      vi.advanceTimersByTime(1);
      expect(deadline.signal.aborted).toBe(true);
      expect(deadline.signal.reason).toMatchObject({ code: 'TIMEOUT' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('aborts with CLIENT_CLOSED_REQUEST as soon as the client goes away', () => {
    const { client, request: incoming } = request();
    const deadline = startDeadline(incoming, 60_000);
    client.abort();
    expect(deadline.signal.reason).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
    deadline.end();
  });

  it('tells its caller when the client goes away, and only then', () => {
    vi.useFakeTimers();
    try {
      const gone = vi.fn();
      const { client, request: incoming } = request();
      startDeadline(incoming, 1000, gone);
      vi.advanceTimersByTime(1000);
      expect(gone).not.toHaveBeenCalled();
      client.abort();
      expect(gone).toHaveBeenCalledTimes(1);
      const ended = vi.fn();
      const second = request();
      startDeadline(second.request, 1000, ended).end();
      second.client.abort();
      expect(ended).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });

  it('once ended, neither the clock nor the client aborts it', () => {
    vi.useFakeTimers();
    try {
      const { client, request: incoming } = request();
      const deadline = startDeadline(incoming, 1000);
      deadline.end();
      client.abort();
      vi.advanceTimersByTime(5000);
      expect(deadline.signal.aborted).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
