"""A small SOAP 1.1 service written with spyne, for the conformance kit's
foreign-server test (interop/spyne_test.go).

Usage: spyne_server.py

Serves one document/literal operation, Echo (namespace
urn:wsgw:conformance:spyne, SOAPAction "Echo"), at /Echo on 127.0.0.1 and
a port the system picks, with spyne's lxml schema validation of requests.
Any other path answers 404, so that the kit finds no endpoint there. Prints
"listening on http://127.0.0.1:PORT/Echo" once it accepts connections, then
serves until killed.
"""

from wsgiref.simple_server import WSGIRequestHandler, make_server

from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication
from spyne.util.wsgi_wrapper import WsgiMounter

NAMESPACE = "urn:wsgw:conformance:spyne"


class EchoService(ServiceBase):
    @rpc(Unicode, _returns=Unicode)
    def Echo(ctx, text):
        return text


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main():
    app = Application([EchoService], tns=NAMESPACE,
                      in_protocol=Soap11(validator="lxml"), out_protocol=Soap11())
    root = WsgiMounter({"Echo": WsgiApplication(app)})
    server = make_server("127.0.0.1", 0, root, handler_class=QuietHandler)
    print("listening on http://127.0.0.1:%d/Echo" % server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
