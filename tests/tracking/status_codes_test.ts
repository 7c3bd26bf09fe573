/**
 * The carriers' code tables: the cases real answers showed we got wrong, the fallback on the
 * carrier's own category for codes no table knows, and that such a code is logged once.
 */
import { setLogSink } from "@/lib/log.ts";
import { resetUnknownCodeLog } from "@/lib/tracking/codes.ts";
import { normalizeFedex } from "@/lib/tracking/fedex.ts";
import { normalizeUps, upsStatus } from "@/lib/tracking/ups.ts";
import { normalizeUsps, uspsStatus } from "@/lib/tracking/usps.ts";
import assert from "node:assert/strict";

Deno.test("UPS: type X customs clearance is in transit, customs holds and attempts are exceptions", () => {
  // Released by customs (Tracking.yaml example), cleared, "on the way" as type X.
  assert.deepEqual(upsStatus({ type: "X", code: "SR", statusCode: "003" }), "in_transit");
  assert.deepEqual(upsStatus({ type: "X", code: "XX", statusCode: "084" }), "in_transit");
  assert.deepEqual(upsStatus({ type: "X", code: "XX", statusCode: "134" }), "in_transit");
  assert.deepEqual(upsStatus({ type: "X", statusCode: "005" }), "in_transit");
  // Pending government / broker release, clearance information required: exceptions.
  for (const sc of ["123", "124", "125", "126", "058"]) {
    assert.deepEqual(upsStatus({ type: "X", code: "SR", statusCode: sc }), "exception", sc);
  }
  assert.deepEqual(upsStatus({ type: "X", statusCode: "022" }), "exception");
  assert.deepEqual(upsStatus({ type: "X" }), "exception");
});

Deno.test("UPS: 'We have your package' is a pickup; label codes, out for delivery, updates", () => {
  assert.deepEqual(upsStatus({ type: "I", code: "OC", statusCode: "005" }), "picked_up");
  assert.deepEqual(upsStatus({ type: "I", code: "OR" }), "picked_up");
  assert.deepEqual(upsStatus({ type: "M", code: "OC" }), "label_created");
  assert.deepEqual(upsStatus({ type: "I", code: "OT", statusCode: "021" }), "out_for_delivery");
  assert.deepEqual(upsStatus({ type: "I", code: "YP" }), "in_transit");
  assert.deepEqual(upsStatus({ type: "U", code: "UT" }), undefined);
  assert.deepEqual(upsStatus({ type: "D", code: "FS" }), "delivered");
  // A current status with a code but no type (the case) is read by its codes.
  assert.deepEqual(upsStatus({ code: "OC", statusCode: "160" }), "picked_up");
  assert.deepEqual(upsStatus({ code: "011" }), "delivered");
  assert.deepEqual(upsStatus({ code: "OT" }), "out_for_delivery");
});

Deno.test("unknown codes fall back on the carrier's category and are logged once", () => {
  const lines: string[] = [];
  setLogSink((l) => lines.push(l), { quiet: true });
  resetUnknownCodeLog();
  try {
    // USPS: an unknown newest event code → statusCategory.
    const usps = {
      statusCategory: "Out for Delivery",
      trackingEvents: [{
        eventType: "Something new",
        eventTimestamp: "2024-11-22T09:10:00",
        GMTOffset: "-05:00",
        eventCode: "Q9",
      }],
    };
    assert.deepEqual(normalizeUsps(usps).status, "out_for_delivery");
    assert.deepEqual(normalizeUsps(usps).status, "out_for_delivery");
    assert.deepEqual(uspsStatus("Q9"), undefined);
    // FedEx: an unknown eventType → derivedStatusCode.
    const fedex = {
      scanEvents: [{ date: "2024-04-25T08:12:00-07:00", eventType: "ZZ", derivedStatusCode: "IT" }],
    };
    assert.deepEqual(normalizeFedex(fedex).events[0].status, "in_transit");
    normalizeFedex(fedex);
    // UPS: an unknown type with codes nobody knows → the status before it, logged.
    const ups = {
      activity: [
        {
          date: "20260116",
          time: "044500",
          gmtOffset: "-05:00",
          status: { type: "Q", code: "QQ" },
        },
        {
          date: "20260115",
          time: "103000",
          gmtOffset: "-05:00",
          status: { type: "I", code: "OR" },
        },
      ],
    };
    assert.deepEqual(normalizeUps(ups).events.map((e) => e.status), ["picked_up", "picked_up"]);
    normalizeUps(ups);
    const warned = lines.map((l) => JSON.parse(l)).filter((l) => l.level === "warn")
      .map((l) => `${l.carrier}:${l.field}:${l.code}`);
    assert.deepEqual(warned, [
      "usps:eventCode:Q9",
      "fedex:eventType:ZZ",
      "ups:status.type:Q",
      "ups:status.code:QQ",
    ]);
  } finally {
    setLogSink(null);
  }
});
