import { ConfigError, parseFlags } from '../common/config.ts';
import { mintDevToken } from '../common/dev-token.ts';

// Prints a development bearer token for a seeded user:
//   npm run token -- --user user-0042 [--expires-in 1h]
try {
  const flags = parseFlags(process.argv.slice(2), { user: { type: 'string' }, 'expires-in': { type: 'string' } });
  const user = flags.user ?? 'user-0001';
  if (!/^user-\d{4}$/.test(user)) throw new ConfigError('command-line', [`--user: expected a seeded user id such as user-0001, received ${JSON.stringify(user)}`]);
  console.log(await mintDevToken(user, { expiresIn: flags['expires-in'] ?? '12h' }));
} catch (error) {
  console.error(`token: ${(error as Error).message}`);
  process.exit(2);
}
