/**
 * The staff console's chrome (navigation, who is signed in, sign-out) around every signed-in
 * page; the sign-in page brings its own.
 */
import { StaffLayout } from "@/components/staff/StaffChrome.tsx";
import { define } from "@/lib/state.ts";

export default define.layout(function StaffConsoleLayout({ Component, state, url }) {
  if (!state.staff) return <Component />;
  return (
    <StaffLayout locale={state.locale} url={url} staff={state.staff}>
      <Component />
    </StaffLayout>
  );
});
