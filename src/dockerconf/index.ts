/**
 * Docker's daemon.json: parse without loss, merge a lease's network settings,
 * validate with dockerd's rules, and dockerd's command-line flags.
 *
 * @module
 */
