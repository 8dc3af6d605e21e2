import { registerWidgetDocuments } from './register-documents.js';
import { startWidgetServer } from './widget-server.js';

/**
 * `npm run widget`: serves the booking widget on its own port, so its calls to
 * the API (`npm start`, port 4000) are cross-origin like on a real site. With
 * TESSERA_SECRET_KEY (a secret key holding keys:manage) it first registers the
 * widget's documents as trusted documents, as a site's deploy step would.
 *
 *   WIDGET_PORT=5173  TESSERA_API_URL=http://localhost:4000/graphql  TESSERA_PUBLIC_KEY=pk_test_…  TESSERA_SECRET_KEY=sk_test_…
 */
const port = Number(process.env.WIDGET_PORT || 5173);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`WIDGET_PORT: expected a port number, got "${process.env.WIDGET_PORT}"`);
  process.exit(1);
}

const apiUrl = process.env.TESSERA_API_URL || 'http://localhost:4000/graphql';
if (process.env.TESSERA_SECRET_KEY) {
  const ids = await registerWidgetDocuments(apiUrl, process.env.TESSERA_SECRET_KEY).catch((error: unknown) => {
    console.error(`TESSERA_SECRET_KEY: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  process.stdout.write(`Registered the widget's ${ids.length} documents as trusted documents.\n`);
}

const widget = await startWidgetServer({
  port,
  host: process.env.WIDGET_HOST || 'localhost',
  apiUrl,
  publicKey: process.env.TESSERA_PUBLIC_KEY || '',
});

process.stdout.write(
  [
    `Booking widget on ${widget.url}`,
    process.env.TESSERA_PUBLIC_KEY
      ? '  using TESSERA_PUBLIC_KEY'
      : `  no key configured: open ${widget.url}?key=pk_test_… or set TESSERA_PUBLIC_KEY`,
    `  its origin, for a pk_live_ key's allowedOrigins: ${widget.origin}`,
    '',
  ].join('\n'),
);

const stop = () => void widget.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
