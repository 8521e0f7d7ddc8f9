import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseFlags } from '../common/config.ts';
import { ManifestError, parseManifest } from '../gateway/admission/persisted-queries/manifest.ts';
import { PROFILE_NAMES } from '../gateway/profiles.ts';

const USAGE = `usage: npm run pq:release -- --client web|mobile --version <version>

Records that an app version shipped: copies the client's current persisted-query manifest
(persisted-queries/manifests/<client>.json) to persisted-queries/releases/<client>/<version>.json.
The gateway serves every release's operations, and \`npm run schema:check\` checks them all,
until the file is deleted (when no supported app version sends them any more).
A shipped release never changes: an existing file is refused.
Exit codes: 0 recorded, 2 usage or input error.`;

const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

function main(): number {
  const flags = parseFlags(process.argv.slice(2), { client: { type: 'string' }, version: { type: 'string' }, help: { type: 'boolean' } });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (!(PROFILE_NAMES as readonly (string | undefined)[]).includes(flags.client)) problems.push(`--client: expected ${PROFILE_NAMES.join(' or ')}, received ${JSON.stringify(flags.client ?? null)}`);
  if (flags.version === undefined || !VERSION.test(flags.version)) problems.push(`--version: expected a version such as 4.12.0, received ${JSON.stringify(flags.version ?? null)}`);
  if (problems.length > 0) throw new ConfigError('command-line', problems);
  const source = join('persisted-queries', 'manifests', `${flags.client}.json`);
  const target = join('persisted-queries', 'releases', flags.client!, `${flags.version}.json`);
  try {
    parseManifest(readFileSync(source, 'utf8'), source);
  } catch (error) {
    if (error instanceof ManifestError) throw new ConfigError('input', error.problems.map((p) => `${source}: ${p}`));
    throw new ConfigError('input', [`${source}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  if (existsSync(target)) throw new ConfigError('input', [`${target} already exists: a shipped release never changes`]);
  mkdirSync(join('persisted-queries', 'releases', flags.client!), { recursive: true });
  copyFileSync(source, target);
  console.log(`wrote ${target}`);
  return 0;
}

try {
  process.exit(main());
} catch (error) {
  console.error(error instanceof ConfigError ? `${error.message}\n\n${USAGE}` : `pq:release: ${(error as Error).message}`);
  process.exit(2);
}
