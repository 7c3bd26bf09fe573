/** No Orders Found, with the org's contact (or, for a filter, a way back to all orders). */
import type { Org } from "@/lib/orders/model.ts";
import type { T } from "@/lib/pages/messages.ts";
import { ContactLinks } from "./Contact.tsx";

export function EmptyState(
  { t, org, filtered, allHref }: { t: T; org: Org; filtered: boolean; allHref: string },
) {
  return (
    <div class="state state--empty">
      <span class="state__icon state__icon--box" aria-hidden="true"></span>
      <h3 class="state__title">{t("empty.title")}</h3>
      {filtered
        ? (
          <p>
            {t("empty.filtered")} <a href={allHref}>{t("empty.showAll")}</a>
          </p>
        )
        : (
          <>
            <p>{t("empty.none")}</p>
            <p>{t("empty.later")}</p>
          </>
        )}
      <p>
        {t("contact.questions")} <ContactLinks org={org} />
      </p>
    </div>
  );
}
