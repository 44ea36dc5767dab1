#!/bin/sh
# build.sh WSDL OUT [IMPORT]: builds OUT/client, a WS-RM source made with
# gSOAP (Debian's gsoap and libgsoap-dev), from client.c beside this
# script and the Orders WSDL (a URL or a file): wsdl2h and soapcpp2
# generate the stubs, then client.c is linked with the wsa and wsrm plugins
# and the xsd:duration serializer, compiled from the package's sources.
# IMPORT picks the WS-RM version: wsrm.h (the default: WS-RM 1.2) or
# wsrm5.h (WS-RM February 2005, with WS-Addressing 1.0).
set -eu
wsdl=$1
out=$2
import=${3:-wsrm.h}
here=$(cd "$(dirname "$0")" && pwd)
share=${GSOAP_SHARE:-/usr/share/gsoap}
cd "$out"

wsdl2h -c -t "$share/WS/typemap.dat" -o orders.h "$wsdl" >wsdl2h.log 2>&1 || {
	cat wsdl2h.log >&2
	exit 1
}
# The WSDL has no WS-Policy, so wsdl2h binds no WS-RM headers: bind them
# to SubmitOrder (SOAP 1.1 port) as plugin/wsrmapi.c documents (section
# "WS-ReliableMessaging Information Header Bindings").
{
	echo "#import \"$import\""
	for h in wsa5__MessageID wsa5__RelatesTo wsa5__From wsa5__ReplyTo wsa5__FaultTo \
		wsa5__To wsa5__Action wsrm__Sequence wsrm__AckRequested wsrm__SequenceAcknowledgement; do
		echo "//gsoap ns1 service method-header-part: SubmitOrder $h"
	done
} >>orders.h
soapcpp2 -c -C -a -x -L -I"$share/import" -I"$share" orders.h >soapcpp2.log 2>&1 || {
	cat soapcpp2.log >&2
	exit 1
}

# For February 2005 the plugin is compiled through wsrm5api.c, which works
# around a declaration of gSOAP 2.8.124's plugin that does not match its
# definition in that mode (see there).
plugin="$share/plugin/wsrmapi.c"
if [ "$import" = wsrm5.h ]; then
	plugin="$here/wsrm5api.c"
fi
cflags=$(pkg-config --cflags gsoap 2>/dev/null || echo "-DWITH_IPV6 -DWITH_DOM")
libs=$(pkg-config --libs gsoap 2>/dev/null || echo "-lgsoap")
# shellcheck disable=SC2086 # flags are word lists
gcc -O0 -w $cflags -I. -I"$share/plugin" -I"$share/custom" -I"$share" -o client \
	"$here/client.c" soapC.c soapClient.c \
	"$share/plugin/wsaapi.c" "$plugin" "$share/plugin/threads.c" \
	"$share/custom/duration.c" $libs -lpthread -lm
