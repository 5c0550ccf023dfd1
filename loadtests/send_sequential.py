"""Sends a corpus (loadtests/Gateway.LoadTests.Corpus: records of `<length>\\n<raw request>`) over one keep-alive
loopback connection, one request at a time, and counts the answers by status. Used by loadtests/alloc.sh: a
sequential client, so that what the gateway allocates per request does not depend on the machine's load.

usage: send_sequential.py PORT CORPUS_FILE EXPECTED_STATUS [HEADER]
HEADER: one header line ("Name: value", e.g. "Prefer: return=minimal") added to every request after its request line
(the signature covers neither its presence nor its value).
Prints one JSON line: {"sent": n, "statuses": {...}, "unexpected": n, "answer_bytes": bytes of the last answer}.
"""
import json
import socket
import sys


def records(path, header=b""):
    data = open(path, "rb").read()
    at = 0
    while at < len(data):
        nl = data.index(b"\n", at)
        size = int(data[at:nl])
        request = data[nl + 1: nl + 1 + size]
        if header:
            eol = request.index(b"\r\n") + 2
            request = request[:eol] + header + b"\r\n" + request[eol:]
        yield request
        at = nl + 1 + size


def read_answer(sock, buf):
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the gateway closed the connection")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in lines[1:] if b":" in l}
    if b"content-length" in headers:
        size = int(headers[b"content-length"])
        while len(rest) < size:
            rest += sock.recv(65536)
        return status, len(head) + 4 + size, rest[size:]
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while b"0\r\n\r\n" not in rest:
            rest += sock.recv(65536)
        end = rest.index(b"0\r\n\r\n") + 5
        return status, len(head) + 4 + end, rest[end:]
    return status, len(head) + 4, rest


def main():
    port, path, expected = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    header = sys.argv[4].encode("latin-1") if len(sys.argv) > 4 else b""
    statuses, sent, last = {}, 0, 0
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    for request in records(path, header):
        sock.sendall(request)
        status, last, buf = read_answer(sock, buf)
        statuses[status] = statuses.get(status, 0) + 1
        sent += 1
    sock.close()
    unexpected = sum(count for status, count in statuses.items() if status != expected)
    print(json.dumps({"sent": sent, "statuses": statuses, "unexpected": unexpected, "answer_bytes": last}))


if __name__ == "__main__":
    main()
