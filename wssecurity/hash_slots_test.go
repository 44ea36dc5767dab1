package wssecurity

import (
	"testing"
	"time"
)

// While every slot is taken, a password check waits; it runs once one is
// given back.
func TestCheck_WaitsForAHashSlot(t *testing.T) {
	enc, err := HashPassword("secret")
	if err != nil {
		t.Fatal(err)
	}
	h, err := parsePasswordHash(enc)
	if err != nil {
		t.Fatal(err)
	}
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	done := make(chan bool, 1)
	go func() { done <- h.check("secret") }()
	select {
	case <-done:
		t.Fatalf("a check ran with all %d hash slots taken, want it to wait", cap(hashSlots))
	case <-time.After(300 * time.Millisecond): // an argon2id check of these parameters takes ~30 ms
	}
	<-hashSlots
	if !<-done {
		t.Errorf("check after a slot was freed: got false, want true")
	}
	for range cap(hashSlots) - 1 {
		<-hashSlots
	}
}
