/**
 * The tracking timeline (island): completed events ✓, the current one ●, expected ones ○,
 * as an ordered list whose marks are also spoken ("Completed:", "Current status:",
 * "Expected:"). Server-rendered in full; in the browser it adds [Refresh tracking], which
 * reloads the events from the portal's tracking API and shows a skeleton meanwhile. The
 * button appears only once it works (no dead controls without JS) in a row whose height is
 * reserved, so nothing shifts.
 */
import { useEffect, useState } from "preact/hooks";
import type { Locale } from "@/lib/orders/model.ts";
import { formatRelative, formatShortDate, formatShortDateTime } from "@/lib/i18n/format.ts";
import { Skeleton } from "@/components/Skeleton.tsx";
import { buildTimeline, type TimelineEvent } from "@/lib/pages/timeline.ts";

export interface TrackingTimelineLabels {
  title: string;
  done: string;
  current: string;
  expected: string;
  refresh: string;
  updated: string;
  error: string;
  expectedDelivery: string;
  empty: string;
  loading: string;
}

export interface TrackingTimelineProps {
  locale: Locale;
  /** Tracking API of this order, for the refresh. */
  api: string;
  trackingNumber: string;
  status: string;
  estimatedDelivery: string | null;
  events: TimelineEvent[];
  lastRefreshedAt: string | null;
  /** Server time of the render, so server and browser draw the same marks. */
  now: string;
  labels: TrackingTimelineLabels;
}

interface ApiShipment {
  tracking_number: string;
  status: string;
  estimated_delivery: string | null;
  events: TimelineEvent[];
  last_refreshed_at: string | null;
}

const dateOnly = (iso: string) => /^\d{4}-\d{2}-\d{2}$/.test(iso);

export default function TrackingTimeline(props: TrackingTimelineProps) {
  const { locale, labels: l } = props;
  const [data, setData] = useState({
    status: props.status,
    estimated_delivery: props.estimatedDelivery,
    events: props.events,
    last_refreshed_at: props.lastRefreshedAt,
    now: props.now,
  });
  const [live, setLive] = useState(false);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState(false);
  useEffect(() => setLive(true), []);

  async function refresh() {
    setLoading(true);
    setFailed(false);
    try {
      const res = await fetch(props.api, { headers: { accept: "application/json" } });
      if (!res.ok) throw new Error(String(res.status));
      const body = await res.json() as { shipments?: ApiShipment[] };
      const s = body.shipments?.find((x) => x.tracking_number === props.trackingNumber);
      if (!s) throw new Error("missing shipment");
      setData({
        status: s.status,
        estimated_delivery: s.estimated_delivery,
        events: s.events,
        last_refreshed_at: s.last_refreshed_at,
        now: new Date().toISOString(),
      });
    } catch {
      setFailed(true);
    } finally {
      setLoading(false);
    }
  }

  const entries = buildTimeline(data, new Date(data.now));
  const markLabel = { done: l.done, current: l.current, expected: l.expected };
  const symbol = { done: "✓", current: "●", expected: "○" };
  return (
    <div class="timeline" aria-busy={loading ? "true" : "false"}>
      <div class="timeline__head">
        <h3 class="timeline__title">{l.title}</h3>
        {live && (
          <button class="btn btn--ghost" type="button" onClick={refresh} disabled={loading}>
            {l.refresh}
          </button>
        )}
      </div>
      {loading
        ? <Skeleton label={l.loading} rows={Math.max(entries.length, 1)} />
        : entries.length === 0
        ? <p class="muted">{l.empty}</p>
        : (
          <ol class="timeline__list">
            {entries.map((e, i) => (
              <li
                key={`${i}:${e.at}`}
                class={`tl tl--${e.mark}`}
                aria-current={e.mark === "current" ? "step" : undefined}
              >
                <span class="tl__mark" aria-hidden="true">{symbol[e.mark]}</span>
                <span class="sr-only">{markLabel[e.mark]}</span>
                <time class="tl__time" dateTime={e.at}>
                  {dateOnly(e.at)
                    ? formatShortDate(locale, e.at)
                    : formatShortDateTime(locale, e.at)}
                </time>
                <span class="tl__text">
                  {e.estimate ? l.expectedDelivery : e.description}
                  {e.location && <span class="tl__place">{e.location}</span>}
                </span>
              </li>
            ))}
          </ol>
        )}
      <p class="timeline__foot" role="status">
        {failed
          ? <span class="error-text">{l.error}</span>
          : data.last_refreshed_at
          ? l.updated.replace(
            "{time}",
            formatRelative(locale, data.last_refreshed_at, new Date(data.now)),
          )
          : ""}
      </p>
    </div>
  );
}
