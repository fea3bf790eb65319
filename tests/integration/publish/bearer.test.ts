// The bearer-token flow against the real distribution registry configured for token auth (as
// Harbor, GHCR, ECR and Docker Hub are): challenge, token per scope set, cached across requests;
// cross-repository mounts, and the fall back to an upload when a registry refuses a mount with a
// 401 (Harbor does, between projects).
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError } from "../../../capabilities/index.ts";
import { createRegistryOciRegistry } from "../../../topologies/adapters/oci-registry/registry.ts";
import { world } from "../../world/index.ts";
import { adapterEnv, fixtureImage, recordingWork, scratch, skopeoInspect, SLOW } from "./helpers.ts";
import { startTokenRegistry, type Policy, type TokenRegistry } from "./token-registry.ts";

const parts = () => world.available("docker") && world.available("registry") && world.available("skopeo");

/**
 * Full rights for the user, except that a token asking for pull on one repository together with
 * push on another (what a mount needs) gets no pull on the "harbor-like/" source: the registry
 * then answers the mount with 401, as Harbor does across projects.
 */
const policy: Policy = (_user, repository, actions, allScopes) => {
  const mountStyle = allScopes.some((s) => s.endsWith(":pull,push") && !s.includes(`:${repository}:`));
  if (mountStyle && repository.startsWith("harbor-like/")) return [];
  return actions;
};

let started: Promise<TokenRegistry> | undefined;
const tokenRegistry = () => (started ??= startTokenRegistry(policy));

async function adapterFor(reg: TokenRegistry, password = reg.users.harmony!) {
  const dir = scratch("docker-config");
  writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { [reg.host]: { auth: btoa(`harmony:${password}`) } } }), { mode: 0o600 });
  return createRegistryOciRegistry({ adapter: "registry", url: reg.host }, await adapterEnv({ DOCKER_CONFIG: dir }));
}

describe("bearer-token registries", () => {
  test.skipIf(!parts())(
    "push with a token per scope, asked for once and reused for every request of the push",
    async () => {
      const reg = await tokenRegistry();
      const registry = await adapterFor(reg);
      const imageId = await fixtureImage();
      const target = { ...registry.repositoryFor("bearer/app"), tag: "1.0.0" };
      const before = reg.requests.length;
      const published = await registry.push({ kind: "daemon", imageId }, target, recordingWork());
      const asked = reg.requests.slice(before);
      // one token to sign in (no scope), one for push on the repository: HEADs, uploads and the manifest reuse it
      expect(asked.map((r) => r.scopes)).toEqual([[], ["repository:bearer/app:pull,push"]]);
      expect(asked.every((r) => r.user === "harmony")).toBe(true);

      const authFile = join(scratch("authfile"), "auth.json");
      writeFileSync(authFile, JSON.stringify({ auths: { [reg.host]: { auth: btoa(`harmony:${reg.users.harmony}`) } } }));
      // skopeo goes through the same token service (asynchronously: the issuer runs in this process)
      expect((await skopeoInspect(`docker://${reg.host}/bearer/app:1.0.0`, ["--tls-verify=false", "--authfile", authFile])).Digest).toBe(published.ref.digest);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "a mount within the registry moves no bytes; a mount refused with 401 falls back to streaming the blobs across",
    async () => {
      const reg = await tokenRegistry();
      const registry = await adapterFor(reg);
      const imageId = await fixtureImage();
      const open = await registry.push({ kind: "daemon", imageId }, { ...registry.repositoryFor("open/app"), tag: "1" }, recordingWork());
      const guarded = await registry.push({ kind: "daemon", imageId }, { ...registry.repositoryFor("harbor-like/app"), tag: "1" }, recordingWork());

      let bytes = registry.stats.blobBytesUploaded;
      const mounted = await registry.push({ kind: "registry", ref: open.ref, digest: open.ref.digest }, { ...registry.repositoryFor("copies/mounted"), tag: "1" }, recordingWork());
      expect(registry.stats.blobBytesUploaded).toBe(bytes);
      expect(mounted.ref.digest).toBe(open.ref.digest);

      const work = recordingWork();
      const streamed = await registry.push({ kind: "registry", ref: guarded.ref, digest: guarded.ref.digest }, { ...registry.repositoryFor("copies/streamed"), tag: "1" }, work);
      expect(streamed.ref.digest).toBe(guarded.ref.digest);
      expect(work.lines.some((l) => /mount of sha256:[0-9a-f]+ from harbor-like\/app refused \(401\)/.test(l))).toBe(true);
      expect(registry.stats.blobBytesUploaded).toBeGreaterThan(bytes);
      expect(await registry.resolve({ ...registry.repositoryFor("copies/streamed"), tag: "1" }, work)).toBe(guarded.ref.digest);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "an identity token (OAuth2 refresh token) from the docker config is exchanged with a POST",
    async () => {
      const reg = await tokenRegistry();
      const dir = scratch("docker-config");
      writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { [reg.host]: { identitytoken: reg.refreshToken } } }), { mode: 0o600 });
      const registry = createRegistryOciRegistry({ adapter: "registry", url: reg.host }, await adapterEnv({ DOCKER_CONFIG: dir }));
      const before = reg.requests.length;
      const target = { ...registry.repositoryFor("identity/app"), tag: "1" };
      const published = await registry.push({ kind: "daemon", imageId: await fixtureImage() }, target, recordingWork());
      expect(await registry.resolve(target, recordingWork())).toBe(published.ref.digest);
      expect(reg.requests.slice(before).every((r) => r.user === "harmony")).toBe(true);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "credentials the token service refuses: a clear error before any export",
    async () => {
      const reg = await tokenRegistry();
      const registry = await adapterFor(reg, "wrong");
      const work = recordingWork();
      const result = await registry.push({ kind: "daemon", imageId: await fixtureImage() }, { ...registry.repositoryFor("refused/app"), tag: "1" }, work).catch((e: unknown) => e);
      expect(result).toBeInstanceOf(HarmonyError);
      expect((result as HarmonyError).message).toContain(`registry ${reg.host} refused the credentials from docker config`);
      expect(work.lines.some((l) => l.includes("exporting"))).toBe(false);
    },
    SLOW,
  );
});
