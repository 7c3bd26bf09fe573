/**
 * No Orders Found, with the org's contact (or, for a filter or a search, a way back to all
 * orders).
 */
import type { Org } from "@/lib/orders/model.ts";
import type { T } from "@/lib/pages/messages.ts";
import { ContactLinks } from "./Contact.tsx";

export function EmptyState(
  { t, org, filtered, q, allHref }: {
    t: T;
    org: Org;
    filtered: boolean;
    /** The search that found nothing, "" for none. */
    q?: string;
    allHref: string;
  },
) {
  return (
    <div class="state state--empty">
      <span class="state__icon state__icon--box" aria-hidden="true"></span>
      <h3 class="state__title">{t("empty.title")}</h3>
      {q
        ? (
          <p>
            {t(filtered ? "search.noneFiltered" : "search.none", { q })}{" "}
            <a href={allHref}>{t("empty.showAll")}</a>
          </p>
        )
        : filtered
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
