/**
 * Framework settings, in one place as Fresh keeps them. Read by the server, `build.ts` and
 * `dev.ts`; the defaults suit both `deno task start` and Deno Deploy.
 */
export default {
  /** Browsers the island bundles must run in (phones included). */
  target: ["es2020", "chrome90", "safari14", "firefox90"],
  /** Where `deno task build` writes bundles; served instead of building at start-up. */
  buildDir: "_fresh",
};
