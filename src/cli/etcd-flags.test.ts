import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { openEtcdRegistry, resolveEtcdSettings } from "./etcd-flags.ts";

describe("resolveEtcdSettings", () => {
  it("has flanneld's defaults", () => {
    expect(resolveEtcdSettings({}, {})).toEqual(ok({ endpoints: ["http://127.0.0.1:2379"], prefix: "/coreos.com/network" }));
  });

  it("reads FLANNELD_* when a flag is not given, and a given flag wins, even empty", () => {
    const env = {
      FLANNELD_ETCD_ENDPOINTS: "https://10.0.0.1:2379,https://10.0.0.2:2379",
      FLANNELD_ETCD_PREFIX: "/atomic.io/network",
      FLANNELD_ETCD_CAFILE: "/etc/ca.pem",
      FLANNELD_ETCD_CERTFILE: "/etc/c.pem",
      FLANNELD_ETCD_KEYFILE: "/etc/k.pem",
      FLANNELD_ETCD_USERNAME: "flannel",
      FLANNELD_ETCD_PASSWORD: "s3cret",
    };
    expect(resolveEtcdSettings({}, env)).toEqual(
      ok({
        endpoints: ["https://10.0.0.1:2379", "https://10.0.0.2:2379"],
        prefix: "/atomic.io/network",
        caFile: "/etc/ca.pem",
        certFile: "/etc/c.pem",
        keyFile: "/etc/k.pem",
        username: "flannel",
        password: "s3cret",
      }),
    );
    expect(resolveEtcdSettings({ "etcd-prefix": "/x", "etcd-username": "" }, env)._unsafeUnwrap()).toMatchObject({ prefix: "/x", password: "s3cret" });
    expect(resolveEtcdSettings({ "etcd-username": "" }, env)._unsafeUnwrap().username).toBe(undefined);
  });

  it("ignores empty FLANNELD_* variables, as flanneld does", () => {
    expect(resolveEtcdSettings({}, { FLANNELD_ETCD_ENDPOINTS: "", FLANNELD_ETCD_PREFIX: "" })).toEqual(
      ok({ endpoints: ["http://127.0.0.1:2379"], prefix: "/coreos.com/network" }),
    );
  });

  it.each([
    ["127.0.0.1:2379", '"127.0.0.1:2379" has no http:// or https:// in front'],
    ["unix://etcd.sock:1", '"unix://etcd.sock:1" is not http:// or https://'],
    ["http://127.0.0.1", '"http://127.0.0.1" has no port'],
    ["http://127.0.0.1:2379,", "an endpoint is empty"],
    ["http://127.0.0.1:2379/v2", '"http://127.0.0.1:2379/v2" has a path; give scheme, host and port only'],
    ["http://[::1:2379", '"http://[::1:2379" is not a URL'],
  ])("refuses --etcd-endpoints %j", (value, problem) => {
    expect(resolveEtcdSettings({ "etcd-endpoints": value }, {})).toEqual(
      err({
        kind: "invalid-etcd-setting",
        flag: "--etcd-endpoints",
        value,
        message: `--etcd-endpoints "${value}": ${problem}; give comma-separated URLs such as http://127.0.0.1:2379`,
      }),
    );
  });
});

describe("openEtcdRegistry", () => {
  it("says which TLS file cannot be read", () => {
    const result = openEtcdRegistry({ endpoints: ["https://127.0.0.1:2379"], prefix: "/p", caFile: "/nonexistent/ca.pem" });
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "invalid-etcd-setting", flag: "--etcd-cafile", value: "/nonexistent/ca.pem" });
    expect(result._unsafeUnwrapErr().message).toMatch(/^cannot read --etcd-cafile \/nonexistent\/ca\.pem: ENOENT/);
  });

  it("wants a certificate and its key together", () => {
    const result = openEtcdRegistry({ endpoints: ["https://127.0.0.1:2379"], prefix: "/p", certFile: "/etc/hostname" });
    expect(result._unsafeUnwrapErr()).toMatchObject({ flag: "--etcd-certfile", message: "--etcd-certfile /etc/hostname needs its pair: give both --etcd-certfile and --etcd-keyfile" });
  });
});
