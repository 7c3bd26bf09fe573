/** How the console names a dead letter: an email by its recipients and subject, else its type. */
import type { DeadLetter } from "@/lib/queue/dead_letters.ts";
import type { StaffT } from "./StaffChrome.tsx";

export function summaryOf(t: StaffT, d: Pick<DeadLetter, "type" | "payload">): string {
  const p = d.payload as { to?: unknown; subject?: unknown } | null;
  if (d.type === "email.send" && p) {
    const to = Array.isArray(p.to) ? p.to.join(", ") : "";
    return t("dl.email", { to, subject: typeof p.subject === "string" ? p.subject : "" });
  }
  return d.type;
}
