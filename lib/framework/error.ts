/**
 * `HttpError`, as Fresh 2's: thrown anywhere in a request to answer with that status; the
 * nearest `_error` page (or the default answer) renders it.
 *
 * One addition: `options.headers`, for answers that need a header to be correct (the 405 the
 * router throws carries `Allow`). Fresh 2 has no such option.
 */
export class HttpError extends Error {
  /** The HTTP status code. */
  status: number;
  /** Headers an error answer must carry (e.g. `Allow` on a 405). */
  headers?: HeadersInit;

  constructor(
    status: number,
    message?: string,
    options?: ErrorOptions & { headers?: HeadersInit },
  ) {
    super(message, options);
    this.name = this.constructor.name;
    this.status = status;
    if (options?.headers) this.headers = options.headers;
  }
}
