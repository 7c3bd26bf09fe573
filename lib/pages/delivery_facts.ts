/**
 * A shipment's delivery facts (`shipment.delivery`: who took it, where it was left, attempts,
 * the delay's reason, the window, proof of delivery) as short phrases in the page's language,
 * for the order page's status line and the timeline island alike. The words come in as
 * `FactLabels` (the page's catalogue, `fact.*`), so the island bundles no catalogue.
 */
import type { DeliveryFacts, LeftAtPlace } from "@/lib/orders/model.ts";

/**
 * The `fact.*` phrases that are not places (the places are model.ts's `LEFT_AT_PLACES`, listed
 * once there; lib/pages/outlook_text.ts joins the two). No runtime import of model.ts here: the
 * timeline island bundles this module.
 */
export const PERSON_FACT_KEYS = [
  "signedBy",
  "receivedBy",
  "attempts",
  "reason",
  "window",
  "pod",
] as const;

/** `fact.*` of lib/pages/messages.ts, without the prefix: a phrase per place, then the rest. */
export type FactLabels = Record<LeftAtPlace | typeof PERSON_FACT_KEYS[number], string>;

/** `{name}` placeholders filled from `v` (client-side labels; unknown ones kept). */
export const fill = (s: string, v: Record<string, string | number>) =>
  s.replace(/\{(\w+)\}/g, (m, k) => (k in v ? String(v[k]) : m));

/** Where and who: "left at the front door", "signed by C. Reilly" (the status line's part). */
export function wherePhrases(d: DeliveryFacts | null | undefined, l: FactLabels): string[] {
  if (!d) return [];
  const out: string[] = [];
  if (d.left_at && d.left_at !== "other") out.push(l[d.left_at]);
  else if (d.left_at_text) out.push(fill(l.other, { text: d.left_at_text }));
  if (d.signed_by) out.push(fill(l.signedBy, { name: d.signed_by }));
  else if (d.received_by) out.push(fill(l.receivedBy, { name: d.received_by }));
  return out;
}

/**
 * Every fact as a phrase, for the timeline's "Delivery details": where and who, attempts, the
 * delay's reason, the window (`time` formats its two ends), proof of delivery.
 */
export function factPhrases(
  d: DeliveryFacts | null | undefined,
  l: FactLabels,
  time: (iso: string) => string,
): string[] {
  if (!d) return [];
  const out = wherePhrases(d, l);
  if (d.signed_by && d.received_by && d.received_by !== d.signed_by) {
    out.push(fill(l.receivedBy, { name: d.received_by }));
  }
  if (d.attempts && d.attempts > 1) out.push(fill(l.attempts, { count: d.attempts }));
  if (d.delay_reason) out.push(fill(l.reason, { reason: d.delay_reason }));
  if (d.window?.begins && d.window.ends) {
    out.push(fill(l.window, { begins: time(d.window.begins), ends: time(d.window.ends) }));
  }
  if (d.proof_of_delivery?.available) out.push(l.pod);
  return out;
}
