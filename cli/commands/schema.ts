import { toJsonSchema } from "@valibot/to-json-schema";
import { defineCommand } from "citty";
import { manifestSchema } from "../manifest/schema.ts";
import { Output } from "../output.ts";

export default defineCommand({
  meta: { name: "schema", description: "Print the JSON Schema of harmony.yaml, for editors" },
  run: () => {
    // Defaults and pipes without a JSON Schema equivalent are dropped ("ignore"), not guessed.
    const schema = toJsonSchema(manifestSchema, { errorMode: "ignore" });
    new Output({ json: true, debug: false }).document({ ...schema, title: "harmony.yaml" });
  },
});
