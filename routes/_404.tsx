import type { PageProps } from "../lib/framework/types.ts";

const TEXT = {
  en: {
    title: "Page not found",
    body: "There is nothing at this address.",
    home: "Go to the start page",
  },
  es: {
    title: "Página no encontrada",
    body: "No hay nada en esta dirección.",
    home: "Ir a la página de inicio",
  },
  pl: {
    title: "Nie znaleziono strony",
    body: "Pod tym adresem nic nie ma.",
    home: "Przejdź do strony startowej",
  },
};

export default function NotFound({ state }: PageProps) {
  const t = TEXT[state.locale];
  return (
    <main id="main" class="page state-page">
      <h1>{t.title}</h1>
      <p>{t.body}</p>
      <p>
        <a href="/">{t.home}</a>
      </p>
    </main>
  );
}
