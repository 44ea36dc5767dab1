"""Call a WS-Security protected StockQuote through the gateway with zeep.

Usage: zeep_wsse_client.py WSDL_URL USER PASSWORD

Over the SOAP 1.1 and the SOAP 1.2 port, calls GetQuote(ACME) with zeep's
own UsernameToken (zeep.wsse.username.UsernameToken): PasswordText,
PasswordDigest, PasswordDigest with a wsu:Timestamp, each with the right
password and with a wrong one, and once without any token. Prints one JSON
object on stdout; the Go test checks it.
"""

import datetime
import json
import sys

import zeep
from zeep.exceptions import Fault
from zeep.wsse import utils
from zeep.wsse.username import UsernameToken

SERVICE = "StockQuote"
PORTS = {"soap11": "StockQuoteSoap11", "soap12": "StockQuoteSoap12"}


def timestamp():
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return utils.WSU.Timestamp(
        utils.WSU.Created(now.strftime("%Y-%m-%dT%H:%M:%SZ")),
        utils.WSU.Expires((now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")),
    )


def call(wsdl, port, wsse):
    client = zeep.Client(wsdl, wsse=wsse)
    svc = client.bind(SERVICE, port)
    try:
        reply = svc.GetQuote(Symbol="ACME")
        return {"ok": True, "symbol": reply.Symbol}
    except Fault as f:
        return {
            "ok": False,
            "code": str(f.code),
            "subcodes": [str(q) for q in (getattr(f, "subcodes", None) or [])],
            "message": f.message,
        }


def main():
    wsdl, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
    wrong = password + "-wrong"
    cases = {
        "text": lambda: UsernameToken(user, password),
        "digest": lambda: UsernameToken(user, password, use_digest=True),
        "digest_timestamp": lambda: UsernameToken(user, password, use_digest=True, timestamp_token=timestamp()),
        "text_wrong": lambda: UsernameToken(user, wrong),
        "digest_wrong": lambda: UsernameToken(user, wrong, use_digest=True),
        "none": lambda: None,
    }
    out = {"zeep": zeep.__version__}
    for key, port in PORTS.items():
        out[key] = {name: call(wsdl, port, make()) for name, make in cases.items()}
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
