/**
 * What every carrier contract test starts from: the carrier's fake server, services over
 * `:memory:` KV, the calls the adapter reports, and `adapter()` for a new production adapter
 * (instances share only what KV shares, like separate server processes).
 */
import type { AdapterOptions } from "@/lib/tracking/carrier_http.ts";
import {
  type CarrierAdapter,
  type CarrierCall,
  isAwaitingFirstScan,
  type NormalizedShipment,
  type TrackRequest,
  type TrackResult,
} from "@/lib/tracking/types.ts";
import type { FakeCarrierBase } from "@/tests/fakes/carriers/base.ts";
import assert from "node:assert/strict";
import { makeTestServices } from "@/tests/helpers/services.ts";

export async function contractSetup<F extends FakeCarrierBase, A extends CarrierAdapter>(
  fake: F,
  makeAdapter: (opts: AdapterOptions) => A,
  client: { clientId: string; clientSecret: string },
) {
  const services = await makeTestServices();
  const calls: CarrierCall[] = [];
  const adapter = () =>
    makeAdapter({
      services,
      credentials: { baseUrl: fake.url, ...client },
      onCall: (c) => calls.push(c),
    });
  return {
    fake,
    services,
    calls,
    adapter,
    async [Symbol.asyncDispose]() {
      services.close();
      await fake.close();
    },
  };
}

/** The shipment of a successful result; fails the test with the result otherwise. */
export function ok(r: TrackResult | undefined): NormalizedShipment {
  assert(r?.ok && "shipment" in r, `expected a shipment, got ${JSON.stringify(r)}`);
  return r.shipment;
}

/** Asserts "awaiting first scan" and returns the carrier's code for it. */
export function awaiting(r: TrackResult | undefined): string {
  assert(isAwaitingFirstScan(r), `expected awaiting first scan, got ${JSON.stringify(r)}`);
  return r.message;
}

/** Tracks numbers (or full requests) and returns the answers by tracking number. */
export async function trackAll(
  adapter: CarrierAdapter,
  items: (string | TrackRequest)[],
): Promise<Map<string, TrackResult>> {
  const requests = items.map((i) => typeof i === "string" ? { tracking_number: i } : i);
  const results = await adapter.track(requests);
  assert(results.length === requests.length, "one result per request");
  return new Map(requests.map((r, i) => [r.tracking_number, results[i]]));
}
