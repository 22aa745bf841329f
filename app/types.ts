// The contracts between the fractal service's parts. Each backend (database, queue, image store) is chosen by
// URL and implements one of these interfaces, so the embedded default and the scaled-out cloud run the same code.
import type { Readable } from 'node:stream';

/** What one fractal image is made from: its size, the iteration limit, the rectangle of the complex plane
 *  (x from xa to xb, y from ya to yb) and the Julia constant. The one definition the API row, the task, the
 *  worker and the renderer derive theirs from. */
export interface FractalParams {
  width: number;
  height: number;
  iterations: number;
  xa: number;
  xb: number;
  ya: number;
  yb: number;
  /** New, optional: the Julia constant; null means "the worker picks one at random, as the original did". */
  cr?: number | null;
  ci?: number | null;
}

/** A fractal row as the original faafo API returns it (Flask-Restless object, every column but `image`). */
export interface Fractal extends FractalParams {
  uuid: string;
  checksum: string | null;
  url: string | null;
  duration: number | null;
  size: number | null;
  generated_by: string | null;
}

/** The message on exchange `tasks`, routing key `normal`: the created row without `image` (faafo wire format). */
export interface Task extends Fractal {
  /** New, optional: the base URL of the API server that queued the task (its --advertise-url), where the worker
   *  reports first. Absent when that API has no advertise URL (the message is then exactly the original's). */
  api_url?: string;
}

export interface Page<T> {
  total: number;
  rows: T[];
}

export interface FractalRepository {
  /** Creates or upgrades the schema; safe when several API nodes start at once. */
  migrate(): Promise<void>;
  insert(row: Fractal): Promise<void>;
  get(uuid: string): Promise<Fractal | undefined>;
  /** Ordered by uuid ascending (Flask-Restless default). `offset`/`limit` in rows. */
  list(offset: number, limit: number): Promise<Page<Fractal>>;
  /** Rows with checksum and size set (rendered), newest first, for the gallery. */
  listRendered(offset: number, limit: number): Promise<Page<Fractal>>;
  /** Partial update; returns the updated row or undefined when the uuid is unknown. */
  update(uuid: string, patch: Partial<Fractal>): Promise<Fractal | undefined>;
  /** Compare-and-set for results: applies `patch` only while the row's checksum is `expected` (null: not rendered
   *  yet). Atomic in the database, so API nodes racing to store one fractal's result cannot both win. */
  updateIfChecksum(uuid: string, expected: string | null, patch: Partial<Fractal>): Promise<boolean>;
  /** Returns true when a row was deleted. */
  delete(uuid: string): Promise<boolean>;
  /** Legacy: the base64 PNG the original worker PUTs in `image` (kept only for rows stored that way). */
  getLegacyImage(uuid: string): Promise<string | undefined>;
  setLegacyImage(uuid: string, base64: string): Promise<void>;
  /** Counts for metrics: pending = not rendered yet. */
  counts(): Promise<{ pending: number; done: number }>;
  /** Task bookkeeping so no task is silently lost: `insert` stores a row as unpublished until this is called
   *  after the broker confirmed its task. */
  markPublished(uuid: string): Promise<void>;
  /** Unrendered rows still unpublished and created at or before `createdBefore` (an API node died before
   *  publishing), oldest first, for re-publishing. */
  listUnpublished(createdBefore: Date, limit: number): Promise<Fractal[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface TaskHandle {
  task: Task;
  /** Redelivered by the broker (a previous consumer died or nacked). */
  redelivered: boolean;
  ack(): Promise<void>;
  /** Put back on the queue for another consumer. */
  nack(): Promise<void>;
}

export interface Consumer {
  /** Stop receiving new tasks; resolves when the handler in progress has finished. */
  stop(): Promise<void>;
}

export interface TaskQueue {
  /** Publishes durably and resolves only once the broker confirmed; rejects when the queue is unreachable. */
  publish(task: Task): Promise<void>;
  /** Prefetch 1 per consumer: a task is given to a consumer only when it is idle. */
  consume(handler: (h: TaskHandle) => Promise<void>): Promise<Consumer>;
  /** Messages waiting (ready, not yet delivered). */
  depth(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ImageStore {
  /** Stores the PNG for uuid atomically (a reader never sees half an image). */
  put(uuid: string, png: Readable | Buffer): Promise<void>;
  /** The PNG as a stream, or undefined when absent. */
  get(uuid: string): Promise<Readable | undefined>;
  delete(uuid: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Settings shared by `faafo serve`, `faafo api` and `faafo worker` (flags override environment). */
export interface ServiceSettings {
  port: number;
  host: string;
  databaseUrl: string;
  queueUrl: string;
  imageUrl: string;
  /** Where a worker sends results (the API's base URL, or several separated by commas). Empty when given empty
   *  (FAAFO_ENDPOINT_URL= or --endpoint-url ''): the worker then relies on the API URL each task names. */
  endpointUrl: string;
  /** Render threads per worker; default: all cores. */
  threads: number;
  /** Workers in `faafo serve`. */
  workers: number;
  /** `generated_by` of this worker; default: hostname. */
  generatedBy: string;
}
