"""A WS-Notification consumer whose requests zeep reads, for the durable
subscription interop test (interop/wsn_test.go).

Usage:
  wsn_consumer.py WSDL_URL DOWN

Loads the broker's WSDL with zeep (offline: loopback only), serves HTTP on
a loopback port and prints "listening URL". The first DOWN requests are
answered 503 (a consumer that is down); every later one is read by zeep as
the Notify input message of the broker's WSDL, and, if it is one, answered
202 and printed as one JSON line: the Wsgw-Delivery-Id header and the text
of each NotificationMessage's payload. It runs until stdin is closed.
"""

import http.server
import json
import sys
import threading

from lxml import etree
import zeep

from wsn_client import offline  # beside this script: loopback only


def notify_operation(client):
    for binding in client.wsdl.bindings.values():
        ops = getattr(binding, "_operations", {})
        if "Notify" in ops:
            return ops["Notify"]
    raise SystemExit("no Notify operation in the WSDL")


def main():
    offline()
    wsdl, down = sys.argv[1], int(sys.argv[2])
    op = notify_operation(zeep.Client(wsdl))
    lock = threading.Lock()
    state = {"requests": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                state["requests"] += 1
                refuse = state["requests"] <= down
            if refuse:
                self.send_response(503)
                self.end_headers()
                return
            envelope = etree.fromstring(body)
            result = op.input.deserialize(envelope)
            payloads = []
            for nm in result.NotificationMessage or []:
                value = nm.Message._value_1
                payloads.append("".join(value.itertext()) if value is not None else "")
            with lock:
                print(json.dumps({"id": self.headers.get("Wsgw-Delivery-Id", ""), "payloads": payloads}), flush=True)
            self.send_response(202)
            self.end_headers()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("listening http://127.0.0.1:%d/consumer" % srv.server_address[1], flush=True)
    sys.stdin.read()
    srv.shutdown()


if __name__ == "__main__":
    main()
