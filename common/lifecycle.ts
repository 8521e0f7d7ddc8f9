/**
 * A process started by a supervisor with an IPC channel (`npm start` does) goes when the
 * supervisor goes: the channel closes whenever the supervisor exits, even by SIGKILL, and
 * this process then shuts down as on SIGTERM (draining first). Without it, killing the
 * launcher left every child running, re-parented to PID 1. Linux's PR_SET_PDEATHSIG would
 * do the same, but Node does not expose it.
 */
export function exitWithSupervisor(): void {
  if (!process.channel) return;
  // The channel must not keep this process alive by itself.
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

/** What a supervised process tells its supervisor once its server is bound. */
export interface ListeningMessage {
  readonly storefront: 'listening';
  readonly url: string;
}

/**
 * Tells the supervisor (if any) that this process, and not some other one, now holds
 * its port. A health probe alone cannot tell: between the launcher finding a port free
 * and this process binding it, another program may take it and answer the probe, while
 * this one fails with EADDRINUSE.
 */
export function tellSupervisorListening(url: string): void {
  const message: ListeningMessage = { storefront: 'listening', url };
  // A supervisor gone meanwhile is handled by exitWithSupervisor; without the callback a
  // closed channel would be an 'error' event on `process`, and crash it.
  if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
}

export function isListeningMessage(message: unknown): message is ListeningMessage {
  return typeof message === 'object' && message !== null && (message as { storefront?: unknown }).storefront === 'listening' && typeof (message as { url?: unknown }).url === 'string';
}
