package badgerstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/wsgw/wsgw/queueing"
	"github.com/wsgw/wsgw/storage/badgerstore"
	"github.com/wsgw/wsgw/wsreliable/driver"
	rmstoretest "github.com/wsgw/wsgw/wsreliable/driver/storetest"
)

// reliableOpener opens the driver's stores over badger in t.TempDir(); a
// reopen closes the store and its DB and opens both again (a restart).
func reliableOpener() rmstoretest.Opener {
	type opened struct {
		db   *badger.DB
		dir  string
		name string
		qo   queueing.Options
	}
	var mu sync.Mutex // guards open
	open := map[driver.Store]opened{}
	openAt := func(t *testing.T, o opened) driver.Store {
		o.db = openDB(t, o.dir, true)
		st, err := badgerstore.OpenReliable(context.Background(), o.db, o.name, badgerstore.ReliableOptions{Queue: o.qo})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close(); o.db.Close() })
		mu.Lock()
		open[st] = o
		mu.Unlock()
		return st
	}
	return rmstoretest.Opener{
		Open: func(t *testing.T, name string, qo queueing.Options) driver.Store {
			return openAt(t, opened{dir: t.TempDir(), name: name, qo: qo})
		},
		Reopen: func(t *testing.T, st driver.Store) driver.Store {
			mu.Lock()
			o := open[st]
			mu.Unlock()
			st.(*badgerstore.Reliable).Close()
			o.db.Close()
			return openAt(t, o)
		},
	}
}

func TestReliable_Contract(t *testing.T) { rmstoretest.Run(t, reliableOpener()) }

func TestReliable_DriverContract(t *testing.T) { rmstoretest.RunDriver(t, reliableOpener()) }
