// Hydrating values.yaml with the pinned image: comments and other keys survive, the image lands
// where the chart says.
import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { HarmonyError } from "../../../capabilities/index.ts";
import { editValues, imagePathOf } from "../../../scores/chart/values.ts";
import { IMAGE } from "./read-archive.ts";

const PINNED = `127.0.0.1:5000/demo/web:1.4.0@${IMAGE.ref.digest}`;
const edit = (source: string | undefined, more: { imagePath?: string; overlay?: Record<string, unknown>; noImage?: boolean } = {}) =>
  editValues("values.yaml", source, { ...(more.noImage ? {} : { image: IMAGE }), imagePath: more.imagePath ?? "image", version: "1.4.0", ...(more.overlay && { overlay: more.overlay }) }, "Chart.yaml");

describe("image hydration", () => {
  test("an image mapping gets repository, tag and digest; comments and other keys stay", () => {
    const source = [
      "# top comment",
      "image:",
      "  repository: web # the repository",
      "  tag: latest",
      "  pullPolicy: IfNotPresent",
      "",
      "# replicas comment",
      "replicas: 2",
      "",
    ].join("\n");
    expect(edit(source)).toBe(
      [
        "# top comment",
        "image:",
        "  repository: 127.0.0.1:5000/demo/web # the repository",
        "  tag: 1.4.0",
        "  pullPolicy: IfNotPresent",
        `  digest: ${IMAGE.ref.digest}`,
        "",
        "# replicas comment",
        "replicas: 2",
        "",
      ].join("\n"),
    );
  });

  test("a string image value becomes the full pinned reference", () => {
    expect(parse(edit('image: ""\nport: 1\n')!)).toEqual({ image: PINNED, port: 1 });
  });

  test("no image key, a null one, an empty file or no file: an image block is added", () => {
    const block = { repository: "127.0.0.1:5000/demo/web", tag: "1.4.0", digest: IMAGE.ref.digest };
    expect(parse(edit("port: 1\n")!)).toEqual({ port: 1, image: block });
    expect(parse(edit("image:\nport: 1\n")!)).toEqual({ image: block, port: 1 });
    expect(parse(edit("")!)).toEqual({ image: block });
    expect(parse(edit("# only a comment\n")!)).toEqual({ image: block });
    expect(parse(edit(undefined)!)).toEqual({ image: block });
  });

  test("a nested path from the chart's annotation", () => {
    const out = parse(edit("worker:\n  image: {}\n  replicas: 1\n", { imagePath: "worker.image" })!);
    expect(out).toEqual({ worker: { image: { repository: "127.0.0.1:5000/demo/web", tag: "1.4.0", digest: IMAGE.ref.digest }, replicas: 1 } });
    expect(parse(edit("{}\n", { imagePath: "a.b.image" })!)).toEqual({ a: { b: { image: { repository: "127.0.0.1:5000/demo/web", tag: "1.4.0", digest: IMAGE.ref.digest } } } });
  });

  test("a path through a scalar is a config error naming the path", () => {
    expect(() => edit("worker: off\n", { imagePath: "worker.image" })).toThrow(/cannot write the image at "worker.image"/);
  });

  test("the annotation is read and checked", () => {
    expect(imagePathOf(undefined, "Chart.yaml")).toBe("image");
    expect(imagePathOf({ "harmony/image-values": "worker.image" }, "Chart.yaml")).toBe("worker.image");
    expect(() => imagePathOf({ "harmony/image-values": "worker..image" }, "Chart.yaml")).toThrow(HarmonyError);
  });

  test("the tag defaults to the version (with _ for +) when the reference has none", () => {
    const out = editValues("values.yaml", "{}", { image: { ref: { ...IMAGE.ref, tag: undefined } }, imagePath: "image", version: "1.4.0+b.1" }, "Chart.yaml");
    expect(parse(out!).image.tag).toBe("1.4.0_b.1");
  });
});

describe("overlay", () => {
  test("merged over the values after the image; maps merge, the rest replaces", () => {
    const source = "image: { repository: x, pullPolicy: Always }\nenv: { A: '1' }\nlist: [1, 2]\n";
    const out = parse(edit(source, { overlay: { env: { B: "2" }, list: [3], image: { pullPolicy: "IfNotPresent" }, extra: { nested: true } } })!);
    expect(out).toEqual({
      image: { repository: "127.0.0.1:5000/demo/web", pullPolicy: "IfNotPresent", tag: "1.4.0", digest: IMAGE.ref.digest },
      env: { A: "1", B: "2" },
      list: [3],
      extra: { nested: true },
    });
  });

  test("nothing to write leaves the text as it was, byte for byte", () => {
    const source = "a:   1   # odd spacing\n";
    expect(edit(source, { noImage: true })).toBe(source);
    expect(edit(undefined, { noImage: true })).toBeUndefined();
  });

  test("a top level that is not a mapping, and invalid YAML, are config errors", () => {
    expect(() => edit("- a\n- b\n")).toThrow("values.yaml: the top level must be a mapping of values");
    expect(() => edit("a: [1\n")).toThrow(/values.yaml:\d+:\d+/);
  });
});
