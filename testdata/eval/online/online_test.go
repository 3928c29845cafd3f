// Package online's test needs a server that is not there: it fails
// without instrumentation, as a test that needs the network does offline.
package online

import (
	"net"
	"testing"
)

func TestDial(t *testing.T) {
	conn, err := net.Dial("tcp", "127.0.0.1:1") // nothing listens on port 1
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
}
