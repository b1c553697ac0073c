#!/usr/bin/env python3
"""Sends to 127.0.0.1 one ICMP destination-unreachable message (RFC 792) per client port, each quoting a UDP
datagram from that port to the server's port, as a router or a packet filter on the way would answer one: the
kernel reports the error to the client's connected socket. Loopback only.

Usage: icmp-unreachable.py CODE SERVER_PORT CLIENT_PORT...   Exits 77 when a raw socket is not allowed (not root)."""
import socket
import struct
import sys


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def main():
    code, server = int(sys.argv[1]), int(sys.argv[2])
    loopback = socket.inet_aton("127.0.0.1")
    try:
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    except PermissionError:
        return 77
    for client in map(int, sys.argv[3:]):
        # The offending datagram's IP header (protocol 17, UDP) and its UDP header's first 8 bytes.
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + 40, 1, 0, 64, 17, 0, loopback, loopback)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        udp = struct.pack("!HHHH", client, server, 8 + 40, 0)
        icmp = struct.pack("!BBHI", 3, code, 0, 0) + ip + udp
        icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
        raw.sendto(icmp, ("127.0.0.1", 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
