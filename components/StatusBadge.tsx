/**
 * Order status as an icon plus text (never colour alone): processing blue, shipped yellow,
 * delivered green, cancelled gray; colours in static/styles.css pass WCAG AA.
 */
import type { OrderStatus, TrackingStatus } from "@/lib/orders/model.ts";
import type { T } from "@/lib/pages/messages.ts";

export function StatusBadge({ t, status }: { t: T; status: OrderStatus }) {
  return <span class={`badge badge--${status}`}>{t(`status.${status}`)}</span>;
}

/** A shipment's tracking state, styled like the order badge it corresponds to. */
export function TrackingBadge({ t, status }: { t: T; status: TrackingStatus }) {
  const look = status === "delivered"
    ? "delivered"
    : status === "exception"
    ? "exception"
    : status === "label_created"
    ? "processing"
    : "shipped";
  return <span class={`badge badge--${look}`}>{t(`ts.${status}`)}</span>;
}
