package sqlite

/*
#include "binding.h"
*/
import "C"

import (
	"os"
	"os/signal"
	"sync"
)

// Hosts older than SQLite 3.41 have no sqlite3_is_interrupted, so a scan
// waiting on the network cannot see the sqlite3_interrupt that the shell's
// Ctrl-C handler calls (Debian 12's sqlite3 is 3.40). While such a scan
// runs, the extension takes SIGINT itself and does what the shell's handler
// does, sqlite3_interrupt on the scan's connection, and also cancels the
// scan at once. When the last scan ends, signal.Reset gives the host its
// own handler back. Hosts with 3.41 or newer, and every Go program (mattn's
// SQLite is newer), never take this path.
var sigint struct {
	mu    sync.Mutex
	scans map[*cursorState]func()
	ch    chan os.Signal
}

// watchSIGINT registers a running scan; cancel ends it.
func (st *cursorState) watchSIGINT(cancel func()) {
	sigint.mu.Lock()
	defer sigint.mu.Unlock()
	if sigint.scans == nil {
		sigint.scans = map[*cursorState]func(){}
	}
	if len(sigint.scans) == 0 {
		sigint.ch = make(chan os.Signal, 1)
		signal.Notify(sigint.ch, os.Interrupt)
		go relaySIGINT(sigint.ch)
	}
	sigint.scans[st] = cancel
}

// unwatchSIGINT unregisters a scan, handing SIGINT back to the host after
// the last one.
func (st *cursorState) unwatchSIGINT() {
	sigint.mu.Lock()
	defer sigint.mu.Unlock()
	if _, ok := sigint.scans[st]; !ok {
		return
	}
	delete(sigint.scans, st)
	if len(sigint.scans) == 0 {
		signal.Reset(os.Interrupt)
		close(sigint.ch)
	}
}

func relaySIGINT(ch chan os.Signal) {
	for range ch {
		sigint.mu.Lock()
		for st, cancel := range sigint.scans {
			st.interrupted.Store(true)
			C.vp_interrupt(st.db) // the connection is open while its scan is registered
			cancel()
		}
		sigint.mu.Unlock()
	}
}
