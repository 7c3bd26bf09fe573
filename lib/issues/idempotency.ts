/**
 * What an Idempotency-Key on a report is bound to (Stripe's rule: a key names one request).
 * The fingerprint is a SHA-256 over the request as the ticket would store it: the link it
 * came through, the order, the validated text fields and each photo's SHA-256 in order. The
 * language is left out: it only picks the confirmation's language, and a retry after the
 * customer switched language is still the same report.
 */
import { sha256Hex } from "@/lib/http/sha256.ts";
import type { IssueType } from "./rules.ts";

export interface ReportRequest {
  /** SHA-256 of the link's token (what KV keeps of a link). */
  link: string;
  order_number: string;
  issue_type: IssueType;
  description: string;
  contact_email: string;
  contact_phone?: string;
  /** Each photo's SHA-256, in the order sent. */
  photos: string[];
}

/** `await reportFingerprint(request)` → 64 hex characters. */
export function reportFingerprint(r: ReportRequest): Promise<string> {
  // An array, so the order of the parts is fixed whatever the object's key order.
  return sha256Hex(JSON.stringify([
    "report/v1",
    r.link,
    r.order_number,
    r.issue_type,
    r.description,
    r.contact_email,
    r.contact_phone ?? null,
    r.photos,
  ]));
}
