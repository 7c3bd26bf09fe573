/**
 * The one logger: JSON lines on stdout. Callers pass structured fields; nothing here ever
 * receives a raw token (request lines carry the route pattern, not the path).
 */
type Level = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

let sink: (line: string) => void = (line) => console.log(line);
let quiet = false;

/** Redirects log lines (tests capture them to prove no token is ever written). */
export function setLogSink(fn: ((line: string) => void) | null, opts: { quiet?: boolean } = {}) {
  sink = fn ?? ((line) => console.log(line));
  quiet = opts.quiet ?? false;
}

function write(level: Level, msg: string, fields?: Fields) {
  if (quiet && level === "debug") return;
  const entry: Fields = { t: new Date().toISOString(), level, msg, ...fields };
  if (fields?.err instanceof Error) {
    entry.err = { name: fields.err.name, message: fields.err.message, stack: fields.err.stack };
  }
  sink(JSON.stringify(entry));
}

export const log = {
  debug: (msg: string, fields?: Fields) => write("debug", msg, fields),
  info: (msg: string, fields?: Fields) => write("info", msg, fields),
  warn: (msg: string, fields?: Fields) => write("warn", msg, fields),
  error: (msg: string, fields?: Fields) => write("error", msg, fields),
};

/**
 * Replaces any path segment that could be a secret (long URL-safe runs) with `:redacted`,
 * for requests that matched no route and so have no pattern to log.
 */
export function redactPath(path: string): string {
  return path
    .split("/")
    .map((seg) => (seg.length >= 16 && /^[A-Za-z0-9_%.~-]+$/.test(seg) ? ":redacted" : seg))
    .join("/");
}
