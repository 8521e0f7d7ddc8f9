import { writeFileSync } from 'node:fs';
import { ConfigError, parseFlags } from '../common/config.ts';
import { composeSupergraph, formatSdlLocation } from './compose.ts';
import { loadRoverConfig } from './rover-config.ts';

const USAGE = `usage: npm run compose -- [--config rover.yaml] [--output schema/supergraph.graphql] [--check]

Composes the subgraph schemas named in a Rover supergraph config with @apollo/composition
and writes the supergraph SDL the gateway loads.
  --config  Rover supergraph config (default: rover.yaml)
  --output  where to write the supergraph (default: schema/supergraph.graphql); "-" for stdout
  --check   write nothing; exit 1 if the output file is not what composition produces now
Exit codes: 0 composed, 1 composition failed or --check found a stale file, 2 usage or input error.`;

export const DEFAULT_SUPERGRAPH_PATH = 'schema/supergraph.graphql';

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), {
    config: { type: 'string' },
    output: { type: 'string' },
    check: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const output = flags.output ?? DEFAULT_SUPERGRAPH_PATH;
  const outcome = composeSupergraph(loadRoverConfig(flags.config ?? 'rover.yaml'));
  if (!outcome.ok) {
    console.error(`composition failed with ${outcome.errors.length} error(s):`);
    for (const e of outcome.errors) {
      console.error(`  [${e.code}] ${e.message}${e.locations.length ? `\n      at ${e.locations.map(formatSdlLocation).join(', ')}` : ''}`);
    }
    return 1;
  }
  for (const hint of outcome.hints) console.error(`hint: ${hint}`);
  if (output === '-') {
    process.stdout.write(outcome.supergraphSdl);
    return 0;
  }
  if (flags.check) {
    const { readFileSync } = await import('node:fs');
    let current = '';
    try {
      current = readFileSync(output, 'utf8');
    } catch {
      // a missing file is simply stale
    }
    if (current === outcome.supergraphSdl) {
      console.log(`${output} is up to date`);
      return 0;
    }
    console.error(`${output} is stale: run \`npm run compose\` and commit the result`);
    return 1;
  }
  writeFileSync(output, outcome.supergraphSdl);
  console.log(`wrote ${output}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      console.error(`\n${USAGE}`);
      process.exit(2);
    }
    console.error(`compose: ${(error as Error).message}`);
    process.exit(2);
  },
);
