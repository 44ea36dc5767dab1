package main

import "testing"

func TestLoadConfig_ReliableBackendRM(t *testing.T) {
	doc := `services:
  - name: S
    wsdl: s.wsdl
    cluster: {partitions: [{replicas: [http://127.0.0.1:1]}]}
    reliable:
      backend_rm: true
`
	fc := &fileConfig{}
	if err := decodeYAML([]byte(doc), fc); err != nil {
		t.Fatal(err)
	}
	if got := fc.toGateway(".").Services[0].Reliable.BackendRM; !got {
		t.Errorf("reliable.backend_rm: got %v, want true", got)
	}
}
