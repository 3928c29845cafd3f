// Case: a goroutine reads from a net.Conn whose peer never writes nor closes: the Read never returns.
// Classes: leak
// Deterministic: leak

package leak

import (
	"drace.test/corpus/internal/sched"
	"io"
	"net"
	"testing"
)

// readGreeting waits for the peer's first message.
func readGreeting(conn net.Conn, got chan<- string) {
	buf := make([]byte, 64)
	n, err := conn.Read(buf) // want leak
	if err != nil {
		close(got)
		return
	}
	got <- string(buf[:n])
}

// The test gives up on the greeting but closes neither end: the reader
// blocks in Read for ever.
func TestLeakNetConnRead(t *testing.T) {
	client, server := net.Pipe()
	_ = client
	go readGreeting(server, make(chan string, 1))
	sched.WaitBlocked(t, "readGreeting", "select")
}

// The fix: closing the connection makes the pending Read return.
func TestNoLeakNetConnRead(t *testing.T) {
	client, server := net.Pipe()
	got := make(chan string, 1)
	go readGreeting(server, got)
	client.Close()
	if _, ok := <-got; ok {
		t.Error("got a greeting from a closed connection")
	}
	server.Close()
	if _, err := server.Read(nil); err != io.ErrClosedPipe {
		t.Errorf("Read after Close: %v, want %v", err, io.ErrClosedPipe)
	}
}
