/**
 * Issue 6: a view of an order page whose tracking cache is older than TRACKING_STALE_MINUTES
 * asks the queue for ONE carrier refresh however many views arrive, a fresh cache asks for
 * none, and the page answers from the cache either way. Real HTTP, the demo seed, the real
 * queue listener and poller, the production FedEx adapter against the local FedEx server.
 */
import { waitForQueueIdle } from "@/tests/helpers/services.ts";
import { getShipments } from "@/lib/orders/shipments.ts";
import { seedDemo } from "@/lib/seed/demo.ts";
import { DEMO_CUSTOMER, DEMO_ORG } from "@/lib/seed/demo_data.ts";
import { FakeFedex, FEDEX_FIXTURES } from "@/tests/fakes/carriers/fedex.ts";
import assert from "node:assert/strict";
import { startTestServer } from "@/tests/helpers/server.ts";

const ORDER = "ORD-008456";
/** The demo order's FedEx number. */
const DEMO_TRACKING = "123456789012";
/** A FedEx fixture of a delivered parcel, served for the demo number. */
const DELIVERED = "122816215025810";

Deno.test({
  name: "order page views: a stale cache makes one queued refresh for 5 views, fresh none",
  fn: async () => {
    const fedex = new FakeFedex();
    fedex.fixtures.set(DEMO_TRACKING, FEDEX_FIXTURES[DELIVERED]);
    let link = "";
    const server = await startTestServer({
      env: {
        RATE_LIMIT_PER_HOUR: "10000",
        TRACKING_STALE_MINUTES: "30",
        FEDEX_CLIENT_ID: "fx-id",
        FEDEX_CLIENT_SECRET: "fx-secret",
        FEDEX_BASE_URL: fedex.url,
      },
      background: true,
      setup: async (services) => {
        link = new URL((await seedDemo(services))!).pathname;
      },
    });
    try {
      const page = `${link}/orders/${ORDER}`;
      const view = async () => {
        const res = await server.fetch(page);
        assert.deepEqual(res.status, 200);
        assert.match(await res.text(), /Tracking Timeline/);
      };
      // Just seeded: the cache is fresh, so views ask the carrier nothing.
      await view();
      await view();
      await waitForQueueIdle();
      assert.deepEqual(fedex.batches, []);

      // 31 minutes on, the cache is stale: five concurrent views, one carrier call.
      server.clock.advance(31 * 60_000);
      await Promise.all(Array.from({ length: 5 }, view));
      await waitForQueueIdle();
      assert.deepEqual(fedex.batches, [[DEMO_TRACKING]]);
      const [s] = await getShipments(
        server.services.kv,
        DEMO_ORG.slug,
        DEMO_CUSTOMER.ref,
        ORDER,
      );
      assert.deepEqual(s.status, "delivered");
      assert.deepEqual(s.last_refreshed_at, server.clock.now().toISOString());

      // Refreshed: fresh again, more views ask for nothing (and a delivered parcel never).
      await view();
      server.clock.advance(31 * 60_000);
      await view();
      await waitForQueueIdle();
      assert.deepEqual(fedex.batches.length, 1);
    } finally {
      await server.close();
      await fedex.close();
    }
  },
});
