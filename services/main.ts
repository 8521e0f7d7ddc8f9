/**
 * Runs one stand-in REST service:
 *   node services/main.ts --service catalog --port 5002 [--host 127.0.0.1]
 * Exit codes: 0 after a clean SIGTERM/SIGINT shutdown, 1 if it cannot start (port in use),
 * 2 for bad command-line arguments.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { isServiceName, SERVICE_NAMES } from './service-names.ts';
import { PortInUseError, startRestService, type RestServiceHandle } from './server.ts';
import { exitWithSupervisor, tellSupervisorListening } from '../common/lifecycle.ts';

const USAGE = `usage: services/main.ts --service <${SERVICE_NAMES.join('|')}> --port <0-65535> [--host <address>]
valid flags: --service, --port, --host, --help`;

interface CliArgs {
  service: (typeof SERVICE_NAMES)[number];
  port: number;
  host: string;
}

/** The arguments, or the one-line reason they are wrong. */
export function parseCliArgs(argv: string[]): CliArgs | { help: true } | { error: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        service: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // parseArgs's own message names the offending flag, e.g. "Unknown option '--prot'".
    return { error: (error as Error).message.split('\n')[0]! };
  }
  if (values.help) return { help: true };
  if (values.service === undefined || !isServiceName(values.service)) {
    return { error: `--service: expected one of ${SERVICE_NAMES.join(', ')}, received ${values.service ?? 'nothing'}` };
  }
  const port = values.port !== undefined && /^\d{1,5}$/.test(values.port) ? Number(values.port) : NaN;
  if (!(port >= 0 && port <= 65_535)) {
    return { error: `--port: expected an integer from 0 to 65535, received ${values.port ?? 'nothing'}` };
  }
  return { service: values.service, port, host: values.host };
}

async function main(): Promise<void> {
  exitWithSupervisor();
  const args = parseCliArgs(process.argv.slice(2));
  if ('help' in args) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if ('error' in args) {
    process.stderr.write(`${args.error}\n${USAGE}\n`);
    process.exit(2);
  }

  const log = pino({ base: { service: args.service } });
  let handle: RestServiceHandle;
  try {
    handle = await startRestService({ ...args, logger: true });
  } catch (error) {
    process.stderr.write(`${startFailure(error, args)}\n`);
    process.exit(1);
  }

  const stop = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'rest service stopping');
    handle.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'rest service failed to stop cleanly');
        process.exit(1);
      },
    );
  };
  // `once`: a second signal while draining falls through to Node's default and kills the process.
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Only now: whoever waits for this line may signal us as soon as it appears.
  log.info({ url: handle.url }, 'rest service listening');
  tellSupervisorListening(handle.url);
}

// One line, no stack: the usual causes (port taken, no permission, unknown host) need no trace.
function startFailure(error: unknown, args: CliArgs): string {
  if (error instanceof PortInUseError) return error.message;
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  return `cannot listen on ${args.host}:${args.port} (service ${args.service}): ${code}`;
}

await main();
