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
  assert.deepEqual(marks[3].estimate, true);
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
