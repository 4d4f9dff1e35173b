// A stand-in for a flanneld UDP backend on the other end of the overlay,
// run inside a namespace with `node --import tsx udp-peer.ts ADDRESS PORT`:
// it prints every datagram it gets as a JSON line (source, port, payload in
// hex), answers ICMP echo requests inside them the way a host behind
// flanneld would (an echo reply packet as the whole datagram, from its
// port), and sends datagrams it is told to on stdin
// ({"to": "192.0.2.1", "port": 8285, "hex": "45..."}).
import { createSocket } from "node:dgram";
import { createInterface } from "node:readline";
import { icmpMessage, ipv4Packet } from "./ipv4-packets.ts";

const [address = "0.0.0.0", portText = "8285"] = process.argv.slice(2);
const socket = createSocket("udp4");
const dotted = (b: Uint8Array, at: number): string => [...b.subarray(at, at + 4)].join(".");

socket.on("message", (message, rinfo) => {
  const packet = new Uint8Array(message);
  process.stdout.write(`${JSON.stringify({ from: rinfo.address, port: rinfo.port, hex: Buffer.from(packet).toString("hex") })}\n`);
  const ihl = (packet[0]! & 0x0f) * 4;
  if (packet.length > ihl + 8 && packet[0]! >> 4 === 4 && packet[9] === 1 && packet[ihl] === 8) {
    const request = packet.subarray(ihl);
    const reply = ipv4Packet({
      source: dotted(packet, 16),
      destination: dotted(packet, 12),
      protocol: 1,
      payload: icmpMessage(0, 0, request.subarray(4, 8), request.subarray(8)),
    });
    socket.send(reply, rinfo.port, rinfo.address);
  }
});

createInterface({ input: process.stdin }).on("line", (line) => {
  const command = JSON.parse(line) as { to: string; port: number; hex: string };
  socket.send(Buffer.from(command.hex, "hex"), command.port, command.to, () => process.stdout.write(`${JSON.stringify({ sent: command.hex.length / 2 })}\n`));
});

socket.bind(Number(portText), address, () => process.stdout.write(`${JSON.stringify({ listening: `${address}:${portText}` })}\n`));
process.on("SIGTERM", () => socket.close(() => process.exit(0)));
