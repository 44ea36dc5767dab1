"""Drive the gateway's StockQuote service with zeep, over both ports.

Usage: zeep_client.py WSDL_URL

Loads the WSDL from the gateway, then over the SOAP 1.1 and the SOAP 1.2
port calls GetQuote twice for one symbol, SetQuote for a new symbol,
GetQuote for it, and GetQuote for an unknown symbol (a fault). Prints one
JSON object on stdout; the Go test checks it.
"""

import json
import sys

import zeep
from zeep.exceptions import Fault

SERVICE = "StockQuote"
PORTS = {"soap11": "StockQuoteSoap11", "soap12": "StockQuoteSoap12"}


def quote(reply):
    return {"symbol": reply.Symbol, "price": str(reply.Price), "served_by": reply.ServedBy}


def exercise(client, port, new_symbol):
    svc = client.bind(SERVICE, port)
    out = {
        "get1": quote(svc.GetQuote(Symbol="ACME")),
        "get2": quote(svc.GetQuote(Symbol="ACME")),
        "set": quote(svc.SetQuote(Symbol=new_symbol, Price="12.50")),
        "after_set": quote(svc.GetQuote(Symbol=new_symbol)),
    }
    try:
        svc.GetQuote(Symbol="NO-SUCH-SYMBOL")
        out["fault"] = None
    except Fault as f:
        out["fault"] = {"message": f.message, "code": str(f.code)}
    return out


def main():
    client = zeep.Client(sys.argv[1])
    results = {"zeep": zeep.__version__}
    for key, port in PORTS.items():
        results[key] = exercise(client, port, "ZEEP" + key[-2:])
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
