/** Whether a process of this host is running: `kill(pid, 0)` delivers nothing and fails only for one that is gone. */
export function isLiveProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
