/**
 * `GET /staff/signin[?return_to=&org=&signed_out=1]`: the sign-in page. `POST /staff/signin`
 * (the page's button; same-site only) starts the OpenID Connect sign-in: 302 to the
 * company's provider, back at `/staff/callback`.
 */
import { page } from "fresh";
import { SignInPage, type SignInView } from "@/components/staff/SignIn.tsx";
import { ForbiddenError, NotFoundError } from "@/lib/errors.ts";
import { readSmallForm } from "@/lib/http/forms.ts";
import { currentStaff, safeStaffReturn } from "@/lib/http/oidc.ts";
import { isCrossSite, ownOrigins } from "@/lib/http/origin.ts";
import { staffClientIp } from "@/lib/http/staff_access.ts";
import { contentSecurityPolicy } from "@/lib/http/security_headers.ts";
import { listOrgs } from "@/lib/orders/orgs.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { define } from "@/lib/state.ts";

const ORG = /^[a-z0-9][a-z0-9-]{1,39}$/;

export const handler = define.handlers({
  async GET(ctx) {
    const { services, oidc } = ctx.state;
    const returnTo = safeStaffReturn(ctx.url.searchParams.get("return_to"));
    // Already signed in: straight on.
    if (await currentStaff(services, ctx.req, { ip: staffClientIp(ctx.req, ctx.info) })) {
      return ctx.redirect(returnTo, 303);
    }
    if (oidc) {
      // The button's POST is redirected to the provider: its origin must be a form-action
      // (this page runs no script, so the policy's nonce matches nothing).
      const origins = await oidc.signInOrigins();
      ctx.state.responseHeaders.set(
        "content-security-policy",
        contentSecurityPolicy(crypto.randomUUID()).replace(
          "form-action 'self'",
          `form-action 'self' ${origins.join(" ")}`,
        ),
      );
    }
    const org = ctx.url.searchParams.get("org") ?? "";
    ctx.state.title = staffMessages.t(ctx.state.locale, "signin.title");
    return page<SignInView>({
      mode: oidc ? "oidc" : "developer",
      returnTo,
      signedOut: ctx.url.searchParams.get("signed_out") === "1",
      ...(ORG.test(org) ? { org } : {}),
      orgs: oidc ? [] : await listOrgs(services.kv),
    });
  },
  async POST(ctx) {
    const { services, oidc } = ctx.state;
    if (!oidc) throw new NotFoundError("Not found");
    if (isCrossSite(ctx.req, ownOrigins(ctx.url, services.config.publicBaseUrl))) {
      throw new ForbiddenError("Cross-site requests are refused.");
    }
    const form = await readSmallForm(ctx.req);
    return await oidc.signIn(ctx.req, {
      returnTo: form.return_to,
      ...(ORG.test(form.org ?? "") ? { org: form.org } : {}),
    });
  },
});

export default define.page<typeof handler>(function SignIn({ data, state, url }) {
  return <SignInPage view={data} locale={state.locale} url={url} />;
});
