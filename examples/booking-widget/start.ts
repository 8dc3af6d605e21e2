import { startWidgetServer } from './widget-server.js';

/**
 * `npm run widget`: serves the booking widget on its own port, so its calls to
 * the API (`npm start`, port 4000) are cross-origin like on a real site.
 *
 *   WIDGET_PORT=5173  TESSERA_API_URL=http://localhost:4000/graphql  TESSERA_PUBLIC_KEY=pk_test_…
 */
const port = Number(process.env.WIDGET_PORT || 5173);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`WIDGET_PORT: expected a port number, got "${process.env.WIDGET_PORT}"`);
  process.exit(1);
}

const widget = await startWidgetServer({
  port,
  host: process.env.WIDGET_HOST || 'localhost',
  apiUrl: process.env.TESSERA_API_URL || 'http://localhost:4000/graphql',
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
