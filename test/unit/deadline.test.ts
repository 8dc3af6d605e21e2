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

  it('tells its stop listeners the reason once, and not those taken back or added after it ended', () => {
    vi.useFakeTimers();
    try {
      const deadline = startDeadline(request().request, 1000);
      const kept = vi.fn();
      const takenBack = vi.fn();
      deadline.onStop(kept);
      deadline.onStop(takenBack)();
      vi.advanceTimersByTime(5000);
      expect(kept).toHaveBeenCalledTimes(1);
      expect(kept.mock.calls[0]![0]).toMatchObject({ code: 'TIMEOUT' });
      expect(takenBack).not.toHaveBeenCalled();
      // A listener that comes late hears at once why it stopped.
      const late = vi.fn();
      deadline.onStop(late);
      expect(late.mock.calls[0]![0]).toBe(deadline.stopped);
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives work that asks for its signal later one already aborted with the reason', () => {
    const { client, request: incoming } = request();
    const deadline = startDeadline(incoming, 60_000);
    expect(deadline.stopped).toBeUndefined();
    client.abort();
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe(deadline.stopped);
    expect(deadline.stopped).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
  });
});
