/**
 * The test kit: etcd and Docker-in-Docker hosts through testcontainers, with
 * images built locally when no registry is reachable.
 *
 * @module
 */
