/**
 * The one error path, mounted once at the root (`routes/_middleware.ts`). Domain code and
 * routes throw typed errors (`lib/errors.ts`); here, and only here, each becomes its answer
 * (`problemOf`): the contract's JSON error under `/api` (and for every 405), and elsewhere an
 * `HttpError` that `routes/_error.tsx` renders as the page. Headers the chain set before the
 * error (`ctx.state.responseHeaders`: rate limits, `no-store`, the language cookie) go on
 * every answer, success or error. An unexpected error is logged and answered as a 500 that
 * says nothing about its cause.
 */
import { HttpError } from "fresh";
import { internalProblem, jsonError, problemOf } from "@/lib/http/errors.ts";
import { mergeHeaders, withHeaders } from "@/lib/http/response_headers.ts";
import { log, redactPath } from "@/lib/log.ts";
import { define } from "@/lib/state.ts";

function isApiPath(path: string) {
  return path === "/api" || path.startsWith("/api/");
}

export const handleErrors = define.middleware(async (ctx) => {
  let res: Response;
  try {
    res = await ctx.next();
  } catch (err) {
    let problem = problemOf(err);
    if (!problem) {
      log.error("unhandled error", { route: ctx.route ?? redactPath(ctx.url.pathname), err });
      problem = internalProblem();
    }
    if (!isApiPath(ctx.url.pathname) && problem.status !== 405) {
      const headers = new Headers(problem.headers);
      mergeHeaders(headers, ctx.state.responseHeaders);
      throw new HttpError(problem.status, problem.message, { cause: err, headers });
    }
    res = jsonError(problem);
  }
  return withHeaders(res, ctx.state.responseHeaders);
});
