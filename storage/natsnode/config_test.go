package natsnode

import (
	"slices"
	"testing"

	"github.com/wsgw/wsgw/internal/fielderr"
)

func TestConfig_ValidateNamesEachBadField(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string // field paths, in order
	}{
		{"neither embedded nor url", Config{NodeName: "a"}, []string{"Embedded"}},
		{"both", Config{NodeName: "a", Replicas: 1, URL: "nats://h:4222", Embedded: &EmbeddedConfig{StoreDir: "d"}}, []string{"URL"}},
		{"bad names and addresses", Config{NodeName: "a b", Replicas: 2, Embedded: &EmbeddedConfig{
			ClusterName: "x.y", Listen: "nohost", Routes: []string{"127.0.0.1:1", "h:99999"}}},
			[]string{"NodeName", "Embedded.ClusterName", "Embedded.Listen", "Embedded.ClusterListen", "Embedded.Routes[1]", "Embedded.StoreDir", "Replicas"}},
		{"replicas beyond the nodes", Config{NodeName: "a", Embedded: &EmbeddedConfig{StoreDir: "d"}}, []string{"Replicas"}},
		{"bad url", Config{NodeName: "a", URL: "http://h:1", SystemURL: "nats://ok:1, x"}, []string{"URL", "SystemURL"}},
	} {
		var got []string
		for _, e := range fielderr.All(tc.cfg.Validate()) {
			got = append(got, e.Field())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Validate reported %q, want %q", tc.name, got, tc.want)
		}
	}
	ok := Config{NodeName: "n1", Replicas: 1, Embedded: &EmbeddedConfig{StoreDir: "d"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("single embedded node with replicas 1: %v, want nil", err)
	}
}
