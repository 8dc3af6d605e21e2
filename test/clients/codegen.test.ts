/**
 * schema.graphql is consumable: GraphQL Code Generator's client preset turns it
 * and the booking widget's operations (examples/booking-widget/src) into typed
 * documents, and `tsc` accepts them together with a small program that uses
 * them through graphql-request and checks the widget's hand-written types
 * against the generated ones. The widget's own generated documents and
 * trusted-document manifest, committed, are what its codegen.ts builds.
 * Everything is generated in a temporary folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import widgetCodegen, { WIDGET_GQL_FOLDER, widgetOutput } from '../../examples/booking-widget/codegen.js';
import { ROOT } from '../helpers/processes.js';

const widgetOperations = join(ROOT, 'examples/booking-widget/src/operations.ts');

/** Uses the generated documents the way an application would; `tsc` must accept it, and reject the marked lines. */
const USAGE = `
import { GraphQLClient } from 'graphql-request';
import type { Booking, EventType, Slot } from ${JSON.stringify(widgetOperations.replace(/\.ts$/, '.js'))};
// The preset's unmasking function (a plain function, named like a React hook).
import { useFragment as unmask } from './gql/fragment-masking';
import { graphql } from './gql/gql';
import { WidgetBookingFragmentDoc, WidgetEventTypesDocument, type WidgetAvailabilityQuery } from './gql/graphql';

export async function widgetCalls(client: GraphQLClient): Promise<EventType[]> {
  const { eventTypes } = await client.request(WidgetEventTypesDocument);
  // The widget's own types agree with what the schema says the operations return.
  const listed: EventType[] = eventTypes?.nodes ?? [];
  const slots: Slot[] = ([] as NonNullable<WidgetAvailabilityQuery['availability']>);
  void slots;
  return listed;
}

export async function book(client: GraphQLClient): Promise<Booking | undefined> {
  const BookDocument = graphql(\`mutation ClientBook($input: CreateBookingInput!) { createBooking(input: $input) { ...WidgetBooking accessToken } }\`);
  const input = { eventTypeId: 'evtype_1', startAt: '2030-01-08T10:00:00Z', attendee: { name: 'Ada', email: 'ada@example.com', timeZone: 'UTC' } };
  const { createBooking } = await client.request(BookDocument, { input });
  // @ts-expect-error attendee is required by CreateBookingInput
  await client.request(BookDocument, { input: { eventTypeId: 'evtype_1', startAt: '2030-01-08T10:00:00Z' } });
  const booking = unmask(WidgetBookingFragmentDoc, createBooking);
  // @ts-expect-error the fragment does not select endAt
  void booking?.endAt;
  return booking ?? undefined;
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2023', 'DOM'],
    types: [],
    strict: true,
    isolatedModules: true,
    skipLibCheck: true,
    noEmit: true,
  },
  files: ['usage.ts'],
};

function typeCheck(dir: string): Promise<{ code: number | null; output: string }> {
  const tsc = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  tsc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  tsc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    tsc.once('error', reject);
    tsc.once('close', (code) => resolve({ code, output }));
  });
}

describe('GraphQL Code Generator on schema.graphql and the booking widget', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-codegen-'));
    // The generated code imports packages: they resolve from the repository's node_modules.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'usage.ts'), USAGE);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('generates a typed document for every widget operation and fragment', async () => {
    await generate(
      {
        cwd: dir,
        schema: join(ROOT, 'schema.graphql'),
        // The usage file holds one document of its own, written with the generated graphql() function.
        documents: [widgetOperations, join(dir, 'usage.ts')],
        generates: { [join(dir, 'gql/')]: { preset: 'client', config: { scalars: { DateTime: 'string', JSON: 'unknown' } } } },
        silent: true,
      },
      true,
    );
    const generated = readFileSync(join(dir, 'gql/graphql.ts'), 'utf8');
    for (const name of ['WidgetEventTypesDocument', 'WidgetAvailabilityDocument', 'WidgetBookDocument', 'WidgetMyBookingsDocument', 'WidgetBookingFragmentDoc', 'ClientBookDocument']) {
      expect(generated).toContain(`export const ${name} =`);
    }
  });

  it('type-checks the generated code and a program using it with tsc --noEmit', async () => {
    const { code, output } = await typeCheck(dir);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it("keeps the widget's committed documents and manifest as its codegen.ts builds them (npm run widget:codegen)", async () => {
    const built = join(dir, 'widget-gql/');
    await generate({ ...widgetCodegen, cwd: ROOT, generates: { [built]: widgetOutput }, silent: true }, true);
    const committed = join(ROOT, WIDGET_GQL_FOLDER);
    expect(readdirSync(built).sort()).toEqual(readdirSync(committed).sort());
    for (const file of readdirSync(committed)) {
      expect(readFileSync(join(built, file), 'utf8'), `${WIDGET_GQL_FOLDER}${file} is stale: run npm run widget:codegen`).toBe(readFileSync(join(committed, file), 'utf8'));
    }
  });
});
