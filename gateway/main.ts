import { ConfigError } from '../common/config.ts';
import type { IgnoredEnv } from '../common/foreign-env.ts';
import { PortInUseError } from '../common/http-server.ts';
import { createLogger } from '../common/logger.ts';
import { loadGatewayConfig } from './config.ts';
import { limitHeapGrowth } from './heap.ts';
import { startGateway } from './server.ts';
import { exitWithSupervisor, tellSupervisorListening } from '../common/lifecycle.ts';

const USAGE = `usage: npm run gateway -- [--supergraph schema/supergraph.graphql] [--profile web|mobile] [--port 4000]
                          [--host 127.0.0.1] [--subgraph-url name=url ...] [--config gateway.json]
                          [--expose-rest-calls] [--log-level info]
Every option can also be set as GATEWAY_* environment variables (see README).`;

exitWithSupervisor();
try {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  let ignoredEnv: readonly IgnoredEnv[] = [];
  const config = loadGatewayConfig(process.argv.slice(2), process.env, (ignored) => (ignoredEnv = ignored));
  // Before the supergraph is built: every full collection from here on uses it.
  limitHeapGrowth(config.heapGrowingPercent);
  // Names only: a foreign variable's value may be someone else's secret.
  if (ignoredEnv.length > 0) createLogger(`gateway-${config.profile}`, config.logLevel).warn({ ignoredEnv }, 'GATEWAY_* variables that are not the gateway\'s were ignored (Kubernetes service links or foreign software; see docs/deployment.md)');
  const gateway = await startGateway(config);
  const shutdown = () => void gateway.stop().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // After the handlers: the supervisor may stop us as soon as it hears.
  tellSupervisorListening(gateway.url);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`gateway: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof PortInUseError) {
    console.error(`gateway: ${error.message}`);
    process.exit(1);
  }
  console.error(`gateway: failed to start: ${(error as Error).message}`);
  process.exit(1);
}
