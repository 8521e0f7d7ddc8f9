import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendantsOf, listProcesses } from '../../scripts/lib/processes.ts';
import { Supervisor } from '../../scripts/lib/supervisor.ts';
import { occupy } from '../support/ports.ts';
import { waitFor } from '../support/wait.ts';

/**
 * `npm start` as a newcomer, an IDE or a process manager uses it: the real launcher and
 * its real children, on ports the OS picks. Every way of stopping it must leave no
 * process behind.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const FREE_PORTS = ['--web-port', '0', '--mobile-port', '0', '--subgraph-base-port', '0', '--rest-base-port', '0'];
/** A small stack for the stop tests: one REST service and its subgraph. */
const SMALL = [...FREE_PORTS, '--only', 'rest-catalog,subgraph-catalog'];

interface Started {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
after(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
});

/** `node scripts/start.ts`, or `npm start` itself (`viaNpm`), in a session of its own as a terminal would. */
function start(args: readonly string[], options: { viaNpm?: boolean } = {}): Started {
  const [command, argv] = options.viaNpm ? ['npm', ['start', '--', ...args]] : [process.execPath, ['scripts/start.ts', ...args]];
  const child = spawn(command as string, argv as string[], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output, exited: once(child, 'exit').then(([code]) => code as number | null) };
}

async function printed(s: Started, text: string | RegExp, timeoutMs = 120_000): Promise<void> {
  const found = () => (typeof text === 'string' ? s.output().includes(text) : text.test(s.output()));
  await waitFor(() => found() || s.child.exitCode !== null, timeoutMs).catch(() => undefined);
  if (!found()) assert.fail(`${String(text)} was not printed within ${timeoutMs} ms; output:\n${s.output()}`);
}

/** Every process below `root` (the launcher, or npm), once everything is up. */
function tree(root: number): number[] {
  return descendantsOf(root).map((p) => p.pid);
}

async function noneLeft(pids: readonly number[]): Promise<void> {
  const alive = () => {
    const live = new Set(listProcesses().map((p) => p.pid));
    return pids.filter((pid) => live.has(pid));
  };
  await waitFor(() => alive().length === 0, 20_000).catch(() => assert.fail(`processes left behind: ${alive().join(', ')}`));
}

describe('npm start', () => {
  it('starts every process, prints URLs, a token and curl commands, serves the front page on both gateways, restarts a process that dies, and stops cleanly on Ctrl-C', async () => {
    const s = start(FREE_PORTS);
    await printed(s, 'storefront-bff is running');
    const out = s.output();
    const web = /web gateway +(http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(out)?.[1];
    const mobile = /mobile gateway +(http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(out)?.[1];
    const token = /export TOKEN=(\S+)/.exec(out)?.[1];
    assert.ok(web && mobile && token, out);
    assert.match(out, /ready in \d+\.\d s/);
    assert.match(out, /Front page[\s\S]*curl -s/);
    assert.match(out, /Add to cart[\s\S]*curl -s/);
    const mobileBody = /Mobile sends[\s\S]*?-d '([^']+)'/.exec(out)?.[1];
    assert.ok(mobileBody, 'the mobile persisted-query curl is printed');

    const post = async (url: string, body: string) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
      const text = await response.text();
      return { ...(JSON.parse(text) as { data?: { me?: { id: string } }; errors?: unknown[] }), text };
    };
    const page = await post(web, JSON.stringify({ query: '{ me { id } featuredProducts { id price { onSale } } }' }));
    assert.equal(page.data?.me?.id, 'user-0001', `${page.text}\n${s.output()}`);
    // The printed mobile command, as printed: a persisted-query id, no query text.
    const byId = await post(mobile, mobileBody);
    assert.equal(byId.errors, undefined, byId.text);
    assert.equal(byId.data?.me?.id, 'user-0001');

    // A subgraph dies: it is restarted and serves again; the rest stayed up.
    const before = tree(s.child.pid!);
    assert.equal(before.length, 12, `twelve children: ${before.join(', ')}`);
    const catalog = listProcesses().find((p) => before.includes(p.pid) && p.command.includes('--subgraph catalog'))!;
    process.kill(catalog.pid, 'SIGKILL');
    await printed(s, /subgraph-catalog exited \(SIGKILL\); restarting it in [\d.]+ s/);
    await printed(s, 'subgraph-catalog is ready again (restart 1)');
    const again = await post(web, JSON.stringify({ query: '{ featuredProducts { id name } }' }));
    assert.equal(again.errors, undefined, again.text);

    const all = tree(s.child.pid!);
    process.kill(s.child.pid!, 'SIGINT');
    assert.equal(await s.exited, 0);
    await noneLeft(all);
  });

  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`leaves no process behind when npm itself gets ${signal} (what an IDE's stop button or a closed terminal does)`, async () => {
      const s = start(SMALL, { viaNpm: true });
      await printed(s, 'storefront-bff is running');
      const all = tree(s.child.pid!);
      assert.ok(all.length >= 3, `launcher and two children under npm: ${all.join(', ')}`);
      process.kill(s.child.pid!, signal);
      await noneLeft(all);
    });
  }

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`leaves no process behind when the launcher gets ${signal}`, async () => {
      const s = start(SMALL);
      await printed(s, 'storefront-bff is running');
      const all = tree(s.child.pid!);
      process.kill(s.child.pid!, signal);
      assert.equal(await s.exited, 0);
      await noneLeft(all);
    });
  }

  it('leaves no process behind when the launcher is killed outright (SIGKILL): the children notice and stop', async () => {
    const s = start(SMALL);
    await printed(s, 'storefront-bff is running');
    const children = tree(s.child.pid!);
    assert.equal(children.length, 2);
    process.kill(s.child.pid!, 'SIGKILL');
    await noneLeft(children);
  });

  it('with --fail-fast, stops everything and exits 1 naming the process that died', async () => {
    const s = start([...SMALL, '--fail-fast']);
    await printed(s, 'storefront-bff is running');
    const children = tree(s.child.pid!);
    const rest = listProcesses().find((p) => children.includes(p.pid) && p.command.includes('--service catalog'))!;
    process.kill(rest.pid, 'SIGKILL');
    assert.equal(await s.exited, 1);
    assert.match(s.output(), /rest-catalog exited \(SIGKILL\)/);
    await noneLeft(children);
  });

  it('when not ready in time, says which process, what it waited for and what it printed, then stops everything', async () => {
    const s = start([...SMALL, '--ready-timeout', '0']);
    assert.equal(await s.exited, 1);
    const out = s.output();
    assert.match(out, /not ready after 0 s \(--ready-timeout\): .*subgraph-catalog/);
    assert.match(out, /subgraph-catalog: (running \(pid \d+.*\)|not running); waiting for http:\/\/127\.0\.0\.1:\d+\/health to answer 2xx, last answer: /);
    assert.match(out, /its output \(logs\/subgraph-catalog\.log\):\n {4}\S/, 'its output, or a line saying there was none yet');
  });

  it('does not take another program that answers on a process\'s port for that process: it is not ready, and its EADDRINUSE is reported', async () => {
    // The window between the launcher finding a port free and its child binding it, made
    // wide: another HTTP server holds the port and answers every health probe with 200.
    const impostor = createServer((_request, response) => response.end('{"status":"UP"}'));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    const port = (impostor.address() as { port: number }).port;
    const supervisor = new Supervisor([{ name: 'rest-catalog', entry: 'services/main.ts', args: ['--service', 'catalog', '--port', String(port)], health: `http://127.0.0.1:${port}/health` }], {
      logDir: mkdtempSync(join(tmpdir(), 'supervisor-')),
      env: process.env,
      failFast: true,
      say: () => undefined,
    });
    try {
      supervisor.start();
      const outcome = await Promise.race([supervisor.ready(60_000).then(() => 'ready'), supervisor.failed]);
      assert.match(outcome, /^rest-catalog exited \(code 1\)/);
      assert.match(outcome, new RegExp(`${port}.*in use`));
    } finally {
      await supervisor.stop();
      impostor.close();
    }
  });

  it('exits non-zero with a clear message when a port is taken', async () => {
    const blocker = await occupy(0);
    const port = (blocker.address() as { port: number }).port;
    try {
      const s = start(['--web-port', '0', '--mobile-port', '0', '--rest-base-port', '0', '--subgraph-base-port', String(port - 2)]);
      assert.equal(await s.exited, 1);
      assert.match(s.output(), new RegExp(`port ${port} \\(subgraph-catalog\\) is already in use`));
    } finally {
      blocker.close();
    }
  });
});
