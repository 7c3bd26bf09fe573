import { asset } from "@/lib/framework/assets.ts";
import type { AppProps } from "@/lib/framework/types.ts";

const SKIP = { en: "Skip to main content", es: "Saltar al contenido", pl: "Przejdź do treści" };

/** The only document shell. Pages render inside <Component />; island scripts come last. */
export default function App({ Component, state, scripts }: AppProps) {
  return (
    <html lang={state.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>
          {state.title ? `${state.title} · MonoPilot Customer Portal` : "MonoPilot Customer Portal"}
        </title>
        <link rel="stylesheet" href={asset("/styles.css")} />
        <link rel="icon" href={asset("/favicon.svg")} type="image/svg+xml" />
      </head>
      <body>
        <a class="skip-link" href="#main">{SKIP[state.locale]}</a>
        <Component />
        {scripts}
      </body>
    </html>
  );
}
