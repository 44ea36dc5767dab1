//go:build race

package direct

// raceEnabled shrinks the simulations under the race detector: they run
// on one goroutine, so it finds nothing there, and slows them tenfold.
const raceEnabled = true
