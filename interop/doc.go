// Package interop holds interoperability tests: real SOAP toolkits driving
// the gateway as it runs in the demo. They need the toolkits installed
// (.ci/run installs them) and skip without them, unless CI is set.
package interop
