import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../services/main.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs services/main.ts; `whenListening` is called once it has logged its URL. */
function run(args: string[], whenListening?: (url: string, stop: (signal: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let announced = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.includes('"url"'));
      if (line && !announced && whenListening) {
        announced = true;
        whenListening(JSON.parse(line).url, (signal) => child.kill(signal));
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('services/main.ts command line', () => {
  it('rejects an unknown flag with exit code 2 and lists the valid flags', async () => {
    const { code, stderr } = await run(['--service', 'user', '--prot', '5001']);
    assert.equal(code, 2);
    assert.match(stderr, /Unknown option '--prot'/);
    assert.match(stderr, /valid flags: --service, --port, --host, --help/);
  });

  it('rejects an unknown service name or a bad port with exit code 2', async () => {
    assert.equal((await run(['--service', 'orders', '--port', '5001'])).code, 2);
    const badPort = await run(['--service', 'user', '--port', '70000']);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port: expected an integer from 0 to 65535, received 70000/);
  });

  it('logs one JSON line with its URL, serves, and exits 0 on SIGTERM', async () => {
    let health: unknown;
    const result = await run(['--service', 'pricing', '--port', '0'], (url, stop) => {
      void fetch(`${url}/health`)
        .then((r) => r.json())
        .then((body) => {
          health = body;
          stop('SIGTERM');
        });
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepStrictEqual(health, { status: 'ok', service: 'pricing' });
    const first = JSON.parse(result.stdout.split('\n')[0]!);
    assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(first.service, 'pricing');
  });

  it('exits 0 on SIGINT too', async () => {
    const result = await run(['--service', 'user', '--port', '0'], (_url, stop) => stop('SIGINT'));
    assert.equal(result.code, 0, result.stderr);
  });

  it('says in one line that the port is taken and exits 1, without a stack trace', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await run(['--service', 'catalog', '--port', String(port)]);
      assert.equal(code, 1);
      assert.equal(stderr, `port ${port} is already in use (service catalog)\n`);
    } finally {
      blocker.close();
    }
  });
});
