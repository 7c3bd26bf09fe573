/** The org's support contact as links (mail and phone), for the empty, error and help texts. */
import type { Org } from "@/lib/orders/model.ts";

export function telHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+]/g, "")}`;
}

export function ContactLinks(
  { org, phoneLabel }: { org: Pick<Org, "support_email" | "support_phone">; phoneLabel?: string },
) {
  return (
    <>
      <a href={`mailto:${org.support_email}`}>{org.support_email}</a>
      {org.support_phone && (
        <>
          {" | "}
          {phoneLabel ? `${phoneLabel} ` : ""}
          <a href={telHref(org.support_phone)}>{org.support_phone}</a>
        </>
      )}
    </>
  );
}
