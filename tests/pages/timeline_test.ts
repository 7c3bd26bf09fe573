import assert from "node:assert/strict";
import { buildTimeline } from "@/lib/pages/timeline.ts";

const ev = (occurred_at: string, status = "in_transit", description = "x") => ({
  status,
  occurred_at,
  description,
});
const now = new Date("2026-01-16T12:00:00Z");

Deno.test("timeline: past events done, the latest current, estimate expected", () => {
  const marks = buildTimeline({
    status: "in_transit",
    estimated_delivery: "2026-01-18",
    events: [
      ev("2026-01-15T16:15:00Z"),
      ev("2026-01-15T10:30:00Z", "picked_up"),
      ev("2026-01-16T08:45:00Z"),
    ],
  }, now);
  assert.deepEqual(marks.map((m) => [m.mark, m.at]), [
    ["done", "2026-01-15T10:30:00Z"],
    ["done", "2026-01-15T16:15:00Z"],
    ["current", "2026-01-16T08:45:00Z"],
    ["expected", "2026-01-18"],
  ]);
  assert.deepEqual(marks[3].estimate, "expected");
});

Deno.test("timeline: future events are expected; no extra estimate when delivery is planned", () => {
  const marks = buildTimeline({
    status: "in_transit",
    estimated_delivery: "2026-01-18",
    events: [
      ev("2026-01-16T08:45:00Z"),
      ev("2026-01-17T14:00:00Z"),
      ev("2026-01-18T09:00:00Z", "delivered"),
    ],
  }, now);
  assert.deepEqual(marks.map((m) => m.mark), ["current", "expected", "expected"]);
});

Deno.test("timeline: delivered shipments are all done, none current", () => {
  const marks = buildTimeline({
    status: "delivered",
    estimated_delivery: "2026-01-14",
    events: [ev("2026-01-09T11:00:00Z", "picked_up"), ev("2026-01-14T13:42:00Z", "delivered")],
  }, now);
  assert.deepEqual(marks.map((m) => m.mark), ["done", "done"]);
});

Deno.test("timeline: location shown apart unless the description already says it", () => {
  const [a, b] = buildTimeline({
    status: "in_transit",
    events: [
      { ...ev("2026-01-15T10:00:00Z"), description: "Arrived", location: "Memphis, TN" },
      {
        ...ev("2026-01-15T11:00:00Z"),
        description: "Departed Memphis, TN",
        location: "Memphis, TN",
      },
    ],
  }, now);
  assert.deepEqual(a.location, "Memphis, TN");
  assert.deepEqual(b.location, undefined);
});

Deno.test("timeline: nothing shipped yet gives only the expected delivery", () => {
  assert.deepEqual(
    buildTimeline({ status: "label_created", estimated_delivery: "2026-01-20", events: [] }, now)
      .map((m) => m.mark),
    ["expected"],
  );
  assert.deepEqual(buildTimeline({ status: "label_created", events: [] }, now), []);
});

Deno.test("timeline: a missed estimate is marked late and listed before the later events", () => {
  // Weeks after a Jan 18 estimate, with scans on Jan 22 and Feb 2: the screenshot
  // listed "○ Jan 18 Expected delivery" after them.
  const marks = buildTimeline({
    status: "in_transit",
    estimated_delivery: "2026-01-18",
    events: [
      ev("2026-01-16T08:45:00-05:00"),
      ev("2026-02-02T09:00:00-05:00"),
      ev("2026-01-22T13:10:00-05:00"),
    ],
  }, new Date("2026-02-05T12:00:00Z"));
  assert.deepEqual(marks.map((m) => [m.mark, m.at, m.estimate]), [
    ["done", "2026-01-16T08:45:00-05:00", undefined],
    ["late", "2026-01-18", "expected"],
    ["done", "2026-01-22T13:10:00-05:00", undefined],
    ["current", "2026-02-02T09:00:00-05:00", undefined],
  ]);
});

Deno.test("timeline: a revised estimate shows the missed original as late and the new one expected", () => {
  const marks = buildTimeline({
    status: "exception",
    estimated_delivery: "2026-01-18",
    delivery: { revised_estimate: "2026-01-20", delay_reason: "Weather" },
    events: [ev("2026-01-17T07:00:00-05:00", "exception", "Weather delay")],
  }, new Date("2026-01-17T15:00:00Z"));
  // The missed original is late; the new date, still ahead, is what to expect (marking it
  // "not met" before it comes would be wrong). Once its day is over, it is late too.
  assert.deepEqual(marks.map((m) => [m.mark, m.at, m.estimate]), [
    ["current", "2026-01-17T07:00:00-05:00", undefined],
    ["late", "2026-01-18", "original"],
    ["expected", "2026-01-20", "revised"],
  ]);
  const missedAgain = buildTimeline({
    status: "exception",
    estimated_delivery: "2026-01-18",
    delivery: { revised_estimate: "2026-01-20" },
    events: [ev("2026-01-17T07:00:00-05:00", "exception", "Weather delay")],
  }, new Date("2026-01-22T15:00:00Z"));
  assert.deepEqual(missedAgain.map((m) => m.mark), ["current", "late", "late"]);
  // An earlier revised estimate simply replaces the original, on time.
  const earlier = buildTimeline({
    status: "in_transit",
    estimated_delivery: "2026-01-20",
    delivery: { revised_estimate: "2026-01-19" },
    events: [ev("2026-01-17T07:00:00Z")],
  }, new Date("2026-01-17T15:00:00Z"));
  assert.deepEqual(earlier.map((m) => [m.mark, m.at, m.estimate]), [
    ["current", "2026-01-17T07:00:00Z", undefined],
    ["expected", "2026-01-19", "revised"],
  ]);
});

Deno.test("timeline: overdue from the poller marks the estimate late even with no newer scan", () => {
  const marks = buildTimeline({
    status: "in_transit",
    estimated_delivery: "2026-01-18",
    overdue: true,
    events: [ev("2026-01-16T08:45:00Z")],
  }, new Date("2026-01-17T12:00:00Z"));
  assert.deepEqual(marks.map((m) => m.mark), ["current", "late"]);
});

Deno.test("timeline: an event in an unknown zone keeps its flag (shown as written)", () => {
  const [e] = buildTimeline({
    status: "in_transit",
    events: [{ ...ev("2026-01-15T10:30:00Z"), time_zone_unknown: true }],
  }, now);
  assert.deepEqual(e.time_zone_unknown, true);
});
