/**
 * "Your reports" on the order page: the customer's tickets for this order, each with its
 * number, what was reported, its status and the staff replies, oldest first (never an
 * internal note or a staff email address: lib/issues/workflow.ts `CustomerTicket`). Nothing
 * is shown for an order without reports. Its styles are the "Your reports" section of
 * static/styles.css.
 */
import type { Locale } from "@/lib/orders/model.ts";
import { formatDate, formatTime } from "@/lib/i18n/format.ts";
import { defineMessages } from "@/lib/i18n/messages.ts";
import { issueMessages, workflowMessages } from "@/lib/issues/messages.ts";
import type { CustomerTicket } from "@/lib/issues/workflow.ts";

export const reportsMessages = defineMessages("issues.your_reports", {
  en: {
    title: "Your reports",
    reported: "Reported {date}",
    status: "Status",
    replies: "Replies",
    reply_from: "{name}, {date} at {time}",
    no_replies: "No reply yet. We will email you when there is one.",
    resolved: "Resolved {date}. Not solved? Reply to our email and we will look again.",
    you_wrote: "You wrote",
  },
  es: {
    title: "Sus informes",
    reported: "Enviado el {date}",
    status: "Estado",
    replies: "Respuestas",
    reply_from: "{name}, {date} a las {time}",
    no_replies: "Todavía no hay respuesta. Le escribiremos cuando la haya.",
    resolved:
      "Resuelto el {date}. ¿No está solucionado? Responda a nuestro correo y lo revisaremos de nuevo.",
    you_wrote: "Usted escribió",
  },
  pl: {
    title: "Twoje zgłoszenia",
    reported: "Zgłoszono {date}",
    status: "Status",
    replies: "Odpowiedzi",
    reply_from: "{name}, {date}, {time}",
    no_replies: "Nie ma jeszcze odpowiedzi. Napiszemy do Ciebie, gdy się pojawi.",
    resolved:
      "Rozwiązano {date}. Problem nie zniknął? Odpowiedz na naszą wiadomość, a zajmiemy się nim ponownie.",
    you_wrote: "Twój opis",
  },
});

export function YourReports({ locale, tickets }: { locale: Locale; tickets: CustomerTicket[] }) {
  if (tickets.length === 0) return null;
  const t = reportsMessages.bind(locale);
  const w = workflowMessages.bind(locale);
  const issue = issueMessages.bind(locale);
  return (
    <section class="card reports" id="reports" tabIndex={-1} aria-labelledby="reports-title">
      <h2 id="reports-title" class="card__title">{t("title")}</h2>
      <ul class="reports__list">
        {tickets.map((tk) => (
          <li class="report" aria-labelledby={`report-${tk.ticket_number}`}>
            <div class="report__head">
              <h3 class="report__number" id={`report-${tk.ticket_number}`}>
                {tk.ticket_number} · {issue(`type_${tk.issue_type}`)}
              </h3>
              <p class={`report__status report__status--${tk.status}`}>
                <span class="sr-only">{t("status")}:</span> {w(`status_${tk.status}`)}
              </p>
            </div>
            <p class="report__meta">{t("reported", { date: formatDate(locale, tk.created_at) })}</p>
            <details class="report__desc">
              <summary>{t("you_wrote")}</summary>
              <p>{tk.description}</p>
            </details>
            {tk.replies.length === 0
              ? tk.status !== "resolved" && <p class="report__none">{t("no_replies")}</p>
              : (
                <ol class="report__replies" aria-label={t("replies")}>
                  {tk.replies.map((r) => (
                    <li class="report__reply">
                      <p class="report__from">
                        {t("reply_from", {
                          name: r.author_name,
                          date: formatDate(locale, r.created_at),
                          time: formatTime(locale, r.created_at),
                        })}
                      </p>
                      <p class="report__body">{r.body}</p>
                    </li>
                  ))}
                </ol>
              )}
            {tk.status === "resolved" && tk.resolved_at && (
              <p class="report__resolved">
                {t("resolved", { date: formatDate(locale, tk.resolved_at) })}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
