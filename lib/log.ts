/**
 * The one logger: one JSON object per line on stdout. Every value is redacted and escaped
 * here, whoever logs it:
 *
 * - anything shaped like a link token (`mpl_…`), an API key (`mpk_…`) or a staff session id
 *   (`mps_…`), in any field, at any depth, percent-encoded or not, whatever character follows,
 *   becomes `mpl_[redacted]`;
 * - JSON escapes control characters, and U+0085, U+2028 and U+2029 are escaped too, so no
 *   value a client sent can end a line or start one of its own;
 * - errors become `{name, message, stack}`; cycles, BigInts and functions never make a line
 *   fail.
 *
 * `main.ts` also routes `console.*` and uncaught errors here (`captureProcessOutput`), so
 * libraries' and the runtime's messages are lines of this log too. The only other output is
 * the terminal's: the demo link the contract prints and start-up's one-line refusals
 * (`printLine`, `printError`).
 */
type Level = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

// Kept before anything can replace them (captureProcessOutput does).
const consoleLog = console.log.bind(console);
const consoleError = console.error.bind(console);

/**
 * Lines go to stdout in batches: one write per turn of the event loop instead of one per
 * line (under load the write was a tenth of a request's time). Nothing waits longer than
 * that turn; printing, an uncaught error and exit flush first.
 */
const stdoutEncoder = new TextEncoder();
let pending: string[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;

/** Writes the lines still waiting, now. */
export function flushLog(): void {
  if (flushTimer !== null) {
    clearTimeout(flushTimer);
    flushTimer = null;
  }
  if (pending.length === 0) return;
  const bytes = stdoutEncoder.encode(pending.join("\n") + "\n");
  pending = [];
  let at = 0;
  try {
    while (at < bytes.length) at += Deno.stdout.writeSync(bytes.subarray(at));
  } catch {
    // A closed stdout (the parent went away): nowhere left to say it.
  }
}

function stdoutSink(line: string): void {
  pending.push(line);
  if (pending.length >= 256) return flushLog();
  // A timer would keep a finished program alive: unref'd, with exit flushing what is left.
  if (flushTimer !== null) return;
  const timer = setTimeout(flushLog, 0);
  Deno.unrefTimer(timer);
  flushTimer = timer;
}
globalThis.addEventListener("unload", flushLog);

let sink: (line: string) => void = stdoutSink;
let quiet = false;

/** Redirects log lines (tests capture them to prove no token is ever written). */
export function setLogSink(fn: ((line: string) => void) | null, opts: { quiet?: boolean } = {}) {
  flushLog();
  sink = fn ?? stdoutSink;
  quiet = opts.quiet ?? false;
}

/**
 * `mpl_`, `mpk_`, `mps_` (any case, any character percent-encoded) and the token characters
 * after it (base64url, or percent-escapes of anything).
 */
const SECRET = /(?:m|%6d)(?:p|%70)(l|k|s|%6c|%6b|%73)(?:_|%5f)(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2})+/gi;
const KIND: Record<string, string> = { l: "l", k: "k", s: "s", "%6c": "l", "%6b": "k", "%73": "s" };

/** `"see /customer/mpl_abc…>"` → `"see /customer/mpl_[redacted]>"`. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET, (_m, kind: string) => `mp${KIND[kind.toLowerCase()]}_[redacted]`);
}

/** Line and paragraph separators JSON.stringify leaves raw. */
const SEPARATORS = /[\u0085\u2028\u2029]/g;

/** The entry as one line of JSON that cannot fail, leak a secret or break the line. */
export function formatEntry(entry: Fields): string {
  // Most lines (every request's) hold only strings, numbers and booleans: stringified at
  // once and redacted as one text, which redacts keys too. A token has no character JSON
  // escapes, so it reads the same in the text as in its value.
  if (isFlat(entry)) {
    return redactSecrets(JSON.stringify(entry)).replace(SEPARATORS, escapeSeparator);
  }
  const seen = new WeakSet<object>();
  const json = JSON.stringify(entry, (_key, value: unknown) => {
    if (typeof value === "string") return redactSecrets(value);
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "function" || typeof value === "symbol") return undefined;
    if (value instanceof Error) {
      return {
        name: value.name,
        message: value.message,
        stack: value.stack,
        ...(value.cause !== undefined ? { cause: value.cause } : {}),
      };
    }
    if (value !== null && typeof value === "object") {
      if (seen.has(value)) return "[circular]";
      seen.add(value);
    }
    return value;
  });
  return json.replace(SEPARATORS, escapeSeparator);
}

function escapeSeparator(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

function isFlat(entry: Fields): boolean {
  for (const key in entry) {
    const v = entry[key];
    const type = typeof v;
    if (type !== "string" && type !== "number" && type !== "boolean" && type !== "undefined") {
      return false;
    }
  }
  return true;
}

function write(level: Level, msg: string, fields?: Fields) {
  if (quiet && level === "debug") return;
  let line: string;
  try {
    line = formatEntry({ t: new Date().toISOString(), level, msg, ...fields });
  } catch {
    // A getter that throws, say: the line still says something happened.
    line = formatEntry({ t: new Date().toISOString(), level, msg, note: "fields unloggable" });
  }
  sink(line);
}

export const log = {
  debug: (msg: string, fields?: Fields) => write("debug", msg, fields),
  info: (msg: string, fields?: Fields) => write("info", msg, fields),
  warn: (msg: string, fields?: Fields) => write("warn", msg, fields),
  error: (msg: string, fields?: Fields) => write("error", msg, fields),
};

const MAX_PATH_CHARS = 200;

/**
 * A path as it may be logged, for requests that matched no route and so have no pattern:
 * any segment of 16 characters or more (a token, whatever follows it) is `:redacted`, and
 * the result is cut to 200 characters.
 */
export function redactPath(path: string): string {
  const out = path
    .split("/")
    .map((seg) => (seg.length >= 16 ? ":redacted" : seg))
    .join("/");
  return out.length > MAX_PATH_CHARS ? out.slice(0, MAX_PATH_CHARS) + "…" : out;
}

/** A line for the terminal's stdout, not the log: the contract's demo link. */
export function printLine(text: string): void {
  flushLog();
  consoleLog(text);
}

/** A line for the terminal's stderr: start-up's one-line refusals (bad configuration). */
export function printError(text: string): void {
  flushLog();
  consoleError(text);
}

function consoleText(args: unknown[]): string {
  return args.map((a) =>
    typeof a === "string" ? a : a instanceof Error ? (a.stack ?? String(a)) : Deno.inspect(a)
  ).join(" ");
}

/**
 * Makes every line the process writes a line of this log: `console.*` from any module or
 * library, unhandled promise rejections, and uncaught errors (logged, then exit 1).
 */
export function captureProcessOutput(): void {
  const as = (level: Level) => (...args: unknown[]) =>
    write(level, "console", { text: consoleText(args) });
  console.log = as("info");
  console.info = as("info");
  console.debug = as("debug");
  console.warn = as("warn");
  console.error = as("error");
  console.trace = as("error");
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    write("error", "unhandled rejection", { err: e.reason });
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    write("error", "uncaught exception", { err: e.error ?? e.message });
    flushLog();
    Deno.exit(1);
  });
}
