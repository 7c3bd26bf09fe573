/**
 * Document generation off the main thread: a few Web Workers (worker.ts) behind one bounded
 * queue. A burst of heavy downloads waits its turn instead of stalling every other request;
 * when the queue is full a job is refused at once (DocumentsBusyError → 503 with Retry-After),
 * never left hanging. A worker that throws, dies or overruns its time fails only its job
 * (DocumentGenerationError) and is replaced.
 *
 * Where `Worker` does not exist (Deno Deploy Classic) or `workers: 0` is asked for, jobs run in
 * the main thread one at a time behind the same queue: the bytes are the same, only the main
 * thread pays for them.
 */
import { UnavailableError } from "@/lib/errors.ts";
import { log } from "@/lib/log.ts";
import { type RenderJob, type RenderResult, runRenderJob } from "./render.ts";
import type { WorkerReply, WorkerRequest } from "./worker.ts";

/** The queue is full: come back in `retryAfterSeconds`. */
export class DocumentsBusyError extends UnavailableError {
  constructor(retryAfterSeconds: number) {
    super(
      retryAfterSeconds,
      "Documents are being prepared for other customers; try again shortly.",
    );
  }
}

/** Seconds a client waits after a failed generation before it tries again. */
const RETRY_AFTER_FAILURE_SECONDS = 5;

/**
 * The job failed on the server's side (an error while drawing, a crashed or stuck worker).
 * The client is told only that it may try again shortly; `reason` is for the logs.
 */
export class DocumentGenerationError extends UnavailableError {
  constructor(readonly reason: string) {
    super(
      RETRY_AFTER_FAILURE_SECONDS,
      "The document could not be prepared just now; try again shortly.",
    );
  }
}

export interface PoolOptions {
  /** Web Workers; 0 runs jobs in the main thread. */
  workers: number;
  /** Jobs that may wait for a free worker; one more is refused with DocumentsBusyError. */
  maxQueue: number;
  /** A job running longer is abandoned and its worker replaced (default 60 s). */
  jobTimeoutMs?: number;
  /** The worker module (tests pass one that misbehaves on cue). */
  workerUrl?: URL;
}

/** The cores less one for the main thread, at least 1 and at most 4; 0 without `Worker`. */
export function defaultWorkerCount(): number {
  if (typeof Worker !== "function") return 0;
  // Not every runtime defines it (Deploy Classic did not).
  const cores = globalThis.navigator?.hardwareConcurrency || 1;
  return Math.max(1, Math.min(4, cores - 1));
}

/** Workers in a row that die or stall before they are ready, before the pool gives up on them. */
const MAX_START_FAILURES = 3;
/** A worker that has not loaded its modules and fonts by then counts as failed to start. */
const START_TIMEOUT_MS = 30_000;

interface Task {
  job: RenderJob;
  resolve(result: RenderResult): void;
  reject(err: Error): void;
}

interface Running extends Task {
  seq: number;
  started: number;
  timer?: ReturnType<typeof setTimeout>;
}

interface Slot {
  worker: Worker | null;
  /** Modules and fonts loaded: a job posted now is timed from now. */
  ready: boolean;
  startTimer?: ReturnType<typeof setTimeout>;
  running: Running | null;
}

export interface PoolStats {
  mode: "worker" | "inline";
  /** Workers alive. */
  workers: number;
  running: number;
  queued: number;
  completed: number;
  failed: number;
  refused: number;
  workersStarted: number;
}

export class DocumentPool {
  #mode: "worker" | "inline";
  readonly #slots: Slot[];
  readonly #queue: Task[] = [];
  readonly #maxQueue: number;
  readonly #timeoutMs: number;
  readonly #workerUrl: URL;
  #inlineBusy = false;
  #seq = 0;
  #startFailures = 0;
  /** Moving average of a job's duration, for Retry-After. */
  #avgMs = 1000;
  #closed = false;
  readonly #stats = { completed: 0, failed: 0, refused: 0, workersStarted: 0 };

  constructor(opts: PoolOptions) {
    const workers = typeof Worker === "function" ? opts.workers : 0;
    this.#mode = workers > 0 ? "worker" : "inline";
    this.#slots = Array.from({ length: workers }, () => ({
      worker: null,
      ready: false,
      running: null,
    }));
    this.#maxQueue = opts.maxQueue;
    this.#timeoutMs = opts.jobTimeoutMs ?? 60_000;
    this.#workerUrl = opts.workerUrl ?? new URL("./worker.ts", import.meta.url);
  }

  get mode(): "worker" | "inline" {
    return this.#mode;
  }

  /** Runs the job when a worker is free; refuses it at once when too many already wait. */
  run(job: RenderJob): Promise<RenderResult> {
    if (this.#closed) return Promise.reject(new DocumentGenerationError("The pool is closed."));
    if (!this.#hasFreeSlot() && this.#queue.length >= this.#maxQueue) {
      this.#stats.refused++;
      return Promise.reject(new DocumentsBusyError(this.#retryAfterSeconds()));
    }
    return new Promise<RenderResult>((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      this.#pump();
    });
  }

  stats(): PoolStats {
    const running = this.#mode === "inline"
      ? (this.#inlineBusy ? 1 : 0)
      : this.#slots.filter((s) => s.running).length;
    return {
      mode: this.#mode,
      workers: this.#slots.filter((s) => s.worker).length,
      running,
      queued: this.#queue.length,
      ...this.#stats,
    };
  }

  /** Stops the workers; running and waiting jobs fail. */
  close(): void {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) {
      task.reject(new DocumentGenerationError("The pool is closed."));
    }
    for (const slot of this.#slots) {
      this.#fail(slot, "The pool is closed.");
      this.#stop(slot);
    }
  }

  #hasFreeSlot(): boolean {
    return this.#mode === "inline" ? !this.#inlineBusy : this.#slots.some((s) => !s.running);
  }

  #retryAfterSeconds(): number {
    const capacity = Math.max(1, this.#slots.length);
    const ahead = this.#queue.length + capacity;
    return Math.min(60, Math.max(1, Math.ceil((ahead * this.#avgMs) / capacity / 1000)));
  }

  #pump() {
    while (this.#queue.length && !this.#closed) {
      if (this.#mode === "inline") {
        if (this.#inlineBusy) return;
        this.#runInline(this.#queue.shift()!);
        continue;
      }
      const slot = this.#slots.find((s) => !s.running);
      if (!slot) return;
      this.#dispatch(slot, this.#queue.shift()!);
    }
  }

  #runInline(task: Task) {
    this.#inlineBusy = true;
    const started = performance.now();
    runRenderJob(task.job)
      .then((result) => {
        this.#done(started);
        task.resolve(result);
      }, (err) => {
        this.#stats.failed++;
        log.error("document generation failed", { mode: "inline", err });
        task.reject(new DocumentGenerationError(errorMessage(err)));
      })
      .finally(() => {
        this.#inlineBusy = false;
        this.#pump();
      });
  }

  #dispatch(slot: Slot, task: Task) {
    slot.running = { ...task, seq: ++this.#seq, started: performance.now() };
    if (!slot.worker) this.#spawn(slot);
    else if (slot.ready) this.#post(slot);
    // Otherwise the job is posted when the worker says it is ready.
  }

  #post(slot: Slot) {
    const running = slot.running!;
    running.started = performance.now();
    running.timer = setTimeout(
      () => this.#crashed(slot, `The document took longer than ${this.#timeoutMs} ms.`),
      this.#timeoutMs,
    );
    // Structured clone, not transfer: the job's buffers may be cache entries still in use.
    slot.worker!.postMessage({ seq: running.seq, job: running.job } satisfies WorkerRequest);
  }

  #spawn(slot: Slot) {
    const worker = new Worker(this.#workerUrl, { type: "module", name: "documents" });
    this.#stats.workersStarted++;
    slot.worker = worker;
    slot.ready = false;
    slot.startTimer = setTimeout(
      () => this.#crashed(slot, `The document worker did not start in ${START_TIMEOUT_MS} ms.`),
      START_TIMEOUT_MS,
    );
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      if (slot.worker !== worker) return;
      const reply = e.data;
      if ("ready" in reply) {
        clearTimeout(slot.startTimer);
        slot.ready = true;
        this.#startFailures = 0;
        if (slot.running) this.#post(slot);
        return;
      }
      const running = slot.running;
      if (!running || reply.seq !== running.seq) return;
      clearTimeout(running.timer);
      slot.running = null;
      if (reply.ok) {
        this.#done(running.started);
        running.resolve({ bytes: reply.bytes, rendered: reply.rendered });
      } else {
        this.#stats.failed++;
        log.error("document generation failed", { mode: "worker", message: reply.message });
        running.reject(new DocumentGenerationError(reply.message));
      }
      this.#pump();
    };
    // An uncaught error ends the worker (Deno does not keep it running after one).
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      if (slot.worker === worker) this.#crashed(slot, `The document worker crashed: ${e.message}`);
    };
    worker.onmessageerror = () => {
      if (slot.worker === worker) {
        this.#crashed(slot, "The document worker's reply was unreadable.");
      }
    };
  }

  /**
   * The slot's worker crashed, hung or never started: it is ended and the next job starts a
   * new one. A job it was running fails; a job it never started goes back to the queue's
   * front, and after a few workers in a row fail to start, jobs run in the main thread.
   */
  #crashed(slot: Slot, reason: string) {
    const started = slot.ready;
    log.error("document worker replaced", { reason });
    this.#stop(slot);
    if (started) {
      this.#fail(slot, reason);
    } else {
      if (slot.running) this.#queue.unshift(slot.running);
      slot.running = null;
      if (++this.#startFailures >= MAX_START_FAILURES && this.#mode === "worker") {
        log.error("document workers cannot start; generating in the main thread", { reason });
        this.#mode = "inline";
      }
    }
    this.#pump();
  }

  #stop(slot: Slot) {
    clearTimeout(slot.startTimer);
    slot.worker?.terminate();
    slot.worker = null;
    slot.ready = false;
  }

  #fail(slot: Slot, reason: string) {
    const running = slot.running;
    if (!running) return;
    clearTimeout(running.timer);
    slot.running = null;
    this.#stats.failed++;
    running.reject(new DocumentGenerationError(reason));
  }

  #done(started: number) {
    this.#stats.completed++;
    this.#avgMs = this.#avgMs * 0.8 + (performance.now() - started) * 0.2;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
