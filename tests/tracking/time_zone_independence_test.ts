/**
 * The same carrier answers give the same instants whatever the server's time zone: the probe
 * (tz_probe_worker.ts) normalizes every published sample in subprocesses under TZ=UTC,
 * America/Los_Angeles and Asia/Tokyo, and all three agree with each other and with this
 * process.
 */
import assert from "node:assert/strict";
import { probe } from "./tz_probe_worker.ts";

const ZONES = ["UTC", "America/Los_Angeles", "Asia/Tokyo"];

async function probeUnder(tz: string): Promise<unknown> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", new URL("./tz_probe_worker.ts", import.meta.url).pathname],
    cwd: new URL("../../", import.meta.url).pathname,
    env: { TZ: tz },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`probe under ${tz}: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("instants do not depend on the server's time zone (UTC, Los Angeles, Tokyo)", async () => {
  const runs = await Promise.all(ZONES.map(probeUnder));
  const here = JSON.parse(JSON.stringify(probe()));
  for (const [i, run] of runs.entries()) assert.deepEqual(run, here, `TZ=${ZONES[i]}`);
  // And they are the instants the carriers meant (spot checks, one per way of getting them).
  // deno-lint-ignore no-explicit-any
  const r = here as Record<string, any[]>;
  const ground = r["fedex/delivered_ground_local_pickup.json"][0];
  assert.deepEqual(ground.instants[0], "2024-08-15T05:00:00.000Z"); // pickup, resolved in Mankato MN
  const postman = r["ups/delivered_postman.json"][0];
  assert.deepEqual(postman.instants.at(-1), "2022-01-26T21:30:00.000Z"); // Paramus NJ, EST
  const berlin = r["ups/international_customs_clearance.json"][0];
  assert.deepEqual(berlin.instants[2], "2026-01-11T21:40:00.000Z"); // Köln, CET
  const usps = r["usps/delivered_parcel_locker.json"][0];
  assert.deepEqual(usps.instants.at(-1), "2024-11-22T18:58:00.000Z"); // GMTOffset -05:00
});
