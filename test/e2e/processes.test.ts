import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { occupy } from '../support/ports.ts';

/**
 * The commands a newcomer types, run as real processes: the standalone gateway CLI,
 * composition and the token script (`npm start`: start.test.ts).
 */
const ROOT = new URL('../../', import.meta.url).pathname;

interface Run {
  output: () => string;
  hasExited: () => boolean;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
}

function run(script: string, args: string[]): Run {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  child.once('exit', () => (exited = true));
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return {
    output: () => output,
    hasExited: () => exited,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    kill: (signal) => child.kill(signal),
  };
}

async function waitForOutput(r: Run, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!r.output().includes(text)) {
    if (Date.now() > deadline || r.hasExited()) assert.fail(`"${text}" not printed (within ${timeoutMs} ms, before exit); output:\n${r.output()}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('gateway CLI', () => {
  it('lists every configuration problem and exits 2', async () => {
    const r = run('gateway/main.ts', ['--profile', 'tablet', '--port', 'abc']);
    assert.equal(await r.exited, 2);
    assert.match(r.output(), /profile: .*received "tablet"/);
    assert.match(r.output(), /port: .*received "abc"/);
    assert.doesNotMatch(r.output(), /\n\s+at /, 'no stack trace');
  });

  it('starts alone on a supergraph file and profile, and stops on SIGTERM', async () => {
    const r = run('gateway/main.ts', ['--supergraph', 'schema/supergraph.graphql', '--profile', 'mobile', '--port', '0']);
    await waitForOutput(r, 'gateway ready', 30_000);
    const url = /"url":"([^"]+)"/.exec(r.output())![1]!;
    const health = await fetch(url.replace('/graphql', '/health?ready=true'));
    assert.equal(health.status, 200);
    r.kill('SIGTERM');
    assert.equal(await r.exited, 0);
  });

  it('exits 1 with a message when its port is taken', async () => {
    const blocker = await occupy(0);
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = run('gateway/main.ts', ['--port', String(port)]);
      assert.equal(await r.exited, 1);
      assert.match(r.output(), new RegExp(`port ${port} is already in use`));
    } finally {
      blocker.close();
    }
  });
});

describe('npm run compose', () => {
  it('reports composition errors with their codes and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    writeFileSync(join(dir, 'a.graphql'), 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])\ntype Query { a: Thing }\ntype Thing { id: ID! }\n');
    writeFileSync(join(dir, 'b.graphql'), 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])\ntype Query { b: Thing }\ntype Thing { id: Int! }\n');
    writeFileSync(join(dir, 'rover.yaml'), 'federation_version: =2.14.4\nsubgraphs:\n  a:\n    routing_url: http://127.0.0.1:1/graphql\n    schema:\n      file: ./a.graphql\n  b:\n    routing_url: http://127.0.0.1:2/graphql\n    schema:\n      file: ./b.graphql\n');
    const r = run('schema/compose-cli.ts', ['--config', join(dir, 'rover.yaml'), '--output', join(dir, 'out.graphql')]);
    assert.equal(await r.exited, 1);
    assert.match(r.output(), /composition failed with \d+ error/);
    assert.match(r.output(), /\[(INVALID_FIELD_SHARING|FIELD_TYPE_MISMATCH)\]/);
  });

  it('--check exits 1 for a stale supergraph and 0 for the committed one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    writeFileSync(join(dir, 'stale.graphql'), 'type Query { old: String }');
    const stale = run('schema/compose-cli.ts', ['--check', '--output', join(dir, 'stale.graphql')]);
    assert.equal(await stale.exited, 1);
    assert.match(stale.output(), /is stale: run `npm run compose`/);
    const fresh = run('schema/compose-cli.ts', ['--check']);
    assert.equal(await fresh.exited, 0);
  });

  it('exits 2 on a missing config file', async () => {
    const r = run('schema/compose-cli.ts', ['--config', '/nonexistent/rover.yaml']);
    assert.equal(await r.exited, 2);
    assert.match(r.output(), /cannot be read \(ENOENT\)/);
  });
});

describe('npm run token', () => {
  it('prints a development token for a seeded user', async () => {
    const r = run('scripts/token.ts', ['--user', 'user-0042']);
    assert.equal(await r.exited, 0);
    const [, payload] = r.output().trim().split('.');
    assert.equal((JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { sub: string }).sub, 'user-0042');
  });

  it('refuses something that is not a seeded user id', async () => {
    const r = run('scripts/token.ts', ['--user', 'admin']);
    assert.equal(await r.exited, 2);
    assert.match(r.output(), /expected a seeded user id/);
  });
});
