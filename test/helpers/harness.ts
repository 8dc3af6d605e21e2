/**
 * Integration harness: a real app over a real database (PGlite or PostgreSQL,
 * per tier), driven through `yoga.fetch` like an HTTP client would, with a
 * movable clock and helpers to mint keys with exact scopes.
 */
import { createApp, type App, type AppDependencies } from '../../src/app.js';
import type { ApiKeyEnvironment, ApiKeyType } from '../../src/auth/key-format.js';
import { loadConfig } from '../../src/config/config.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import type { MemberRole } from '../../src/auth/access/scopes.js';
import type { UsageLimitInput } from '../../src/auth/access/key-settings.js';
import { createLogger } from '../../src/lib/logger.js';
import { createOperatorKey } from '../../src/modules/api-keys/key-issuance.js';
import { bootstrapOrganization } from '../../src/modules/organizations/bootstrap.js';
import { addMember } from '../../src/modules/members/members.service.js';
import { createTestDatabase } from './test-database.js';

export type GraphQLResponse<T = Record<string, any>> = {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: Array<{ message: string; path?: string[]; extensions: Record<string, any> }> };
};

export type RequestOptions = {
  key?: string | null;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
};

export type TestOrganization = { organizationId: string; adminMemberId: string; adminKey: string; adminKeyId: string };

export type MakeKeyOptions = {
  organization: TestOrganization;
  scopes: string[];
  type?: ApiKeyType;
  environment?: ApiKeyEnvironment;
  role?: MemberRole;
  allowedOrigins?: string[];
  memberId?: string;
  usageLimit?: UsageLimitInput;
};

/**
 * Suites that are not about limits should not trip over them (a suite may
 * well send more than 100 requests a minute with one test key). Limit suites
 * pass their own values, or '' to get the production defaults.
 */
const RELAXED_LIMITS: Record<string, string> = {
  RATE_LIMIT_LIVE_PER_MINUTE: '1000000',
  RATE_LIMIT_TEST_PER_MINUTE: '1000000',
  ORG_CONCURRENCY_LIMIT: '100000',
  FIELD_RATE_LIMITS: 'off',
  PUBLIC_BOOKINGS_PER_EMAIL_PER_DAY: '1000000',
  PUBLIC_BOOKINGS_PER_ADDRESS_PER_DAY: '1000000',
};

/**
 * Background work that would otherwise run at every app's start, racing a
 * suite's own queries. Suites about it turn it back on or call it directly.
 */
const QUIET_BACKGROUND: Record<string, string> = {
  RETENTION_INTERVAL_MS: '0',
  KEY_SCOPE_REVIEW_INTERVAL_MS: '0',
};

/** How a suite's harness differs from the default one. */
export type HarnessOptions = {
  /** Configuration on top of the relaxed limits, as environment variables. */
  env?: Record<string, string>;
  /** Replaces app dependencies for one suite, e.g. a capturing logger, staged DNS answers or an in-memory span exporter's provider. */
  deps?: Partial<Pick<AppDependencies, 'logger' | 'resolveHost' | 'tracerProvider'>>;
};

/** A started harness: its database, its app, and the siblings started on that database. */
type Running = { database: DatabaseHandle; app: App; siblings: App[] };

export class TestHarness {
  /** Tests move this to expire keys or pass grace periods. */
  clock = new Date();
  private organizations = 0;
  private running: Running | undefined;

  /** Not started yet: `open()` starts it (describeIntegration does, before the suite's own hooks). */
  constructor(private readonly options: HarnessOptions = {}) {}

  /** A started harness, for a test that needs one of its own next to the suite's. */
  static async start(env: HarnessOptions['env'] = {}, deps: HarnessOptions['deps'] = {}): Promise<TestHarness> {
    const harness = new TestHarness({ env, deps });
    await harness.open();
    return harness;
  }

  async open(): Promise<void> {
    const database = await createTestDatabase();
    try {
      this.running = { database, app: await this.appOn(database, {}), siblings: [] };
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  /**
   * Another instance of the app on the same database, configured as the first plus `env`
   * (e.g. a setting switched off, to compare); stopped with the harness.
   */
  async sibling(env: Record<string, string>): Promise<App> {
    const app = await this.appOn(this.database, env);
    this.started().siblings.push(app);
    return app;
  }

  private appOn(database: DatabaseHandle, env: Record<string, string>): Promise<App> {
    return createApp(loadConfig({ DATABASE_URL: 'memory://', ...RELAXED_LIMITS, ...QUIET_BACKGROUND, ...this.options.env, ...env }), {
      database,
      logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
      now: () => this.clock,
      ...this.options.deps,
    });
  }

  get database(): DatabaseHandle {
    return this.started().database;
  }

  get app(): App {
    return this.started().app;
  }

  get db() {
    return this.database.db;
  }

  advance(ms: number): void {
    this.clock = new Date(this.clock.getTime() + ms);
  }

  /** Stops the app, then closes its database; nothing to do if it never started (its start failed and says why). */
  async stop(): Promise<void> {
    if (!this.running) return;
    for (const sibling of this.running.siblings) await sibling.stop();
    await this.running.app.stop();
    await this.running.database.close();
  }

  private started(): Running {
    if (!this.running) {
      throw new Error('The harness is not started: use it in hooks and tests, not while the suite is being collected.');
    }
    return this.running;
  }

  async request<T = Record<string, any>>(query: string, options: RequestOptions = {}): Promise<GraphQLResponse<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    const response = await this.app.yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables: options.variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T>['body'] };
  }

  /** A fresh organization with an admin and a full-access key in the given world. */
  async organization(environment: ApiKeyEnvironment = 'TEST'): Promise<TestOrganization> {
    const made = await bootstrapOrganization(
      this.db,
      { organizationName: `Org ${++this.organizations}`, adminEmail: `admin${this.organizations}@example.com`, environment },
      this.clock,
      'test',
    );
    return {
      organizationId: made.organization.id,
      adminMemberId: made.member.id,
      adminKey: made.secret,
      adminKeyId: made.apiKey.id,
    };
  }

  /** A key with exactly these scopes, owned by a new member of the given role (admin by default). */
  async makeKey(options: MakeKeyOptions): Promise<{ id: string; secret: string; memberId: string }> {
    const memberId =
      options.memberId ??
      (
        await addMember(
          this.db,
          options.organization.organizationId,
          { email: `m${Math.random().toString(36).slice(2)}@example.com`, role: options.role ?? 'ADMIN' },
          this.clock,
        )
      ).id;
    const { apiKey, secret } = await createOperatorKey(
      this.db,
      { organizationId: options.organization.organizationId, memberId },
      {
        name: 'test key',
        type: options.type ?? 'SECRET',
        environment: options.environment ?? 'TEST',
        scopes: options.scopes,
        expiresIn: 'NEVER',
        allowedOrigins: options.allowedOrigins ?? [],
        usageLimit: options.usageLimit ?? null,
      },
      this.clock,
      'test',
    );
    return { id: apiKey.id, secret, memberId };
  }
}
