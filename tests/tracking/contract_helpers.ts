/**
 * What every carrier contract test starts from: the carrier's fake server, services over
 * `:memory:` KV, the calls the adapter reports, and `adapter()` for a new production adapter
 * (instances share only what KV shares, like separate server processes).
 */
import type { AdapterOptions } from "@/lib/tracking/carrier_http.ts";
import type {
  CarrierAdapter,
  CarrierCall,
  NormalizedShipment,
  TrackResult,
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
  assert(r?.ok, `expected ok, got ${JSON.stringify(r)}`);
  return r.shipment;
}
