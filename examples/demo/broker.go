package demo

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Broker lists the URLs of the demo's WS-Notification broker.
type Broker struct {
	Endpoint        string // NotificationBroker: Subscribe, Notify, GetCurrentMessage, RegisterPublisher
	WSDL            string // Endpoint + "?wsdl"
	CreatePullPoint string
}

func brokerURLs(base string) Broker {
	ep := base + "/wsn/NotificationBroker"
	return Broker{Endpoint: ep, WSDL: ep + "?wsdl", CreatePullPoint: base + "/wsn/CreatePullPoint"}
}

// store returns db, or a new in-memory store when db is nil.
func (d *Demo) store(db *badger.DB) (*badger.DB, error) {
	if db != nil {
		return db, nil
	}
	mem, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		return nil, fmt.Errorf("opening in-memory store: %w", err)
	}
	d.memDB = mem
	return mem, nil
}

// closeMemDB closes the in-memory store, if the demo opened one.
func (d *Demo) closeMemDB() error {
	if d.memDB == nil {
		return nil
	}
	err := d.memDB.Close()
	d.memDB = nil
	return err
}
