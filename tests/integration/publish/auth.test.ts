// Credentials against the real registry with htpasswd auth (Basic challenge): from a docker
// config.json, from a credential helper the test writes, from explicit settings; a wrong password
// fails with a clear message, names no secret, and leaves nothing in the registry.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError } from "../../../capabilities/index.ts";
import { createRegistryOciRegistry } from "../../../topologies/adapters/oci-registry/registry.ts";
import { world } from "../../world/index.ts";
import { adapterEnv, catalog, fixtureImage, recordingWork, scratch, skopeoInspect, SLOW } from "./helpers.ts";

const parts = () => world.available("docker") && world.available("registry") && world.available("skopeo");

function dockerConfig(content: object): string {
  const dir = scratch("docker-config");
  writeFileSync(join(dir, "config.json"), JSON.stringify(content), { mode: 0o600 });
  return dir;
}

async function pushWith(path: string, env: Record<string, string>, settings: { username?: string; passwordEnv?: string } = {}) {
  const reg = await world.registry({ auth: "htpasswd" });
  const registry = createRegistryOciRegistry({ adapter: "registry", url: `${reg.host}/${path}`, ...settings }, await adapterEnv(env));
  const work = recordingWork();
  const target = { ...registry.repositoryFor("app"), tag: "1.0.0" };
  const result = await registry.push({ kind: "daemon", imageId: await fixtureImage() }, target, work).catch((e: unknown) => e);
  return { reg, work, result, ref: `${target.registry}/${target.repository}:1.0.0` };
}

describe("registry credentials (htpasswd)", () => {
  test.skipIf(!parts())(
    "from a docker config.json (DOCKER_CONFIG)",
    async () => {
      const reg = await world.registry({ auth: "htpasswd" });
      const { result, ref, work } = await pushWith("from-config", { DOCKER_CONFIG: reg.dockerConfigDir });
      expect(result).not.toBeInstanceOf(Error);
      const inspected = await skopeoInspect(`docker://${ref}`, ["--authfile", reg.authFile]);
      expect(inspected.Digest).toBe((result as { ref: { digest: string } }).ref.digest);
      expect(work.lines.join("\n")).not.toContain(reg.password!);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "from a credential helper the docker config names, asked with the server on stdin",
    async () => {
      const reg = await world.registry({ auth: "htpasswd" });
      const dir = scratch("helper");
      const bin = join(dir, "bin");
      mkdirSync(bin);
      const log = join(dir, "asked.log");
      // The helper gets the secret from its environment, never from an argument.
      writeFileSync(
        join(bin, "docker-credential-harmonytest"),
        `#!/bin/sh\nread server\necho "$1 $server" >> ${log}\nprintf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" "$HELPER_USER" "$HELPER_SECRET"\n`,
      );
      chmodSync(join(bin, "docker-credential-harmonytest"), 0o755);
      const config = dockerConfig({ credHelpers: { [reg.host]: "harmonytest" } });
      const { result, ref } = await pushWith("from-helper", {
        DOCKER_CONFIG: config,
        PATH: `${bin}:${process.env.PATH}`,
        HELPER_USER: reg.username!,
        HELPER_SECRET: reg.password!,
      });
      expect(result).not.toBeInstanceOf(Error);
      expect(await Bun.file(log).text()).toBe(`get ${reg.host}\n`);
      expect((await skopeoInspect(`docker://${ref}`, ["--authfile", reg.authFile])).Digest).toBe((result as { ref: { digest: string } }).ref.digest);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "from explicit settings: username and the variable passwordEnv names",
    async () => {
      const reg = await world.registry({ auth: "htpasswd" });
      const { result } = await pushWith("from-settings", { HARMONY_TEST_REGISTRY_PASSWORD: reg.password! }, { username: reg.username!, passwordEnv: "HARMONY_TEST_REGISTRY_PASSWORD" });
      expect(result).not.toBeInstanceOf(Error);
      expect(await catalog(reg)).toContain("from-settings/app");
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "a wrong password fails with a clear message naming where the credentials came from, and nothing is pushed",
    async () => {
      const reg = await world.registry({ auth: "htpasswd" });
      const wrong = "not-the-password";
      const config = dockerConfig({ auths: { [reg.host]: { auth: btoa(`${reg.username}:${wrong}`) } } });
      const { result, work } = await pushWith("wrong-password", { DOCKER_CONFIG: config });
      expect(result).toBeInstanceOf(HarmonyError);
      const error = result as HarmonyError;
      expect(error.kind).toBe("failed");
      expect(error.message).toContain(`registry ${reg.host} refused the credentials from docker config ${join(config, "config.json")}`);
      expect(error.hint).toContain("check the user name and password");
      const everything = [error.message, error.hint, ...work.lines].join("\n");
      expect(everything).not.toContain(wrong);
      expect(everything).not.toContain(btoa(`${reg.username}:${wrong}`));
      expect(await catalog(reg)).not.toContain("wrong-password/app");
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "no credentials at all says where it looked",
    async () => {
      const { result, reg } = await pushWith("anonymous", {});
      expect(result).toBeInstanceOf(HarmonyError);
      expect((result as HarmonyError).message).toContain(`registry ${reg.host} requires authentication`);
      expect((result as HarmonyError).hint).toContain(".docker/config.json");
      expect(await catalog(reg)).not.toContain("anonymous/app");
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "preflight reports refused credentials before any work",
    async () => {
      const reg = await world.registry({ auth: "htpasswd" });
      const config = dockerConfig({ auths: { [reg.host]: { auth: btoa(`${reg.username}:wrong`) } } });
      const bad = createRegistryOciRegistry({ adapter: "registry", url: reg.host }, await adapterEnv({ DOCKER_CONFIG: config }));
      const good = createRegistryOciRegistry({ adapter: "registry", url: reg.host }, await adapterEnv({ DOCKER_CONFIG: reg.dockerConfigDir }));
      expect(await good.preflight!(recordingWork())).toEqual([]);
      const problems = await bad.preflight!(recordingWork());
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain("refused the credentials");
    },
    SLOW,
  );
});
