package telegram

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target the service runs with unless
// GOGC is set. The service keeps a small live heap (the question bank and
// what is in flight) and makes short-lived garbage for every update, so
// collecting four times less often costs little memory and saves CPU and
// the tail latency of collections (BENCHMARKS.md, scenario 3).
const GCPercent = 400

// SetGC applies GCPercent unless the environment sets GOGC.
func SetGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
