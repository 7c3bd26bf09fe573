/**
 * The Report Issue rules (INT-007 Validation), shared by the server's zod schema and the
 * island's client-side checks so both say the same thing. No imports: the island bundles this.
 */
export const ISSUE_TYPES = [
  "damaged",
  "missing",
  "wrong_items",
  "delayed",
  "quality",
  "other",
] as const;
export type IssueType = typeof ISSUE_TYPES[number];

export const DESCRIPTION_MIN = 10;
export const DESCRIPTION_MAX = 1000;
export const MAX_FILES = 5;
/** 10 MB = 10,485,760 bytes is accepted; one byte more is 413. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_EMAIL = 254;
/** Digits, spaces and + - ( ) . ; at least 5 digits. */
export const PHONE_PATTERN = /^\+?[0-9 ()\-.]{5,30}$/;
/** A plain sanity check for the client; the server also applies zod's email rule. */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Characters as a person counts them (code points), after trimming. */
export function charCount(s: string): number {
  return [...s.trim()].length;
}

export function phoneOk(s: string): boolean {
  const t = s.trim();
  return PHONE_PATTERN.test(t) && (t.match(/[0-9]/g)?.length ?? 0) >= 5;
}

export type RuleKey =
  | "err_issue_type"
  | "err_description_short"
  | "err_description_long"
  | "err_email"
  | "err_phone";

export interface ReportFields {
  issue_type: string;
  description: string;
  contact_email: string;
  contact_phone: string;
}

/** Per-field message keys for the text fields (empty object = valid). */
export function checkReport(f: ReportFields): Partial<Record<keyof ReportFields, RuleKey>> {
  const out: Partial<Record<keyof ReportFields, RuleKey>> = {};
  if (!(ISSUE_TYPES as readonly string[]).includes(f.issue_type)) out.issue_type = "err_issue_type";
  const n = charCount(f.description);
  if (n < DESCRIPTION_MIN) out.description = "err_description_short";
  else if (n > DESCRIPTION_MAX) out.description = "err_description_long";
  const email = f.contact_email.trim();
  if (!EMAIL_PATTERN.test(email) || email.length > MAX_EMAIL) out.contact_email = "err_email";
  if (f.contact_phone.trim() !== "" && !phoneOk(f.contact_phone)) out.contact_phone = "err_phone";
  return out;
}

/** Decides a file's type from its first bytes, never from its name or declared type. */
export function sniffType(head: Uint8Array): "image/jpeg" | "image/png" | "application/pdf" | null {
  const starts = (sig: number[]) => sig.every((b, i) => head[i] === b);
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return "application/pdf";
  return null;
}

export const EXTENSIONS = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "application/pdf": "pdf",
} as const;
