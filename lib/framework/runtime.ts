/** `fresh/runtime`: what server and island code share. */
export { HttpError } from "./error.ts";
export { asset } from "./static_files.ts";

/** True in the browser (island code), false on the server. */
export const IS_BROWSER = typeof document !== "undefined";
