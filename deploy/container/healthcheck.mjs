// The image's HEALTHCHECK: liveness (/health) of the gateway in this container.
// Plain JavaScript with no imports, so it starts in tens of milliseconds.
// Exit 0 when healthy, 1 otherwise (Docker treats any other code as reserved).
const port = process.env.GATEWAY_PORT ?? '4000';
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2500) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
