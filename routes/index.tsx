import type { Handlers, PageProps } from "../lib/framework/types.ts";

const TEXT = {
  en: {
    title: "Follow your orders",
    lead: "This portal shows the orders, shipments and documents your supplier shares with you.",
    how:
      "To open it, use the personal link in the email from your supplier. The link is your key: there is no password.",
    lost:
      "Lost the email or the link stopped working? Ask your supplier's sales team for a new link.",
  },
  es: {
    title: "Siga sus pedidos",
    lead:
      "Este portal muestra los pedidos, envíos y documentos que su proveedor comparte con usted.",
    how:
      "Para abrirlo, use el enlace personal del correo de su proveedor. El enlace es su llave: no hay contraseña.",
    lost:
      "¿Perdió el correo o el enlace ya no funciona? Pida un enlace nuevo al equipo de ventas de su proveedor.",
  },
  pl: {
    title: "Śledź swoje zamówienia",
    lead: "Ten portal pokazuje zamówienia, przesyłki i dokumenty, które udostępnia Ci dostawca.",
    how:
      "Aby go otworzyć, użyj osobistego linku z e-maila od dostawcy. Link jest kluczem: nie ma hasła.",
    lost: "Zgubiony e-mail lub link przestał działać? Poproś dział sprzedaży dostawcy o nowy link.",
  },
};

export const handler: Handlers = {
  GET(ctx) {
    ctx.state.title = TEXT[ctx.state.locale].title;
    return ctx.render();
  },
};

/** Landing page for visitors without a link. */
export default function Landing({ state }: PageProps) {
  const t = TEXT[state.locale];
  return (
    <>
      <header class="site-header">
        <div class="site-header__inner">
          <p class="site-header__product">MonoPilot Customer Portal</p>
          <nav class="lang-switch" aria-label="Language">
            {(["en", "es", "pl"] as const).map((l) => (
              <a
                href={`/?lang=${l}`}
                lang={l}
                aria-current={l === state.locale ? "true" : undefined}
              >
                {l.toUpperCase()}
              </a>
            ))}
          </nav>
        </div>
      </header>
      <main id="main" class="page landing">
        <h1>{t.title}</h1>
        <p>{t.lead}</p>
        <p>{t.how}</p>
        <p>{t.lost}</p>
      </main>
    </>
  );
}
