/** The customer's pages: header with the org and [Help], the main landmark, the help footer. */
import { PortalLayout } from "@/components/PortalLayout.tsx";
import { pageMessages } from "@/lib/pages/messages.ts";
import { linkDefine } from "@/lib/state.ts";

export default linkDefine.layout(function CustomerLayout({ Component, state, url }) {
  return (
    <PortalLayout
      t={pageMessages.bind(state.locale)}
      locale={state.locale}
      url={url}
      org={state.access.org}
    >
      <Component />
    </PortalLayout>
  );
});
