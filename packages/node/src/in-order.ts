/**
 * Runs asynchronous tasks one after another, in the order they were asked for. LevelDB
 * (classic-level) runs each write on a libuv threadpool thread, so two writes under way
 * at once land in either order: a put not waited for outlived the delete after it in 39
 * of 1,000 pairs (records.spec). Linux takes a file's inode lock for each buffered write,
 * so writes to one file from several threads at once only spin on it (partial-file.ts).
 * A task that fails fails alone; the ones asked for after it still run.
 */
export class InOrder {
  private last: Promise<unknown> = Promise.resolve()

  async run<T> (task: () => Promise<T>): Promise<T> {
    const run = this.last.then(task)
    this.last = run.catch(() => {})
    return run
  }
}
