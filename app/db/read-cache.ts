// Answers to repeated reads kept while the database has not changed. `mark` says whether it has: on SQLite,
// PRAGMA data_version (moves when any other connection, in this process or another, commits) together with
// total_changes() (moves on this connection's own writes) - one cheap statement instead of the reads it saves.
// PostgreSQL and MySQL have no such counter, so they are never cached (every read goes to the server).

export class ReadCache {
  private readonly entries = new Map<string, unknown>();
  private seen: string | undefined;

  constructor(
    private readonly mark: () => string,
    private readonly max = 1000,
  ) {}

  /** The answer for `key` as of now: kept if nothing was committed since it was read, else read again. */
  async get<T>(key: string, read: () => Promise<T>): Promise<T> {
    // Read the mark before the data: a commit landing in between leaves a newer mark next time, never stale data.
    const now = this.mark();
    if (now !== this.seen) {
      this.entries.clear();
      this.seen = now;
    } else if (this.entries.has(key)) {
      return this.entries.get(key) as T;
    }
    const value = await read();
    // Another request may have seen a newer mark (and cleared) while this one read: keep only if still current.
    if (this.seen === now) {
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, value);
    }
    return value;
  }
}
