import { asset } from "fresh/runtime";
import { pageMessages } from "@/lib/pages/messages.ts";
import { define } from "@/lib/state.ts";

const SKIP = { en: "Skip to main content", es: "Saltar al contenido", pl: "Przejdź do treści" };

/** The only document shell. Pages render inside <Component />; island scripts come last. */
export default define.page(function App({ Component, state }) {
  // An error before the root middleware ran leaves the state bare: English then.
  const locale = state.locale ?? "en";
  // The product's name in the page's language, as the header says it.
  const product = pageMessages.bind(locale)("app.name");
  return (
    <html lang={locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>
          {state.title ? `${state.title} · ${product}` : product}
        </title>
        <link rel="stylesheet" href={asset("/styles.css")} />
        <link rel="icon" href={asset("/favicon.svg")} type="image/svg+xml" />
      </head>
      <body>
        <a class="skip-link" href="#main">{SKIP[locale]}</a>
        <Component />
      </body>
    </html>
  );
});
