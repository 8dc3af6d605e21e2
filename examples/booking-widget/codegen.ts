import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The widget's documents, built by GraphQL Code Generator's client preset
 * (`npm run widget:codegen`, from the repository root): typed documents in
 * src/gql/, and src/gql/persisted-documents.json, the manifest to register as
 * the organization's trusted documents. Each generated document carries only
 * its hash (`replaceDocumentWithHash`): the page sends `documentId`, never a
 * query text, so it runs with a public key held to trusted documents. The
 * generated files are committed (the widget is bundled from them as they
 * are); test/clients/codegen.test.ts fails when they drift from this config.
 */
export const WIDGET_DOCUMENTS = 'examples/booking-widget/src/operations.ts';
export const WIDGET_GQL_FOLDER = 'examples/booking-widget/src/gql/';

export const widgetOutput = {
  preset: 'client',
  presetConfig: {
    // sha256, written `sha256:<hex>`: the ids Tessera computes for registered documents.
    persistedDocuments: { mode: 'replaceDocumentWithHash', hashAlgorithm: 'sha256' },
    fragmentMasking: false,
  },
  config: { scalars: { DateTime: 'string', JSON: 'unknown' }, useTypeImports: true, avoidOptionals: { field: true } },
} satisfies CodegenConfig['generates'][string];

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: [WIDGET_DOCUMENTS],
  generates: { [WIDGET_GQL_FOLDER]: widgetOutput },
};

export default config;
