/**
 * The demo portal plus what the dashboard's browser tests need beyond the demo: a shipment
 * running late (estimate two days ago, still in transit) on an order with a long PO number,
 * and a customer without orders (`CUST-NEW`, for the empty state).
 */
import { upsertCustomer } from "@/lib/orders/customers.ts";
import { upsertOrder } from "@/lib/orders/orders.ts";
import { applyTrackingUpdate, upsertShipment } from "@/lib/orders/shipments.ts";
import { DEMO_CUSTOMER } from "@/lib/seed/demo_data.ts";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { WIREFRAME_LINES } from "@/tests/helpers/wireframe.ts";

export async function startDashboardPortal(): Promise<Portal> {
  return await startPortal({
    listen: true,
    setup: async (services) => {
      const now = services.clock.now();
      await upsertOrder(services.kv, "acme", "ORD-008470", {
        customer_ref: DEMO_CUSTOMER.ref,
        order_date: "2026-01-15",
        delivery_date: "2026-01-14",
        status: "shipped",
        currency: "USD",
        delivery_address: "Retail Store Co., 456 Commerce St, City, ZIP",
        lines: WIREFRAME_LINES,
        customer_po: "RS-PO-2026-000117-ALPHA",
      }, now);
      await upsertShipment(services.kv, "acme", "ORD-008470", "1Z999AA10123456785", {
        carrier: "ups",
        shipped_at: "2026-01-12T09:00:00Z",
        estimated_delivery: "2026-01-14",
      }, now);
      await applyTrackingUpdate(services.kv, "acme", "ORD-008470", "1Z999AA10123456785", {
        status: "in_transit",
        events: [{
          status: "in_transit",
          occurred_at: "2026-01-13T08:00:00Z",
          description: "Departed from facility",
        }],
        last_refreshed_at: now.toISOString(),
      });
      await upsertCustomer(services.kv, "acme", "CUST-NEW", {
        name: "Nueva Tienda Sp. z o.o.",
        email: "new@example.com",
      }, now);
    },
  });
}
