import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../common/logger.ts';

export type LogRecord = Record<string, unknown> & { readonly msg?: string };

/**
 * A logger whose lines a test can wait for: what a component logs when it
 * tries something (a reload attempted, refused, applied) is an event, so a
 * test awaits it instead of sleeping and hoping the attempt happened.
 */
export function logEvents(level: 'info' | 'warn' = 'info') {
  const records: LogRecord[] = [];
  const waiters: { match: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        const record = JSON.parse(line) as LogRecord;
        records.push(record);
        for (const waiter of waiters.filter((w) => w.match(record))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(record);
        }
      }
      done();
    },
  });
  const logger: Logger = pino({ level }, sink);
  return {
    logger,
    records,
    /** The next line whose message is `msg` (logged after this call), or a failure after `timeoutMs`. */
    next(msg: string, timeoutMs = 5000): Promise<LogRecord> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${msg}" log line within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ match: (r) => r.msg === msg, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
  };
}
