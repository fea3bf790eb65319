/**
 * A Buildable generator is a value, not an AppSpec variant: a kind, typed options and a pure
 * function from those options to a Dockerfile. Base images come in through build args with a
 * public default, so the same Dockerfile builds on a laptop (default base) and in a closed
 * network (`--build-arg BASE=127.0.0.1:5000/base/busybox:1`).
 */
export interface Generator<Options> {
  readonly kind: string;
  /** One line for plans: what the image will hold. */
  describe(options: Options): string;
  dockerfile(options: Options): string;
}

/** Joins Dockerfile lines; every generated Dockerfile ends with one newline. */
export function lines(...parts: (string | false | undefined)[]): string {
  return parts.filter((p): p is string => typeof p === "string").join("\n") + "\n";
}

/** A JSON-array (exec form) instruction argument: no shell, signals reach the process. */
export function execForm(argv: readonly string[]): string {
  return JSON.stringify(argv);
}

/** A path inside the build context, normalised so `./site/` and `site` emit the same Dockerfile. */
export function contextPath(path: string): string {
  const trimmed = path.replace(/^\.\/+/, "").replace(/\/+$/, "");
  if (trimmed === "" || trimmed === ".") return ".";
  if (trimmed.startsWith("/") || trimmed.split("/").includes("..")) {
    throw new RangeError(`"${path}" must be a path inside the build context`);
  }
  return trimmed;
}
