import { describe, expect, test } from "bun:test";
import { HarmonyError, recordingReporter, type ContainerBuilder, type ContinuousDelivery, type WorkContext } from "../../capabilities/index.ts";
import { runChecked, runScores } from "../../scores/runner.ts";
import type { Outcome, Score } from "../../scores/score.ts";

const work = (): WorkContext => ({ reporter: recordingReporter(), signal: new AbortController().signal });

const builder: ContainerBuilder = { adapter: "fake", build: async () => ({ kind: "daemon", imageId: "sha256:1" }) };
const delivery: ContinuousDelivery = {
  adapter: "fake",
  deploy: async () => ({ revision: 1, chartVersion: "1.0.0", status: "deployed" }),
  current: async () => undefined,
  rollback: async () => undefined,
};

function step<N extends "containerBuilder" | "continuousDelivery">(name: string, needs: N[], outcome: Outcome | Error, log: string[]): Score<N> {
  return {
    name,
    needs,
    run: async () => {
      log.push(name);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
}

const ok: Outcome = { status: "succeeded", summary: "ok", detail: null };

describe("runner", () => {
  test("runs scores in order and collects outcomes", async () => {
    const log: string[] = [];
    const topology = { name: "t", capabilities: { containerBuilder: builder, continuousDelivery: delivery } };
    const result = await runScores(topology, [step("a", ["containerBuilder"], ok, log), step("b", ["continuousDelivery"], ok, log)], work());
    expect(log).toEqual(["a", "b"]);
    expect(result.status).toBe("succeeded");
    expect(result.steps.map((s) => [s.name, s.outcome.status])).toEqual([["a", "succeeded"], ["b", "succeeded"]]);
  });

  test("a failed score blocks the rest", async () => {
    const log: string[] = [];
    const topology = { name: "t", capabilities: { containerBuilder: builder } };
    const failed: Outcome = { status: "failed", summary: "smoke failed" };
    const result = await runScores(topology, [step("a", ["containerBuilder"], failed, log), step("b", ["containerBuilder"], ok, log)], work());
    expect(log).toEqual(["a"]);
    expect(result).toMatchObject({ status: "failed", notRun: ["b"] });
  });

  test("an exception becomes a failed outcome and blocks too", async () => {
    const log: string[] = [];
    const topology = { name: "t", capabilities: { containerBuilder: builder } };
    const result = await runScores(topology, [step("a", ["containerBuilder"], new Error("boom"), log), step("b", ["containerBuilder"], ok, log)], work());
    expect(result.steps[0]!.outcome).toEqual({ status: "failed", summary: "boom" });
    expect(result.notRun).toEqual(["b"]);
  });

  test("a topology lacking a needed capability is refused before the first score", async () => {
    const log: string[] = [];
    const topology = { name: "local", capabilities: { containerBuilder: builder } };
    const scores = [step("a", ["containerBuilder"], ok, log), step("deploy", ["continuousDelivery"], ok, log)];
    const error = await runChecked(topology, scores, work()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarmonyError);
    expect((error as HarmonyError).message).toContain("continuousDelivery (needed by deploy)");
    expect(log).toEqual([]);
  });

  test("an aborted signal stops before the next score", async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const topology = { name: "t", capabilities: { containerBuilder: builder } };
    const first: Score<"containerBuilder"> = { name: "a", needs: ["containerBuilder"], run: async () => (controller.abort(), log.push("a"), ok) };
    const error = await runScores(topology, [first, step("b", ["containerBuilder"], ok, log)], { reporter: recordingReporter(), signal: controller.signal }).catch((e: unknown) => e);
    expect((error as HarmonyError).kind).toBe("interrupted");
    expect(log).toEqual(["a"]);
  });
});
