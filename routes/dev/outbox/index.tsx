/**
 * The dev outbox (development only): emails the portal would have sent, newest first, with
 * their text part and the links in them, and a link to each one's HTML part.
 * A developer tool: English only (marked `lang="en"` whatever the chosen locale).
 */
import { page } from "fresh";
import { listOutbox, type OutboxEntry } from "@/lib/email/dev_outbox.ts";
import { define } from "@/lib/state.ts";

interface Data {
  entries: OutboxEntry[];
  next_cursor: string | null;
}

const PAGE_SIZE = 20;

export const handler = define.handlers({
  async GET(ctx) {
    const cursor = ctx.url.searchParams.get("cursor") ?? undefined;
    const entries: Data = await listOutbox(ctx.state.services.kv, { limit: PAGE_SIZE, cursor });
    ctx.state.title = "Dev outbox";
    return page(entries);
  },
});

/** The http(s) links in a text part, so a developer can follow a magic link in one click. */
function linksIn(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[^\s<>"']+/g) ?? [])];
}

const dateFormat = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
});

function Email({ e }: { e: OutboxEntry }) {
  const links = linksIn(e.text);
  return (
    <article class="outbox-entry" aria-labelledby={`s-${e.id}`}>
      <h2 id={`s-${e.id}`}>{e.subject}</h2>
      <dl>
        <dt>To</dt>
        <dd>{e.to.join(", ")}</dd>
        <dt>From</dt>
        <dd>{e.from}</dd>
        {e.reply_to && (
          <>
            <dt>Reply-To</dt>
            <dd>{e.reply_to}</dd>
          </>
        )}
        <dt>Time</dt>
        <dd>
          <time dateTime={e.created_at}>{dateFormat.format(new Date(e.created_at))} UTC</time>
        </dd>
        {e.tags && e.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>{e.tags.map((t) => `${t.name}=${t.value}`).join(", ")}</dd>
          </>
        )}
      </dl>
      <p>
        <a href={`/dev/outbox/${e.id}`}>View the HTML part</a>
      </p>
      {links.length > 0 && (
        <>
          <h3>Links in this email</h3>
          <ul>
            {links.map((href) => (
              <li key={href}>
                <a href={href} rel="noopener noreferrer">{href}</a>
              </li>
            ))}
          </ul>
        </>
      )}
      <details>
        <summary>Text part</summary>
        <pre style="white-space:pre-wrap;overflow-wrap:anywhere">{e.text}</pre>
      </details>
    </article>
  );
}

export default define.page<typeof handler>(function Outbox({ data }) {
  return (
    <main id="main" class="page dev-outbox" lang="en">
      <h1>Dev outbox</h1>
      <p>
        Emails the portal sent while <code>RESEND_API_KEY</code>{" "}
        is not set, newest first. Entries are kept for 14 days. This page does not exist in
        production.
      </p>
      {data.entries.length === 0 ? <p>No emails yet.</p> : (
        data.entries.map((e) => <Email key={e.id} e={e} />)
      )}
      {data.next_cursor && (
        <p>
          <a href={`/dev/outbox?cursor=${encodeURIComponent(data.next_cursor)}`}>Older emails</a>
        </p>
      )}
    </main>
  );
});
