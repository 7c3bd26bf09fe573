/**
 * The order page's status line in the customer's words and language, from the outlook
 * lib/orders/progress.ts decides: "Arriving Sunday, Jan 18", "Running late: new estimate
 * Jan 20", "Delivered Jan 14, 2:05 PM · left at the front door · signed by C. Reilly",
 * "Cancelled on Jan 3", with the notes that go under it. The dashboard can use the same lines.
 */
import {
  formatDate,
  formatDayDate,
  formatMoment,
  formatShortDate,
  formatTime,
} from "@/lib/i18n/format.ts";
import { LEFT_AT_PLACES, type Locale } from "@/lib/orders/model.ts";
import type { OrderOutlook, ShipmentOutlook } from "@/lib/orders/progress.ts";
import { estimateIsOver } from "@/lib/orders/running_late.ts";
import { type FactLabels, PERSON_FACT_KEYS, wherePhrases } from "./delivery_facts.ts";
import type { T } from "./messages.ts";

export type Tone = "normal" | "late" | "done" | "cancelled";

export interface OutlookText {
  /** The one large line. */
  line: string;
  /** Smaller lines under it (the original date, the carrier's reason, when it ships). */
  notes: string[];
  tone: Tone;
}

/** The page catalogue's `fact.*` phrases, for delivery_facts.ts. */
export function factLabels(t: T): FactLabels {
  const keys = [...LEFT_AT_PLACES, ...PERSON_FACT_KEYS];
  return Object.fromEntries(keys.map((k) => [k, t(`fact.${k}`)])) as FactLabels;
}

/** "Jan 3" this year, "Jan 3, 2025" another: a date near `now` needs no year. */
function nearDate(locale: Locale, iso: string, now: Date): string {
  const date = iso.slice(0, 4) === String(now.getUTCFullYear())
    ? formatShortDate(locale, iso)
    : formatDate(locale, iso);
  // One unit on the line: a phone never leaves "20" at one line's end and "sty" on the next.
  return date.replaceAll(" ", "\u00a0");
}

/** The status line and notes of an order's (or one shipment's) outlook. */
export function outlookText(
  o: OrderOutlook | ShipmentOutlook,
  t: T,
  locale: Locale,
  now: Date,
): OutlookText {
  const near = (iso: string) => nearDate(locale, iso, now);
  switch (o.kind) {
    case "cancelled":
      return {
        line: o.at ? t("glance.cancelled", { date: near(o.at) }) : t("glance.cancelledUndated"),
        notes: [t("glance.cancelledBody")],
        tone: "cancelled",
      };
    case "delivered": {
      const head = o.at
        ? t("glance.delivered", { moment: formatMoment(locale, o.at) })
        : t("glance.deliveredUndated");
      return {
        line: [head, ...wherePhrases(o.facts, factLabels(t))].join(" · "),
        notes: [],
        tone: "done",
      };
    }
    case "late": {
      const notes: string[] = [];
      let line: string;
      if (o.expected && o.original) {
        line = t("glance.late", { date: near(o.expected) });
        notes.push(t("glance.originally", { date: near(o.original) }));
      } else if (o.expected && estimateIsOver(o.expected, now)) {
        line = t("glance.lateExpected", { date: near(o.expected) });
      } else {
        line = t("glance.lateUndated");
        if (o.expected) notes.push(t("glance.originally", { date: near(o.expected) }));
      }
      if (o.reason) notes.push(t("glance.reason", { reason: o.reason }));
      return { line, notes, tone: "late" };
    }
    case "out_for_delivery":
      return {
        line: t("glance.outForDelivery"),
        notes: o.window?.begins && o.window.ends
          ? [
            t("glance.window", {
              begins: formatTime(locale, o.window.begins),
              ends: formatTime(locale, o.window.ends),
            }),
          ]
          : [],
        tone: "normal",
      };
    case "arriving":
    case "on_the_way":
      return {
        line: o.expected
          ? t("glance.arriving", { date: formatDayDate(locale, o.expected) })
          : t("ts.in_transit"),
        notes: [],
        tone: "normal",
      };
    case "label_created":
      return {
        line: o.expected
          ? t("glance.expected", { date: formatDayDate(locale, o.expected) })
          : t("ts.label_created"),
        notes: [t("ts.label_created")].filter(() => !!o.expected),
        tone: "normal",
      };
    case "preparing":
      return {
        line: o.expected
          ? t("glance.expected", { date: formatDayDate(locale, o.expected) })
          : t("glance.preparing"),
        notes: o.shipBy
          ? [t("glance.shipBy", { date: near(o.shipBy) })]
          : o.expected
          ? [t("glance.preparing")]
          : [],
        tone: "normal",
      };
  }
}
