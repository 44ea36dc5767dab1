"""Drive the gateway's WS-Notification broker with zeep, offline.

Usage:
  wsn_client.py subscribe WSDL_URL CONSUMER_URL
      Subscribes CONSUMER_URL to topic ex:quotes/ACME (Concrete dialect),
      then Notifies one message on that topic.
  wsn_client.py manage WSDL_URL SUBSCRIPTION_URL
      Renews the subscription, unsubscribes it, and renews it again (a
      fault: the subscription is gone).

zeep loads the broker's WSDL from WSDL_URL; every connection to a host
other than the loopback one is refused, so the WSDL and everything it
imports must come from the broker. Prints one JSON object on stdout; the
Go test checks it.
"""

import json
import socket
import sys

from lxml import etree
import zeep
from zeep.exceptions import Fault
from zeep.plugins import Plugin

WSNT = "http://docs.oasis-open.org/wsn/b-2"
TOPICS = "urn:wsgw:interop:topics"
CONCRETE = "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete"
BINDINGS = "urn:wsgw:wsn"


def offline():
    connect = socket.create_connection

    def loopback_only(address, *args, **kwargs):
        if address[0] not in ("127.0.0.1", "localhost", "::1"):
            raise ConnectionRefusedError("offline: no connection to %r" % (address,))
        return connect(address, *args, **kwargs)

    socket.create_connection = loopback_only


class TopicText(Plugin):
    """Writes the text of wsnt:Topic, whose type (TopicExpressionType) has
    mixed content, which zeep does not render: the topic is text."""

    def __init__(self, text):
        self.text = text

    def egress(self, envelope, http_headers, operation, binding_options):
        for topic in envelope.iter("{%s}Topic" % WSNT):
            topic.text = self.text
        return envelope, http_headers


def client(wsdl):
    c = zeep.Client(wsdl, plugins=[TopicText("ex:quotes/ACME")])
    # Topic expressions are QNames in text: the envelope declares ex.
    c.set_ns_prefix("ex", TOPICS)
    return c


def topic_filter():
    te = etree.Element("{%s}TopicExpression" % WSNT, nsmap={"wsnt": WSNT, "ex": TOPICS})
    te.set("Dialect", CONCRETE)
    te.text = "ex:quotes/ACME"
    return te


def subscribe(wsdl, consumer):
    c = client(wsdl)
    broker = c.bind("NotificationBroker", "NotificationBrokerPort")
    reply = broker.Subscribe(
        ConsumerReference={"Address": consumer},
        Filter={"_value_1": [topic_filter()]},
        InitialTerminationTime="PT10M",
    )
    payload = etree.Element("{urn:wsgw:interop:quotes}Quote")
    etree.SubElement(payload, "{urn:wsgw:interop:quotes}Symbol").text = "ACME"
    etree.SubElement(payload, "{urn:wsgw:interop:quotes}Price").text = "42.5"
    broker.Notify(NotificationMessage=[{
        "Topic": {"Dialect": CONCRETE},  # text: TopicText
        "Message": {"_value_1": payload},
    }])
    return {
        "subscription": reply.SubscriptionReference.Address._value_1,
        "current_time": str(reply.CurrentTime),
        "termination_time": str(reply.TerminationTime),
    }


def manage(wsdl, subscription):
    c = client(wsdl)
    sm = c.create_service("{%s}PausableSubscriptionManagerBinding" % BINDINGS, subscription)
    renewed = sm.Renew(TerminationTime="PT30M")
    sm.Unsubscribe()
    out = {"renewed_termination_time": str(renewed.TerminationTime), "renew_current_time": str(renewed.CurrentTime)}
    try:
        sm.Renew(TerminationTime="PT30M")
        out["fault_after_unsubscribe"] = None
    except Fault as f:
        detail = etree.tostring(f.detail).decode() if f.detail is not None else ""
        out["fault_after_unsubscribe"] = {"message": f.message, "code": str(f.code), "detail": detail}
    return out


def main():
    offline()
    mode, wsdl, target = sys.argv[1:4]
    out = subscribe(wsdl, target) if mode == "subscribe" else manage(wsdl, target)
    out["zeep"] = zeep.__version__
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
