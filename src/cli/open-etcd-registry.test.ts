import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { err } from "neverthrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReporter } from "./reporter.ts";
import { type EtcdSettings, openEtcdRegistry, withRegistry } from "./open-etcd-registry.ts";

let dir = "";
const file = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "flannel-ts-open-etcd-"));
  const openssl = (...args: string[]): void => {
    const run = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${run.stderr}`);
  };
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "key.pem",
    "-out",
    "cert.pem",
    "-days",
    "1",
    "-subj",
    "/CN=flannel-ts test",
  );
  openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other-key.pem");
  openssl("pkey", "-in", "key.pem", "-aes128", "-passout", "pass:x", "-out", "encrypted-key.pem");
  writeFileSync(file("text.pem"), "not a certificate\n");
  mkdirSync(file("a-directory"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const settings = (more: Partial<EtcdSettings>): EtcdSettings => ({ etcdEndpoints: ["http://127.0.0.1:9"], etcdPrefix: "/coreos.com/network", ...more });

describe("openEtcdRegistry: the registry's checks, on the flag that carried the value", () => {
  it.each(
    [
      ["a CA file that is missing", { etcdCafile: "missing.pem" }, { flag: "--etcd-cafile", path: "missing.pem", message: "--etcd-cafile @/missing.pem does not exist" }],
      ["a CA file that is not PEM", { etcdCafile: "text.pem" }, {
        flag: "--etcd-cafile",
        path: "text.pem",
        message:
          '--etcd-cafile: the CA certificate @/text.pem is not PEM: it has no "-----BEGIN CERTIFICATE-----" block (convert DER with: openssl x509 -inform der -in FILE -out FILE.pem)',
      }],
      ["a certificate without its key", { etcdCertfile: "cert.pem" }, {
        flag: "--etcd-certfile",
        path: "cert.pem",
        message: "--etcd-certfile: the client certificate @/cert.pem needs its key: give both",
      }],
      ["a key without its certificate", { etcdKeyfile: "key.pem" }, {
        flag: "--etcd-keyfile",
        path: "key.pem",
        message: "--etcd-keyfile: the client key @/key.pem needs its client certificate: give both",
      }],
      ["another certificate's key", { etcdCertfile: "cert.pem", etcdKeyfile: "other-key.pem" }, {
        flag: "--etcd-keyfile",
        path: "other-key.pem",
        message: "--etcd-keyfile: the client key @/other-key.pem is not the key of the client certificate @/cert.pem",
      }],
      [
        "an encrypted key",
        { etcdCertfile: "cert.pem", etcdKeyfile: "encrypted-key.pem" },
        {
          flag: "--etcd-keyfile",
          path: "encrypted-key.pem",
          message: "--etcd-keyfile: the client key @/encrypted-key.pem is encrypted with a passphrase; etcd's client needs it unencrypted (openssl pkey -in FILE -out FILE.plain)",
        },
      ],
      ["a certificate that is a key", { etcdCertfile: "key.pem", etcdKeyfile: "key.pem" }, {
        flag: "--etcd-certfile",
        path: "key.pem",
        message:
          '--etcd-certfile: the client certificate @/key.pem is not PEM: it has no "-----BEGIN CERTIFICATE-----" block (convert DER with: openssl x509 -inform der -in FILE -out FILE.pem)',
      }],
    ] as const,
  )("%s", async (_name, files, expected) => {
    const relative = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, file(v)]));
    const want = { kind: "etcd-tls", ...expected, path: file(expected.path), message: expected.message.replaceAll("@/", `${dir}/`) };
    expect(await openEtcdRegistry(settings(relative))).toEqual(err(want));
  });

  it("a TLS path that is a directory: the bounded read's message, on the flag", async () => {
    const opened = await openEtcdRegistry(settings({ etcdKeyfile: file("a-directory"), etcdCertfile: file("cert.pem") }));
    expect(opened._unsafeUnwrapErr()).toMatchObject({
      kind: "etcd-tls",
      flag: "--etcd-keyfile",
      path: file("a-directory"),
      message: expect.stringMatching(/^--etcd-keyfile: cannot read .*a-directory: it is a directory/) as string,
    });
  });

  it("opens with a CA, a certificate and its key", async () => {
    const opened = await openEtcdRegistry(settings({ etcdCafile: file("cert.pem"), etcdCertfile: file("cert.pem"), etcdKeyfile: file("key.pem") }));
    expect(opened.isOk()).toBe(true);
    await opened._unsafeUnwrap().close();
  });

  it("an endpoint with a password: exit 2 on --etcd-endpoints, the password never printed", async () => {
    let printed = "";
    const io = { out: () => undefined, err: (t: string) => (printed += t), env: {} };
    const values: Record<string, unknown> & EtcdSettings = { ...settings({ etcdEndpoints: ["http://root:hunter2@127.0.0.1:2379"] }) };
    const code = await withRegistry({ values, positionals: [], io, report: createReporter(io, "flannel-ts leases", true) }, openEtcdRegistry, () => Promise.resolve(0));
    expect(code).toBe(2);
    expect(printed).not.toContain("hunter2");
    expect(JSON.parse(printed)).toMatchObject({ error: { kind: "etcd-endpoint", flag: "--etcd-endpoints", endpoint: "http://***@127.0.0.1:2379", exitCode: 2 } });
  });
});
