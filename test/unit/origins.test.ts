import { describe, expect, it } from 'vitest';
import { normalizeAllowedOrigin, originAllowed } from '../../src/auth/origins.js';
import { validateAllowedOrigins } from '../../src/auth/access/key-settings.js';

const normalized = (raw: string) => {
  const check = normalizeAllowedOrigin(raw);
  return check.ok ? check.origin : null;
};

describe('allowed origins', () => {
  it.each([
    ['https://app.example.com', 'https://app.example.com'],
    ['HTTPS://App.Example.COM/', 'https://app.example.com'],
    ['  https://app.example.com  ', 'https://app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com'],
    ['http://localhost:80', 'http://localhost'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['https://example.com:8443', 'https://example.com:8443'],
    ['https://*.example.com', 'https://*.example.com'],
  ])('normalizes %s to %s', (raw, expected) => {
    expect(normalized(raw)).toBe(expected);
  });

  it.each([
    '*',
    'example.com',
    'https://',
    'https://example.com/path',
    'https://example.com?x=1',
    'https://user@example.com',
    'ftp://example.com',
    'https://*.com',
    'https://*',
    'https://a.*.example.com',
    'https://example.com:0',
    'https://example.com:70000',
    'null',
  ])('refuses %s', (raw) => {
    const check = normalizeAllowedOrigin(raw);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problem).toContain(raw.trim());
  });

  it('matches exact origins after normalizing the request origin', () => {
    const allowed = ['https://app.example.com', 'http://localhost:3000'];
    expect(originAllowed('https://app.example.com', allowed)).toBe(true);
    expect(originAllowed('https://APP.example.com:443', allowed)).toBe(true);
    expect(originAllowed('http://localhost:3000', allowed)).toBe(true);
    expect(originAllowed('http://app.example.com', allowed)).toBe(false);
    expect(originAllowed('https://app.example.com:8443', allowed)).toBe(false);
    expect(originAllowed('http://localhost:3001', allowed)).toBe(false);
    expect(originAllowed('https://evil.com', allowed)).toBe(false);
    expect(originAllowed('null', allowed)).toBe(false);
  });

  it('matches a wildcard against subdomains only, never the bare domain or a lookalike', () => {
    const allowed = ['https://*.example.com'];
    expect(originAllowed('https://a.example.com', allowed)).toBe(true);
    expect(originAllowed('https://a.b.example.com', allowed)).toBe(true);
    expect(originAllowed('https://example.com', allowed)).toBe(false);
    expect(originAllowed('https://evilexample.com', allowed)).toBe(false);
    expect(originAllowed('https://example.com.evil.com', allowed)).toBe(false);
    expect(originAllowed('http://a.example.com', allowed)).toBe(false);
    expect(originAllowed('https://*.example.com', allowed)).toBe(false);
  });

  it('stores normalized, de-duplicated origins for public keys', () => {
    expect(validateAllowedOrigins('PUBLIC', 'LIVE', ['https://App.example.com/', 'https://app.example.com'])).toEqual([
      'https://app.example.com',
    ]);
  });

  it('needs at least one origin for a pk_live_ key, none for pk_test_', () => {
    expect(() => validateAllowedOrigins('PUBLIC', 'LIVE', [])).toThrow(/allowedOrigins/);
    expect(validateAllowedOrigins('PUBLIC', 'TEST', [])).toEqual([]);
  });

  it('refuses origins on secret keys and names the field for a bad origin', () => {
    expect(() => validateAllowedOrigins('SECRET', 'LIVE', ['https://app.example.com'])).toThrow(/allowedOrigins/);
    expect(() => validateAllowedOrigins('PUBLIC', 'TEST', ['https://example.com/x'])).toThrow(/allowedOrigins/);
  });
});
