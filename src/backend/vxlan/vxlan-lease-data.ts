import { err, ok, Result } from "neverthrow";
import { formatMac, type Mac, parseMac } from "../../netlink/mac.ts";
import { type RawJson, toRawJson } from "../../etcd/lease-attrs.ts";

/** What a VXLAN lease's `BackendData` (or `BackendV6Data`) says: the host's VNI and its device's MAC. */
export interface VxlanLeaseData {
  /** `VNI`; absent when the data leaves it out (flanneld does not read a peer's VNI). */
  readonly vni?: number;
  /** `VtepMAC`: the MAC of the peer's flannel.<VNI> (or flannel-v6.<VNI>) device. */
  readonly vtepMac: Mac;
}

/** Why a lease's VXLAN data cannot be used. */
export interface VxlanLeaseDataError {
  readonly kind: "invalid-vxlan-lease-data";
  /** The field at fault, when one is. */
  readonly field?: "VNI" | "VtepMAC";
  readonly reason: string;
  readonly message: string;
}

const invalid = (reason: string, field?: "VNI" | "VtepMAC"): VxlanLeaseDataError => ({
  kind: "invalid-vxlan-lease-data",
  ...(field === undefined ? {} : { field }),
  reason,
  message: `${field === undefined ? "" : `${field}: `}${reason}`,
});

/**
 * The `BackendData` flanneld's VXLAN backend writes, byte for byte:
 * `{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e"}` (Go's encoding of its struct:
 * VNI first, the MAC in lower case with colons).
 *
 * @param vni the network's VNI
 * @param vtepMac this host's VXLAN device's MAC
 * @returns the raw JSON for `LeaseAttrs.backendData` / `backendV6Data`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatVxlanLeaseData } from "flannel-ts/backend";
 * import { parseMac } from "flannel-ts/netlink";
 * assert.equal(formatVxlanLeaseData(1, parseMac("BE:45:E5:5E:B1:4E")._unsafeUnwrap()), '{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e"}');
 * ```
 */
export function formatVxlanLeaseData(vni: number, vtepMac: Mac): RawJson {
  return toRawJson({ VNI: vni, VtepMAC: formatMac(vtepMac) });
}

const parseJson = Result.fromThrowable(
  (text: string): unknown => JSON.parse(text),
  (e) => invalid(`not JSON: ${e instanceof Error ? e.message : String(e)}`),
);

/**
 * Reads a peer's VXLAN data as flanneld's `json.Unmarshal` into its struct
 * does: field names without regard to case, the last of duplicates winning,
 * `VtepMAC` a string holding a 6-octet MAC, `VNI` (when present and not null)
 * a whole number from 0 to 2^32 - 1.
 *
 * @param raw the lease's `BackendData` or `BackendV6Data`
 * @returns the VNI and the MAC, or what is wrong with them
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseVxlanLeaseData } from "flannel-ts/backend";
 * import { formatMac } from "flannel-ts/netlink";
 * const data = parseVxlanLeaseData('{"vni":1,"vtepmac":"0e:53:d2:3d:53:65"}')._unsafeUnwrap();
 * assert.equal(formatMac(data.vtepMac), "0e:53:d2:3d:53:65");
 * assert.equal(parseVxlanLeaseData('{"VNI":1}')._unsafeUnwrapErr().message, "VtepMAC: missing");
 * ```
 */
export function parseVxlanLeaseData(raw: string): Result<VxlanLeaseData, VxlanLeaseDataError> {
  return parseJson(raw).andThen((value): Result<VxlanLeaseData, VxlanLeaseDataError> => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return err(invalid(`expected a JSON object, found ${raw.slice(0, 40)}`));
    let vniValue: unknown;
    let macValue: unknown;
    for (const [key, field] of Object.entries(value)) {
      const folded = key.toLowerCase();
      if (folded === "vni") vniValue = field;
      else if (folded === "vtepmac") macValue = field;
    }
    let vni: number | undefined;
    if (vniValue !== undefined && vniValue !== null) {
      if (typeof vniValue !== "number" || !Number.isInteger(vniValue) || vniValue < 0 || vniValue > 0xffffffff) {
        return err(invalid(`${JSON.stringify(vniValue)} is not a VNI (a whole number from 0 to 4294967295)`, "VNI"));
      }
      vni = vniValue;
    }
    if (macValue === undefined || macValue === null) return err(invalid("missing", "VtepMAC"));
    if (typeof macValue !== "string") return err(invalid(`${JSON.stringify(macValue)} is not a string`, "VtepMAC"));
    const vtepMac = parseMac(macValue);
    if (vtepMac.isErr()) return err(invalid(vtepMac.error.message, "VtepMAC"));
    return ok({ ...(vni === undefined ? {} : { vni }), vtepMac: vtepMac.value });
  });
}
