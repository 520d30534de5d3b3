/**
 * Bounded concurrency for the work a scan does per candidate: `run` waits while `limit` tasks are in flight (so
 * reading the state folder slows down instead of piling up work in memory), `drain` waits for all of them.
 * Tasks report their own errors; a task that throws anyway is handed to `onError`, never lost.
 */
export class Pool {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly limit: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  async run(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    const promise: Promise<void> = task()
      .catch((error: unknown) => this.onError(error))
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
  }
}
