/**
 * Time-ordered ids for queue messages, dead letters and outbox entries: fixed-width base36
 * milliseconds, then a per-process sequence, then randomness. Sorting the strings sorts by
 * creation time, so `kv.list(..., {reverse: true})` lists newest first with no extra index.
 */
let lastMs = 0;
let seq = 0;

export function timeOrderedId(): string {
  let ms = Date.now();
  // Within one millisecond (or if the wall clock steps back) keep counting so ids stay ordered.
  if (ms <= lastMs) {
    ms = lastMs;
    seq++;
  } else {
    lastMs = ms;
    seq = 0;
  }
  const rand = crypto.getRandomValues(new Uint8Array(5));
  const tail = Array.from(rand, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${ms.toString(36).padStart(9, "0")}${seq.toString(36).padStart(4, "0")}${tail}`;
}

/** Ids this module produces: 9 + 4 + 10 lowercase base36/hex characters. */
export const TIME_ORDERED_ID = /^[0-9a-z]{23}$/;
