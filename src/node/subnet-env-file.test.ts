import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ok } from "neverthrow";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCidr4 } from "../subnet/cidr.ts";
import { readTextFile } from "./read-text-file.ts";
import { readSubnetEnvFile, writeSubnetEnvFile } from "./subnet-env-file.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flannel-ts-subnet-env-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const env = {
  network: parseCidr4("10.5.0.0/16")._unsafeUnwrap(),
  subnet: parseCidr4("10.5.52.0/24")._unsafeUnwrap(),
  mtu: 1472,
  ipMasq: true,
};

describe("subnet.env files", () => {
  it("writes flanneld's text with mode 0644 into a new directory, and reads it back", async () => {
    const path = join(dir, "run", "flannel", "subnet.env");
    (await writeSubnetEnvFile(path, env))._unsafeUnwrap();
    expect(readFileSync(path, "utf8")).toBe("FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.52.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n");
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(await readSubnetEnvFile(path)).toEqual(ok({ ...env, extra: [] }));
  });

  it("refuses values no reader takes before touching the file (the agent and lease acquire write through here)", async () => {
    const path = join(dir, "subnet.env");
    writeFileSync(path, "FLANNEL_NETWORK=10.5.0.0/16\n");
    const outside = { ...env, subnet: parseCidr4("10.6.1.0/24")._unsafeUnwrap() };
    expect((await writeSubnetEnvFile(path, outside))._unsafeUnwrapErr()).toMatchObject({ key: "FLANNEL_SUBNET", value: "10.6.1.1/24" });
    expect((await writeSubnetEnvFile(path, { ...env, mtu: 1 }))._unsafeUnwrapErr()).toMatchObject({ key: "FLANNEL_MTU", value: "1" });
    expect(readFileSync(path, "utf8")).toBe("FLANNEL_NETWORK=10.5.0.0/16\n");
    expect(readdirSync(dir)).toEqual(["subnet.env"]);
  });

  it("a missing file is no previous lease", async () => {
    expect(await readSubnetEnvFile(join(dir, "nope"))).toEqual(ok(undefined));
  });

  it("a bad file is an error naming the path and the line", async () => {
    const path = join(dir, "subnet.env");
    writeFileSync(path, "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.52.1/24\nFLANNEL_MTU=x\nFLANNEL_IPMASQ=true\n");
    const error = (await readSubnetEnvFile(path))._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "invalid-value", key: "FLANNEL_MTU", line: 3, path });
    expect(error.message).toBe(`${path}: line 3: FLANNEL_MTU="x" is not a decimal MTU; write a whole number from 68 to 65535, e.g. 1472`);
  });

  it("readTextFile keeps a byte-order mark and reports bytes that are not UTF-8 with their offset", async () => {
    const bom = join(dir, "bom");
    writeFileSync(bom, Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]));
    expect(await readTextFile(bom)).toEqual(ok("\ufeff{}"));
    const bad = join(dir, "bad");
    writeFileSync(bad, Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x7d]));
    expect((await readTextFile(bad))._unsafeUnwrapErr()).toMatchObject({ kind: "file-read", code: "EILSEQ", offset: 2 });
  });
});
