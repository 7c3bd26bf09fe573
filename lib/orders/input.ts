/**
 * Zod schemas for everything an operator or ERP sends (admin API bodies, CLI files and flags).
 * The store trusts only what passed these; per-field messages become a 422's `fields`.
 */
import { z } from "zod";
import { codePoints, isOneLine } from "@/lib/text.ts";
import { carrierFromName, oneLineName } from "./carrier_names.ts";
import { LOCALES, ORDER_STATUSES, TRACKING_STATUSES } from "./model.ts";
import { AmountString, PriceString, QuantityString } from "./money.ts";

/** Hard caps that keep every KV value under 64 KiB and every atomic op well under its limit. */
export const LIMITS = {
  lines: 500,
  shipmentsPerOrder: 20,
  eventsPerShipment: 100,
} as const;

const identifier = (what: string, max = 64) =>
  z
    .string()
    .regex(
      new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${max - 1}}$`),
      `${what}: letters, digits, ".", "_" or "-", at most ${max} characters.`,
    );

export const OrgSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'Lower-case letters, digits and "-", 2 to 40 characters.');
export const CustomerRef = identifier("Customer reference");
export const OrderNumber = identifier("Order number");
export const TrackingNumber = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{2,39}$/, 'Letters, digits and "-", 3 to 40 characters.');

/** A calendar date, YYYY-MM-DD, that exists. */
export const DateString = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date such as 2026-01-14.")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, "Not a calendar date.");

/** An ISO 8601 timestamp with a zone (Z or ±hh:mm), kept as sent so local offsets survive. */
export const TimestampString = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
    "Use an ISO 8601 time with a zone, such as 2026-01-15T10:30:00-05:00.",
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), "Not a valid time.");

/** A date or a timestamp (carriers give either for an estimated delivery). */
export const DateOrTimestamp = z.union([DateString, TimestampString], {
  error: "Use a date (2026-01-18) or an ISO 8601 time with a zone.",
});

const text = (max: number) =>
  z.string().trim().min(1, "Required.").max(max, `At most ${max} characters.`);

/**
 * One line an operator typed (a name, a label): Unicode-normalized (NFC, so "é" typed either
 * way is one stored form), trimmed, 1 to `max` characters, and no character that ends or bends
 * a line (lib/text.ts): such a value ends up in email subjects, page titles and log lines.
 */
export const oneLine = (max: number) =>
  z.string().transform((s) => s.normalize("NFC").trim()).pipe(
    z.string()
      .min(1, "Required.")
      .refine(isOneLine, "One line of text, without line breaks or control characters.")
      .refine((s) => codePoints(s) <= max, `At most ${max} characters.`),
  );

/** An email address as operators send it: trimmed and normalized, then zod's (ASCII) rule. */
export const EmailAddress = z.string().transform((s) => s.normalize("NFC").trim()).pipe(
  z.email("A valid email address, such as ops@example.com.").max(254, "At most 254 characters."),
);

/** Digits with the usual separators, an optional leading + and extension; 5 digits at least. */
const PHONE = /^\+?[0-9 ()./-]+(?:\s*(?:ext\.?|x|#)\s*[0-9]{1,6})?$/i;

/** A phone number: one line of at most 40 characters, digits and + ( ) - . / spaces. */
export const PhoneNumber = oneLine(40).refine(
  (s) => PHONE.test(s) && (s.match(/[0-9]/g)?.length ?? 0) >= 5,
  'A phone number: digits, spaces and + ( ) - . /, at least 5 digits (such as "+1 555 123 4567").',
);

/** A person's or company's name. */
export const NameText = oneLine(200);

export const LineInput = z.strictObject({
  item_code: text(64),
  description: text(300),
  qty_ordered: QuantityString,
  uom: text(16).optional(),
  unit_price: PriceString,
});

/** The admin API's order body (contract.md), plus two optional ERP fields. */
export const OrderInput = z.strictObject({
  customer_ref: CustomerRef,
  order_date: DateString,
  delivery_date: DateString,
  status: z.enum(ORDER_STATUSES),
  currency: z.string().regex(/^[A-Z]{3}$/, "An ISO 4217 code such as USD."),
  delivery_address: text(1000),
  lines: z
    .array(LineInput)
    .min(1, "An order needs at least one line.")
    .max(LIMITS.lines, `At most ${LIMITS.lines} lines per order.`),
  tax: AmountString.optional(),
  /** Absent = shipping included. */
  shipping: AmountString.optional(),
  /** Estimated ship date shown for processing orders. */
  estimated_ship_date: DateString.optional(),
  /** The ERP's invoice number; otherwise derived once from the order year and number. */
  invoice_number: identifier("Invoice number", 40).optional(),
});
export type OrderInput = z.infer<typeof OrderInput>;

export const CustomerInput = z.strictObject({
  name: NameText,
  email: EmailAddress,
  phone: PhoneNumber.optional(),
  locale: z.enum(LOCALES).optional(),
});
export type CustomerInput = z.infer<typeof CustomerInput>;

export const OrgInput = z.strictObject({
  slug: OrgSlug,
  name: NameText,
  support_email: EmailAddress,
  support_phone: PhoneNumber,
});
export type OrgInput = z.infer<typeof OrgInput>;

/**
 * A shipment as the ERP sends it. `carrier` is a carrier name (lib/orders/carrier_names.ts):
 * FedEx, UPS or USPS under their common names are tracked, any other name is the manual
 * carrier shown as sent; an explicit `carrier_name` is the name to show.
 */
export const ShipmentInput = z.strictObject({
  carrier: oneLineName("Carrier"),
  carrier_name: oneLineName("Carrier name").optional(),
  shipped_at: TimestampString,
  service: oneLineName("Service", 100).optional(),
  estimated_delivery: DateOrTimestamp.optional(),
}).transform(({ carrier, carrier_name, ...rest }) => {
  const choice = carrierFromName(carrier);
  const name = carrier_name ?? choice.carrier_name;
  return { ...rest, carrier: choice.carrier, ...(name ? { carrier_name: name } : {}) };
});
/** The shipment after its carrier name was read: `carrier` is one of ours. */
export type ShipmentInput = z.output<typeof ShipmentInput>;

/** A manual tracking update entered by warehouse staff. */
export const TrackingEventInput = z.strictObject({
  status: z.enum(TRACKING_STATUSES),
  occurred_at: TimestampString,
  description: text(300),
  location: text(200).optional(),
});
export type TrackingEventInput = z.infer<typeof TrackingEventInput>;
