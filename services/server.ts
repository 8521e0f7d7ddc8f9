import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Dataset } from './data/types.ts';
import { getDataset } from './data/seed.ts';
import { createRestApp, type RecordedCall } from './app.ts';
import { isServiceName, SERVICE_NAMES, type ServiceName } from './service-names.ts';

export { SERVICE_NAMES, type ServiceName } from './service-names.ts';
export type { RecordedCall } from './app.ts';

export interface StartRestServiceOptions {
  service: ServiceName;
  /** 0 picks a free port; the handle reports the real one. */
  port: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** JSON logs of errors (pino, level warn); no per-request or lifecycle lines. Default false. */
  logger?: boolean;
  /** Clock for "active" promotions and cart timestamps. Default: the real clock. */
  now?: () => Date;
  /** Default: the process-wide getDataset(). */
  dataset?: Dataset;
}

export interface RestServiceHandle {
  readonly name: ServiceName;
  /** e.g. http://127.0.0.1:54321, with the real port even when started on port 0. */
  readonly url: string;
  readonly port: number;
  /**
   * Every request except GET /health, in arrival order. resetCalls() empties this same
   * array, so a reference taken earlier stays live.
   */
  readonly calls: RecordedCall[];
  resetCalls(): void;
  /** Stops accepting connections and resolves once in-flight requests have finished. Idempotent. */
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  readonly port: number;
  readonly service: ServiceName;
  constructor(port: number, service: ServiceName) {
    super(`port ${port} is already in use (service ${service})`);
    this.port = port;
    this.service = service;
    this.name = 'PortInUseError';
  }
}

export async function startRestService(options: StartRestServiceOptions): Promise<RestServiceHandle> {
  const { service, port, host = '127.0.0.1' } = options;
  if (!isServiceName(service)) {
    throw new TypeError(`service: expected one of ${SERVICE_NAMES.join(', ')}, received ${JSON.stringify(service)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError(`port: expected an integer from 0 to 65535, received ${String(port)}`);
  }

  const calls: RecordedCall[] = [];
  const app = await createRestApp({
    service,
    dataset: options.dataset ?? getDataset(),
    now: options.now ?? (() => new Date()),
    logger: options.logger ?? false,
    calls,
  });
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port, service);
    throw error;
  }

  const actualPort = (app.server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    name: service,
    url: `http://${urlHost(host)}:${actualPort}`,
    port: actualPort,
    calls,
    resetCalls: () => {
      calls.length = 0;
    },
    close: () => (closing ??= closeApp(app)),
  };
}

async function closeApp(app: FastifyInstance): Promise<void> {
  await app.close();
}

// A wildcard bind address is not something a client can connect to.
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
