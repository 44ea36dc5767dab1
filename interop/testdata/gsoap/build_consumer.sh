#!/bin/sh
# build_consumer.sh OUT: builds OUT/consumer, a WS-Notification consumer that
# is a WS-RM 1.2 destination made with gSOAP (Debian's gsoap and
# libgsoap-dev), from consumer.h and consumer.c beside this script:
# soapcpp2 generates the bindings, then consumer.c is linked with the wsa
# and wsrm plugins and the xsd:duration serializer, compiled from the
# package's sources.
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
share=${GSOAP_SHARE:-/usr/share/gsoap}
cd "$out"
cp "$here/consumer.h" .
soapcpp2 -c -a -x -L -I"$share/import" -I"$share" consumer.h >soapcpp2.log 2>&1 || {
	cat soapcpp2.log >&2
	exit 1
}
cflags=$(pkg-config --cflags gsoap 2>/dev/null || echo "-DWITH_IPV6 -DWITH_DOM")
libs=$(pkg-config --libs gsoap 2>/dev/null || echo "-lgsoap")
# shellcheck disable=SC2086 # flags are word lists
gcc -O0 -w $cflags -I. -I"$share/plugin" -I"$share/custom" -I"$share" -o consumer \
	"$here/consumer.c" soapC.c soapServer.c soapClient.c \
	"$share/plugin/wsaapi.c" "$share/plugin/wsrmapi.c" "$share/plugin/threads.c" \
	"$share/custom/duration.c" $libs -lpthread -lm
