/** Event times in the tracking API: the instant and the local time with its offset. */
import { eventTimes } from "@/lib/tracking/event_times.ts";
import assert from "node:assert/strict";

Deno.test("an event's instant and local time: carrier offset, resolved zone, unknown zone", () => {
  // The carrier's own offset.
  assert.deepEqual(eventTimes({ occurred_at: "2026-01-15T10:30:00-05:00" }), {
    instant: "2026-01-15T15:30:00.000Z",
    local_time: "2026-01-15T10:30:00-05:00",
    utc_offset: "-05:00",
    time_zone: null,
    time_zone_unknown: false,
  });
  // Resolved in the place's zone (a local time without offset from the carrier).
  assert.deepEqual(
    eventTimes({ occurred_at: "2024-08-15T07:12:00-06:00", time_zone: "America/Denver" }),
    {
      instant: "2024-08-15T13:12:00.000Z",
      local_time: "2024-08-15T07:12:00-06:00",
      utc_offset: "-06:00",
      time_zone: "America/Denver",
      time_zone_unknown: false,
    },
  );
  // No zone at all: the wall time, no offset, no instant (the stored value is not one).
  assert.deepEqual(
    eventTimes({ occurred_at: "2024-11-22T13:58:00Z", time_zone_unknown: true }),
    {
      instant: null,
      local_time: "2024-11-22T13:58:00",
      utc_offset: null,
      time_zone: null,
      time_zone_unknown: true,
    },
  );
  // A manual update in UTC, minutes only, fractions, offsets without a colon.
  assert.deepEqual(
    eventTimes({ occurred_at: "2026-01-16T08:45Z" }).local_time,
    "2026-01-16T08:45:00+00:00",
  );
  assert.deepEqual(
    eventTimes({ occurred_at: "2026-01-16T08:45:00.250+0530" }).instant,
    "2026-01-16T03:15:00.250Z",
  );
  assert.deepEqual(
    eventTimes({ occurred_at: "2026-01-16T08:45:00.250+0530" }).utc_offset,
    "+05:30",
  );
});
