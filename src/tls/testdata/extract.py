#!/usr/bin/env python3
"""One-off: writes NAME.client.bin / NAME.server.bin (the TCP payload of each direction of the
first TCP stream) from a capture in /work/shared/captures/mtls/. Usage: extract.py NAME PORT"""
import subprocess, sys
name, port = sys.argv[1], sys.argv[2]
src = f"/work/shared/captures/mtls/{name}.pcap"
out = subprocess.run(["tshark", "-r", src, "-Y", "tcp.stream==0 && tcp.len>0", "-T", "fields",
                      "-e", "tcp.srcport", "-e", "tcp.payload"], capture_output=True, text=True, check=True).stdout
client, server = bytearray(), bytearray()
for line in out.splitlines():
    sport, payload = line.split("\t")
    (server if sport == port else client).extend(bytes.fromhex(payload.replace(":", "")))
short = name.split("-")[0]
open(f"{short}.client.bin", "wb").write(client)
open(f"{short}.server.bin", "wb").write(server)
print(short, len(client), len(server))
