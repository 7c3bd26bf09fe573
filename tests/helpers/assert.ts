/** The few assertions the suite needs (@std/assert is unreachable here). */
export class AssertionError extends Error {}

function show(v: unknown): string {
  try {
    return typeof v === "string"
      ? JSON.stringify(v)
      : JSON.stringify(v, (_k, x) => typeof x === "bigint" ? `${x}n` : x);
  } catch {
    return String(v);
  }
}

export function assert(cond: unknown, msg = "expected a truthy value"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

export function assertEquals<T>(actual: T, expected: T, msg?: string) {
  if (!deepEqual(actual, expected)) {
    throw new AssertionError(
      `${msg ? msg + ": " : ""}expected ${show(expected)}, got ${show(actual)}`,
    );
  }
}

export function assertNotEquals<T>(actual: T, expected: T, msg?: string) {
  if (deepEqual(actual, expected)) {
    throw new AssertionError(`${msg ? msg + ": " : ""}did not expect ${show(actual)}`);
  }
}

export function assertMatch(actual: string, re: RegExp, msg?: string) {
  if (!re.test(actual)) {
    throw new AssertionError(
      `${msg ? msg + ": " : ""}${show(actual.slice(0, 500))} does not match ${re}`,
    );
  }
}

export function assertStringIncludes(actual: string, part: string, msg?: string) {
  if (!actual.includes(part)) {
    throw new AssertionError(
      `${msg ? msg + ": " : ""}expected to find ${show(part)} in ${show(actual.slice(0, 800))}`,
    );
  }
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  msgIncludes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    if (msgIncludes && !(err instanceof Error && err.message.includes(msgIncludes))) {
      throw new AssertionError(
        `rejected with ${String(err)}, expected message with ${show(msgIncludes)}`,
      );
    }
    return err as Error;
  }
  throw new AssertionError("expected the promise to reject");
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}
