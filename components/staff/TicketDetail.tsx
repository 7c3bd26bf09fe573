/**
 * One ticket in the staff console: what the customer reported (photos as thumbnails served
 * by `/staff/tickets/{n}/photos/{i}`), the workflow forms (support and admins), and the
 * activity: replies to the customer, internal notes and changes, oldest first.
 */
import type { Locale } from "@/lib/orders/model.ts";
import type { StaffTicketView, TicketStatus } from "@/lib/issues/workflow.ts";
import { MAX_REPLIES } from "@/lib/issues/workflow.ts";
import { staffMessages } from "@/lib/staff/messages.ts";
import { CsrfField, fmtTime, Notice, PageHead, type StaffT, StatusBadge } from "./StaffChrome.tsx";

export interface TicketDetailData {
  view: StaffTicketView;
  assignees: Array<{ email: string; name: string }>;
  moves: TicketStatus[];
  canWork: boolean;
  notice: string | null;
}

const NOTICES = ["status", "assigned", "note", "reply", "unchanged"] as const;

function size(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

type Activity =
  | { kind: "reply"; at: string; who: string; body: string }
  | { kind: "note"; at: string; who: string; body: string }
  | { kind: "change"; at: string; who: string; text: string };

function activity(t: StaffT, v: StaffTicketView): Activity[] {
  const out: Activity[] = [
    ...v.replies.map((r) => ({
      kind: "reply" as const,
      at: r.created_at,
      who: r.author_name,
      body: r.body,
    })),
    ...v.notes.map((n) => ({
      kind: "note" as const,
      at: n.created_at,
      who: n.author_name,
      body: n.body,
    })),
    ...v.history.map((h) => ({
      kind: "change" as const,
      at: h.at,
      who: h.actor_email,
      text: h.kind === "status"
        ? t("activity.status", {
          from: t(`status.${h.from as TicketStatus}`),
          to: t(`status.${h.to as TicketStatus}`),
        })
        : h.to
        ? t("activity.assigned", { to: h.to })
        : t("activity.unassigned"),
    })),
  ];
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

export function TicketDetail(
  { data, locale, csrf }: { data: TicketDetailData; locale: Locale; csrf: string },
) {
  const t = staffMessages.bind(locale);
  const { ticket, state } = data.view;
  const base = `/staff/tickets/${ticket.ticket_number}`;
  const notice = (NOTICES as readonly string[]).includes(data.notice ?? "")
    ? t(`ticket.notice.${data.notice as typeof NOTICES[number]}`)
    : null;
  return (
    <>
      <PageHead title={t("ticket.title", { number: ticket.ticket_number })}>
        <StatusBadge t={t} status={state.status} />
      </PageHead>
      <Notice text={notice} />
      <p>
        <a class="st-back" href="/staff/tickets">{t("ticket.back")}</a>
      </p>
      <div class="st-grid">
        <section class="st-card" aria-labelledby="report-h">
          <h2 id="report-h">{t("ticket.report")}</h2>
          <dl class="st-facts">
            <div>
              <dt>{t("tickets.customer")}</dt>
              <dd>
                <a href={`/staff/customers/${encodeURIComponent(ticket.customer_ref)}`}>
                  {ticket.customer_name}
                </a>{" "}
                ({ticket.customer_ref})
              </dd>
            </div>
            <div>
              <dt>{t("tickets.order")}</dt>
              <dd>{ticket.order_number}</dd>
            </div>
            <div>
              <dt>{t("tickets.type")}</dt>
              <dd>{t(`type.${ticket.issue_type}`)}</dd>
            </div>
            <div>
              <dt>{t("tickets.created")}</dt>
              <dd>{fmtTime(locale, ticket.created_at)}</dd>
            </div>
            <div>
              <dt>{t("ticket.contact")}</dt>
              <dd>
                <a href={`mailto:${ticket.contact_email}`}>{ticket.contact_email}</a>
                {ticket.contact_phone && <>{" · "}{ticket.contact_phone}</>}
              </dd>
            </div>
            <div>
              <dt>{t("ticket.language")}</dt>
              <dd>{ticket.locale.toUpperCase()}</dd>
            </div>
          </dl>
          <h3>{t("ticket.description")}</h3>
          <p class="st-pre">{ticket.description}</p>
          <h3>{t("ticket.photos")}</h3>
          {ticket.photos.length === 0
            ? <p class="st-muted">{t("ticket.noPhotos")}</p>
            : (
              <ul class="st-photos">
                {ticket.photos.map((p, i) => {
                  const href = `${base}/photos/${i + 1}`;
                  const label = t("ticket.photo", { n: i + 1, name: p.name, size: size(p.size) });
                  return (
                    <li>
                      {p.type === "application/pdf"
                        ? (
                          <a class="st-photo st-photo--file" href={href} download={p.name}>
                            <span class="st-photo__kind" aria-hidden="true">PDF</span>
                            <span>{label}</span>
                          </a>
                        )
                        : (
                          <a class="st-photo" href={href} target="_blank" rel="noopener">
                            <img src={href} alt={label} width={160} height={120} loading="lazy" />
                            <span class="sr-only">{t("ticket.opensNewTab")}</span>
                          </a>
                        )}
                    </li>
                  );
                })}
              </ul>
            )}
        </section>
        <section class="st-card" aria-labelledby="work-h">
          <h2 id="work-h">{t("ticket.workflow")}</h2>
          <dl class="st-facts">
            <div>
              <dt>{t("tickets.status")}</dt>
              <dd>
                <StatusBadge t={t} status={state.status} />
              </dd>
            </div>
            <div>
              <dt>{t("tickets.assignee")}</dt>
              <dd>{state.assignee ?? t("tickets.nobody")}</dd>
            </div>
            <div>
              <dt>{t("ticket.updated")}</dt>
              <dd>{fmtTime(locale, state.updated_at)}</dd>
            </div>
          </dl>
          {data.canWork
            ? (
              <>
                <form method="post" action={`${base}/status`} class="st-form st-form--row">
                  <CsrfField token={csrf} />
                  <div class="st-field">
                    <label for="w-status">{t("ticket.moveTo")}</label>
                    <select id="w-status" name="status">
                      {data.moves.map((s) => <option key={s} value={s}>{t(`status.${s}`)}</option>)}
                    </select>
                  </div>
                  <button class="st-btn" type="submit">{t("ticket.changeStatus")}</button>
                </form>
                <form method="post" action={`${base}/assignee`} class="st-form st-form--row">
                  <CsrfField token={csrf} />
                  <div class="st-field">
                    <label for="w-assignee">{t("tickets.assignee")}</label>
                    <select id="w-assignee" name="assignee">
                      <option value="">{t("tickets.nobody")}</option>
                      {data.assignees.map((a) => (
                        <option value={a.email} selected={a.email === state.assignee}>
                          {a.name === a.email ? a.email : `${a.name} (${a.email})`}
                        </option>
                      ))}
                    </select>
                  </div>
                  <button class="st-btn" type="submit">{t("ticket.assign")}</button>
                </form>
              </>
            )
            : <p class="st-muted">{t("ticket.readOnly")}</p>}
        </section>
      </div>
      <section class="st-card" id="activity" tabIndex={-1} aria-labelledby="activity-h">
        <h2 id="activity-h">{t("ticket.activity")}</h2>
        {activity(t, data.view).length === 0
          ? <p class="st-muted">{t("ticket.noActivity")}</p>
          : (
            <ol class="st-activity">
              {activity(t, data.view).map((a) => (
                <li class={`st-activity__item st-activity__item--${a.kind}`}>
                  <p class="st-activity__meta">
                    <strong>{t(`activity.${a.kind}`)}</strong>
                    {" · "}
                    {a.who}
                    {" · "}
                    <time dateTime={a.at}>{fmtTime(locale, a.at)}</time>
                  </p>
                  {a.kind === "change" ? <p>{a.text}</p> : <p class="st-pre">{a.body}</p>}
                </li>
              ))}
            </ol>
          )}
        {data.canWork && (
          <div class="st-grid">
            <form method="post" action={`${base}/replies`} class="st-form">
              <CsrfField token={csrf} />
              <div class="st-field">
                <label for="w-reply">{t("ticket.reply")}</label>
                <textarea
                  id="w-reply"
                  name="body"
                  rows={5}
                  maxLength={5000}
                  required
                  aria-describedby="w-reply-hint"
                />
                <p id="w-reply-hint" class="st-hint">
                  {t("ticket.replyHint", { email: ticket.contact_email })}
                </p>
              </div>
              <button class="st-btn" type="submit" disabled={state.reply_count >= MAX_REPLIES}>
                {t("ticket.sendReply")}
              </button>
            </form>
            <form method="post" action={`${base}/notes`} class="st-form">
              <CsrfField token={csrf} />
              <div class="st-field">
                <label for="w-note">{t("ticket.note")}</label>
                <textarea
                  id="w-note"
                  name="body"
                  rows={5}
                  maxLength={5000}
                  required
                  aria-describedby="w-note-hint"
                />
                <p id="w-note-hint" class="st-hint">{t("ticket.noteHint")}</p>
              </div>
              <button class="st-btn st-btn--ghost" type="submit">{t("ticket.addNote")}</button>
            </form>
          </div>
        )}
      </section>
    </>
  );
}
