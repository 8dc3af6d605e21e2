import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { API_KEY_HEADERS } from '../../src/auth/headers.js';
import { generateApiKey } from '../../src/auth/key-format.js';
import { createLogger } from '../../src/lib/logger.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('the logger', () => {
  it.each(API_KEY_HEADERS)('never writes a key that travels in %s, in headers or in a request', (header) => {
    const { logger, lines } = capture();
    const key = generateApiKey('SECRET', 'LIVE');
    const value = header === 'Authorization' ? `Bearer ${key}` : key;
    const headers = { [header.toLowerCase()]: value, 'content-type': 'application/json' };
    logger.info({ headers }, 'a stray header dump');
    logger.warn({ req: { method: 'POST', headers } }, 'a stray request dump');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(key);
      expect(line).toContain('[redacted]');
      expect(line).toContain('application/json');
    }
  });
});
