import type { PageProps } from "../lib/framework/types.ts";

const TEXT = {
  en: { title: "Something went wrong", retry: "Please try again in a moment." },
  es: { title: "Algo salió mal", retry: "Inténtelo de nuevo en un momento." },
  pl: { title: "Coś poszło nie tak", retry: "Spróbuj ponownie za chwilę." },
};

/** Error page for any status other than 404; shows the client-safe message it is given. */
export default function ErrorPage({ data, state }: PageProps<{ status: number; message: string }>) {
  const t = TEXT[state.locale];
  return (
    <main id="main" class="page state-page">
      <h1>{data.status >= 500 ? t.title : data.message}</h1>
      <p>{t.retry}</p>
    </main>
  );
}
