import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { checkGitHubSignature, parseGitHubPublicKeys } from '../../src/lib/github-public-keys.js';

/** The sample alert, signature and key of GitHub's secret-scanning partner documentation. */
const GITHUB_SAMPLE = {
  keyIdentifier: '90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a',
  key: [
    '-----BEGIN PUBLIC KEY-----',
    'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9MJJHnMfn2+H4xL4YaPDA4RpJqUq',
    'kCmRCBnYERxZanmcpzQSXs1X/AljlKkbJ8qpVIW4clayyef9gWhFbNHWAA==',
    '-----END PUBLIC KEY-----',
  ].join('\n'),
  body: '[{"token":"some_token","type":"some_type","url":"some_url"}]',
  signature: 'MEUCIQDKZokqnCjrRtw0tni+2Ltvl/uiMJ1EGumEsp1BsNr32AIgQY1YXD2nlj+XNfGK4rBfkMJ1JDOQcYXxa2sY8FNkrKc=',
};

const keysFile = (entries: unknown[]) => JSON.stringify({ public_keys: entries });
const pem = (type: 'ec' | 'rsa') =>
  (type === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: 1024 })
  ).publicKey.export({ type: 'spki', format: 'pem' }) as string;

function refusal(text: string): string {
  try {
    parseGitHubPublicKeys(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the keys file to be refused');
}

describe("GitHub's secret-scanning public keys", () => {
  it('verifies the sample alert GitHub documents, signed with its own key, and nothing altered', () => {
    const keys = parseGitHubPublicKeys(keysFile([{ key_identifier: GITHUB_SAMPLE.keyIdentifier, key: GITHUB_SAMPLE.key, is_current: true }]));
    const body = Buffer.from(GITHUB_SAMPLE.body);
    expect(checkGitHubSignature(keys, GITHUB_SAMPLE.keyIdentifier, GITHUB_SAMPLE.signature, body)).toBe('valid');
    expect(checkGitHubSignature(keys, GITHUB_SAMPLE.keyIdentifier, GITHUB_SAMPLE.signature, Buffer.from(GITHUB_SAMPLE.body.replace('some_token', 'some_tokem')))).toBe('invalid');
    expect(checkGitHubSignature(keys, 'f'.repeat(64), GITHUB_SAMPLE.signature, body)).toBe('unknown-key');
    expect(checkGitHubSignature(keys, GITHUB_SAMPLE.keyIdentifier, 'not a signature', body)).toBe('invalid');
    expect(checkGitHubSignature(keys, GITHUB_SAMPLE.keyIdentifier, '', body)).toBe('invalid');
  });

  it('accepts keys that are no longer current, so alerts signed before a rotation still verify', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keys = parseGitHubPublicKeys(
      keysFile([
        { key_identifier: 'old', key: publicKey.export({ type: 'spki', format: 'pem' }), is_current: false },
        { key_identifier: 'new', key: pem('ec'), is_current: true },
      ]),
    );
    const body = Buffer.from('[]');
    expect(checkGitHubSignature(keys, 'old', sign('sha256', body, { key: privateKey, dsaEncoding: 'der' }).toString('base64'), body)).toBe('valid');
  });

  it('says what is wrong with a file that is not GitHub’s keys', () => {
    expect(refusal('<html>rate limited</html>')).toMatch(/not JSON.*api\.github\.com\/meta\/public_keys\/secret_scanning/);
    expect(refusal('{"public_keys": []}')).toMatch(/no "public_keys" list/);
    expect(refusal('null')).toMatch(/no "public_keys" list/);
    expect(refusal(keysFile([{ key: pem('ec') }]))).toMatch(/public_keys\[0\] has no "key_identifier"/);
    expect(refusal(keysFile([{ key_identifier: 'a', key: 'MFkw…' }]))).toMatch(/public_keys\[0\] \("a"\): "key" is not a PEM public key/);
    expect(refusal(keysFile([{ key_identifier: 'a', key: pem('rsa') }]))).toMatch(/"a"\): "key" is not an ECDSA P-256 key/);
  });

  it('stops the start with the setting named when SECRET_SCANNING_PUBLIC_KEYS is missing or not a keys file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'tessera-github-keys-'));
    const missing = join(folder, 'missing.json');
    const invalid = join(folder, 'invalid.json');
    const valid = join(folder, 'keys.json');
    writeFileSync(invalid, '{"public_keys": "none"}');
    writeFileSync(valid, keysFile([{ key_identifier: 'k', key: pem('ec'), is_current: true }]));
    const refused = (path: string) => {
      try {
        loadConfig({ SECRET_SCANNING_PUBLIC_KEYS: path });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error(`expected ${path} to be refused`);
    };
    expect(refused(missing)).toBe(`SECRET_SCANNING_PUBLIC_KEYS: ${missing}: cannot be read (ENOENT)`);
    expect(refused(invalid)).toMatch(/^SECRET_SCANNING_PUBLIC_KEYS: .*invalid\.json: has no "public_keys" list/);
    expect(loadConfig({ SECRET_SCANNING_PUBLIC_KEYS: valid }).secretScanning).toEqual({ publicKeysFile: valid, action: 'revoke' });
    expect(loadConfig({}).secretScanning).toEqual({ publicKeysFile: null, action: 'revoke' });
    expect(() => loadConfig({ SECRET_SCANNING_ACTION: 'delete' })).toThrow(/SECRET_SCANNING_ACTION: expected one of revoke, flag/);
  });
});
