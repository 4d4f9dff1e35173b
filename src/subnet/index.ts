/**
 * Address and CIDR math, flannel's network config, subnet keys and subnet
 * allocation. Pure: no runtime APIs.
 *
 * @module
 */
export { compareIp, formatIp, ip4, ip6, IP6_MAX, ipEquals, parseIp, parseIp4, parseIp6, type Ip, type Ip4, type Ip6, type IpError } from "./ip.ts";
export { cidr4, cidr6, cidrAddress, cidrContains, cidrContainsIp, cidrEquals, cidrNetwork, cidrOverlaps, cidrSize, firstAddress, formatCidr, isNetworkAddress, lastAddress, mask4, mask6, nextSubnet, nthSubnet, parseCidr, parseCidr4, parseCidr6, subnetCount, type Cidr, type Cidr4, type Cidr6, type CidrError, type SubnetRangeError } from "./cidr.ts";
export { describeSubnetKey, formatSubnetKey, parseSubnetKey, type SubnetKey, type SubnetKeyError } from "./subnet-key.ts";
export { BACKEND_TYPES, describeNetworkConfig, formatNetworkConfig, networkConfigJson, parseNetworkConfig, subnetRangeSize, VXLAN_MAX_VNI, type BackendConfig, type FormatNetworkConfigOptions, type HostGwBackendConfig, type JsonObject, type JsonValue, type NetworkConfig, type NetworkConfigError, type NetworkConfigErrorKind, type OtherBackendConfig, type SubnetRange, type SubnetRange4, type SubnetRange6, type UdpBackendConfig, type VxlanBackendConfig } from "./network-config.ts";
export { cryptoRandom, seededRandom, type Random, type RandomValuesSource } from "./random.ts";
export { createSubnetPool, type OutOfSubnetsError, type SubnetPool, type SubnetPoolOptions, type SubnetPoolStrategy } from "./subnet-pool.ts";
export { allocateSubnet, createSubnetAllocator, type AllocatedSubnet, type SubnetAllocator, type TakenSubnet } from "./allocate-subnet.ts";
export { bridgeAddress } from "./bridge-address.ts";
export { encapsulationMtu, MIN_IPV4_MTU, type EncapsulationMtuError, type EncapsulationType } from "./encapsulation-mtu.ts";
export { DOCKER_DEFAULT_ADDRESS_POOLS, DOCKER_GLOBAL_SCOPE_POOLS, dockerPoolNetworks, findDockerConflicts, type AddressPool, type DockerConflict, type DockerConflictOptions } from "./docker-address-pools.ts";
