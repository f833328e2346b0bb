// Command goext is the smallest loadable SQLite extension Go can build: an
// entry point that does nothing. The benchmark harness builds it with
// -buildmode=c-shared and times `.load` of it next to `.load build/vpnsql`,
// which shows what any Go extension costs to load (the Go runtime starting
// inside the host) apart from what vpnsql adds.
package main

import "C"

import "unsafe"

// sqlite3_extension_init is the entry point SQLite's .load looks for.
//
//export sqlite3_extension_init
func sqlite3_extension_init(db, errMsg, api unsafe.Pointer) C.int { return 0 } // SQLITE_OK

func main() {}
