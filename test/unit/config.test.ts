import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig } from '../../src/config/config.js';
import { listSettings } from '../../src/config/setting.js';
import { SETTINGS } from '../../src/config/settings.js';
import { parseDatabaseUrl } from '../../src/db/client.js';

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('configuration', () => {
  it('runs with no configuration at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      databaseUrl: DEFAULT_DATABASE_URL,
      logLevel: 'info',
      trustProxy: false,
      auditFlushIntervalMs: 1000,
      auditMaxBuffered: 10_000,
      lastUsedWriteIntervalMs: 60_000,
    });
    expect(DEFAULT_DATABASE_URL).toBe('file://.data/pglite');
  });

  it('makes a demo organization only on the zero-configuration start, unless BOOTSTRAP_DEMO says otherwise', () => {
    expect(loadConfig({}).bootstrapDemo).toBe(true);
    expect(loadConfig({ DATABASE_URL: '' }).bootstrapDemo).toBe(true);
    expect(loadConfig({ BOOTSTRAP_DEMO: 'false' }).bootstrapDemo).toBe(false);
    // A database someone chose, even the default folder spelled out, is for real use.
    expect(loadConfig({ DATABASE_URL: DEFAULT_DATABASE_URL }).bootstrapDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'memory://' }).bootstrapDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/tessera', ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }).bootstrapDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/tessera', ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'), BOOTSTRAP_DEMO: 'true' }).bootstrapDemo).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: 'memory://',
      LOG_LEVEL: 'debug',
      TRUST_PROXY: 'true',
      AUDIT_FLUSH_INTERVAL_MS: '250',
      AUDIT_MAX_BUFFERED: '500',
      LAST_USED_WRITE_INTERVAL_MS: '5000',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      databaseUrl: 'memory://',
      logLevel: 'debug',
      trustProxy: true,
      auditFlushIntervalMs: 250,
      auditMaxBuffered: 500,
      lastUsedWriteIntervalMs: 5000,
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', '4000\nX=1'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['DATABASE_URL', 'file://'],
    ['DATABASE_URL', '.data/pglite'],
    ['LOG_LEVEL', 'loud'],
    ['TRUST_PROXY', 'yes'],
    ['BOOTSTRAP_DEMO', 'yes'],
    ['AUDIT_FLUSH_INTERVAL_MS', '0'],
    ['AUDIT_MAX_BUFFERED', '5'],
    ['LAST_USED_WRITE_INTERVAL_MS', 'often'],
  ])('refuses %s=%j with one line naming the variable', (variable, value) => {
    const error = refusal({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('does not echo a refused DATABASE_URL beyond its scheme (it may hold a password)', () => {
    const error = refusal({ DATABASE_URL: 'mysql://admin:hunter2@db.internal/tessera' });
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('mysql');
  });

  it('understands postgres://, postgresql://, memory:// and file://PATH', () => {
    expect(parseDatabaseUrl('postgres://u@h:5432/db')).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/db' });
    expect(parseDatabaseUrl('postgresql://u@h/db').kind).toBe('postgres');
    expect(parseDatabaseUrl('memory://')).toEqual({ kind: 'pglite-memory' });
    expect(parseDatabaseUrl('file://.data/pglite')).toEqual({ kind: 'pglite-dir', path: '.data/pglite' });
    expect(parseDatabaseUrl('file:///var/lib/tessera')).toEqual({ kind: 'pglite-dir', path: '/var/lib/tessera' });
  });
});

describe('the settings table', () => {
  it('declares each variable once', () => {
    const variables = listSettings(SETTINGS).map((setting) => setting.variable);
    expect(variables.length).toBeGreaterThan(25);
    expect(new Set(variables).size).toBe(variables.length);
  });

  it('gives a refusal in the same words for every integer setting', () => {
    for (const setting of listSettings(SETTINGS).filter((s) => s.accepts.startsWith('integer'))) {
      expect(() => setting.read({ [setting.variable]: 'many' })).toThrow(new RegExp(`^${setting.variable}: expected an integer from \\d+ to \\d+, got "many"$`));
    }
  });
});
