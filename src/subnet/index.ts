/**
 * Address and CIDR math, flannel's network config, subnet keys and subnet
 * allocation. Pure: no runtime APIs.
 *
 * @module
 */
export { compareIp, formatIp, type Ip, type Ip4, ip4, type Ip6, ip6, IP6_MAX, ipEquals, type IpError, parseIp, parseIp4, parseIp6 } from "./ip.ts";
export {
  type Cidr,
  type Cidr4,
  cidr4,
  type Cidr6,
  cidr6,
  cidrAddress,
  cidrContains,
  cidrContainsIp,
  cidrEquals,
  type CidrError,
  cidrNetwork,
  cidrOverlaps,
  cidrSize,
  firstAddress,
  formatCidr,
  isNetworkAddress,
  lastAddress,
  mask4,
  mask6,
  nextSubnet,
  nthSubnet,
  parseCidr,
  parseCidr4,
  parseCidr6,
  subnetCount,
  type SubnetRangeError,
} from "./cidr.ts";
export { describeSubnetKey, formatSubnetKey, parseSubnetKey, type SubnetKey, type SubnetKeyError } from "./subnet-key.ts";
export {
  BACKEND_TYPES,
  type BackendConfig,
  describeNetworkConfig,
  formatNetworkConfig,
  type FormatNetworkConfigOptions,
  type HostGwBackendConfig,
  type JsonObject,
  type JsonValue,
  type NetworkConfig,
  type NetworkConfigError,
  type NetworkConfigErrorKind,
  networkConfigJson,
  type OtherBackendConfig,
  parseNetworkConfig,
  type SubnetRange,
  type SubnetRange4,
  type SubnetRange6,
  subnetRangeSize,
  type UdpBackendConfig,
  VXLAN_MAX_VNI,
  type VxlanBackendConfig,
} from "./network-config.ts";
export { cryptoRandom, type Random, type RandomValuesSource, seededRandom } from "./random.ts";
export { createSubnetPool, type OutOfSubnetsError, type SubnetPool, type SubnetPoolOptions, type SubnetPoolStrategy } from "./subnet-pool.ts";
export { type AllocatedSubnet, allocateSubnet, createSubnetAllocator, type SubnetAllocator, type TakenSubnet } from "./allocate-subnet.ts";
export { bridgeAddress } from "./bridge-address.ts";
export { encapsulationMtu, type EncapsulationMtuError, type EncapsulationType, MIN_IPV4_MTU } from "./encapsulation-mtu.ts";
export { overlayReservedClash } from "./overlay-reserved.ts";
export {
  type AddressPool,
  DOCKER_DEFAULT_ADDRESS_POOLS,
  DOCKER_GLOBAL_SCOPE_POOLS,
  type DockerConflict,
  type DockerConflictOptions,
  dockerPoolNetworks,
  findDockerConflicts,
} from "./docker-address-pools.ts";
