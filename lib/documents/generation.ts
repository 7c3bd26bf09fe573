/**
 * Where documents are made: the process's worker pool and document cache, created from the
 * configuration on first use (workers are per process, like the cores they are sized from).
 * Tests build their own engine and pass it, or install one with `setDocumentEngine`.
 */
import type { Config } from "@/lib/config.ts";
import { DocumentCache } from "./cache.ts";
import { defaultWorkerCount, DocumentPool } from "./pool.ts";

export interface DocumentEngine {
  pool: DocumentPool;
  cache: DocumentCache;
}

export interface EngineOptions {
  /** Web Workers; 0 = in the main thread. */
  workers: number;
  maxQueue: number;
  memoryBytes: number;
  kvTtlMs: number;
  jobTimeoutMs?: number;
  workerUrl?: URL;
}

export function createDocumentEngine(opts: EngineOptions): DocumentEngine {
  return {
    pool: new DocumentPool(opts),
    cache: new DocumentCache({ memoryBytes: opts.memoryBytes, kvTtlMs: opts.kvTtlMs }),
  };
}

/** The engine the configuration asks for (defaults: workers from the cores, 16 waiting). */
export function engineOptions(config?: Partial<Config>): EngineOptions {
  return {
    workers: config?.DOCUMENT_WORKERS ?? defaultWorkerCount(),
    maxQueue: config?.DOCUMENT_QUEUE ?? 16,
    memoryBytes: (config?.DOCUMENT_CACHE_MB ?? 32) * 1024 * 1024,
    kvTtlMs: (config?.DOCUMENT_KV_CACHE_DAYS ?? 7) * 86_400_000,
  };
}

let shared: DocumentEngine | undefined;

/** The process's engine, made from the first configuration that asks. */
export function documentEngine(config?: Partial<Config>): DocumentEngine {
  shared ??= createDocumentEngine(engineOptions(config));
  return shared;
}

/** Replaces the process's engine (tests); returns the one it replaced. */
export function setDocumentEngine(engine: DocumentEngine | undefined): DocumentEngine | undefined {
  const previous = shared;
  shared = engine;
  return previous;
}
