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
