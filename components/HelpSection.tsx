/** [Help] target: what the portal is, that the link is the key, and whom to contact. */
import type { Org } from "@/lib/orders/model.ts";
import type { T } from "@/lib/pages/messages.ts";
import { ContactLinks } from "./Contact.tsx";

export function HelpSection({ t, org }: { t: T; org: Org }) {
  return (
    <footer class="help" id="help" tabIndex={-1} aria-labelledby="help-title">
      <div class="help__inner">
        <h2 id="help-title">{t("help.title")}</h2>
        <p>{t("help.what", { org: org.name })}</p>
        <p>{t("help.link")}</p>
        <p>
          {t("help.change", { org: org.name })} <ContactLinks org={org} />
        </p>
      </div>
    </footer>
  );
}
