/**
 * The step indicator: Ordered → Processing → Shipped → Out for delivery → Delivered, as an
 * ordered list whose current step carries `aria-current="step"` and whose completed steps say
 * so to screen readers. Drawn as dots on a line; late colours the current step amber.
 */
import { type Step, stepStates } from "@/lib/orders/progress.ts";
import type { T } from "@/lib/pages/messages.ts";

export function ProgressSteps(
  { t, step, label, late = false }: { t: T; step: Step; label: string; late?: boolean },
) {
  return (
    <ol class={`steps${late ? " steps--late" : ""}`} aria-label={label}>
      {stepStates(step).map(({ step: s, state }) => (
        <li
          class={`steps__step steps__step--${state}`}
          aria-current={state === "current" ? "step" : undefined}
        >
          <span class="steps__dot" aria-hidden="true"></span>
          <span class="steps__label">{t(`step.${s}`)}</span>
          {state === "done" && <span class="sr-only">{" " + t("steps.done")}</span>}
        </li>
      ))}
    </ol>
  );
}
