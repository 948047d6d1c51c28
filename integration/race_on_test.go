//go:build race

package integration

// raceEnabled: this test binary runs with the race detector, so the amphora
// binary under test is built with it too.
const raceEnabled = true
