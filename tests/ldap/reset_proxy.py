#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""reset_proxy.py LISTEN_PORT TARGET_PORT CUT_BYTES — a TCP relay on 127.0.0.1 that passes
CUT_BYTES bytes of the server's answers and then resets both connections (SO_LINGER 0): a server
that dies in the middle of a search, as the tests see it. Prints "ready" once it listens."""
import socket
import struct
import sys
import threading


def relay(client, target_port, cut):
    server = socket.create_connection(("127.0.0.1", target_port))
    sent = [0]

    def reset():
        for s in (client, server):
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            except OSError:
                pass

    def up():
        try:
            while True:
                b = client.recv(65536)
                if not b:
                    break
                server.sendall(b)
        except OSError:
            pass

    threading.Thread(target=up, daemon=True).start()
    try:
        while True:
            b = server.recv(4096)
            if not b:
                break
            room = cut - sent[0]
            client.sendall(b[:room])
            sent[0] += min(len(b), room)
            if sent[0] >= cut:
                break
    except OSError:
        pass
    reset()


def main():
    port, target, cut = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=relay, args=(c, target, cut), daemon=True).start()


if __name__ == "__main__":
    main()
