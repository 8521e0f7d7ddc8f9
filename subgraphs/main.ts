import { ConfigError } from '../common/config.ts';
import type { IgnoredEnv } from '../common/foreign-env.ts';
import { PortInUseError } from '../common/http-server.ts';
import { createLogger } from '../common/logger.ts';
import { loadSubgraphConfig } from './shared/config.ts';
import { startSubgraph } from './shared/server.ts';
import { SUBGRAPHS } from './registry.ts';
import { exitWithSupervisor, tellSupervisorListening } from '../common/lifecycle.ts';

// Entry point of one subgraph process:
//   node subgraphs/main.ts --subgraph catalog --port 4202 --rest-url http://127.0.0.1:4302
exitWithSupervisor();
try {
  let ignoredEnv: readonly IgnoredEnv[] = [];
  const config = loadSubgraphConfig(process.argv.slice(2), process.env, (ignored) => (ignoredEnv = ignored));
  if (ignoredEnv.length > 0) createLogger(`subgraph-${config.subgraph}`, config.logLevel).warn({ ignoredEnv }, 'SUBGRAPH_* variables that are not the subgraph\'s were ignored (Kubernetes service links or foreign software)');
  const running = await startSubgraph(SUBGRAPHS[config.subgraph], config);
  const shutdown = () => void running.stop().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // After the handlers: the supervisor may stop us as soon as it hears.
  tellSupervisorListening(running.url);
} catch (error) {
  if (error instanceof ConfigError || error instanceof PortInUseError) {
    console.error(`subgraph: ${error.message}`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  throw error;
}
