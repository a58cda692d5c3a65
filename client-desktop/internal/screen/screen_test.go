package screen

import (
	"testing"

	"skirmish/game/protocol"
)

func status(r protocol.State) Event { return Event{Kind: Status, Room: r} }

func TestNext(t *testing.T) {
	tests := []struct {
		name string
		from State
		e    Event
		want State
	}{
		{"join from the lobby", Lobby, Event{Kind: Join}, Connecting},
		{"join again after an error", Failed, Event{Kind: Join}, Connecting},
		{"second join ignored", Playing, Event{Kind: Join}, Playing},
		{"welcome into a waiting room", Connecting, status(protocol.StateWaiting), Countdown},
		{"welcome into a running match", Connecting, status(protocol.StateRunning), Playing},
		{"countdown ends", Countdown, status(protocol.StateRunning), Playing},
		{"another player drops", Playing, status(protocol.StatePaused), Paused},
		{"they come back", Paused, status(protocol.StateCountdown), Countdown},
		{"match over", Playing, status(protocol.StateEnded), Ended},
		{"rematch", Ended, status(protocol.StateCountdown), Countdown},
		{"we drop", Playing, Event{Kind: Lost}, Reconnecting},
		{"we drop during results", Ended, Event{Kind: Lost}, Reconnecting},
		{"first connection still trying", Connecting, Event{Kind: Lost}, Connecting},
		{"resynced after our drop", Reconnecting, status(protocol.StatePaused), Paused},
		{"room full", Connecting, Event{Kind: Refused}, Failed},
		{"seat lost while away", Reconnecting, Event{Kind: Refused}, Failed},
		{"error read", Failed, Event{Kind: Dismiss}, Lobby},
		{"dismiss does nothing in play", Playing, Event{Kind: Dismiss}, Playing},
		{"leave", Paused, Event{Kind: Leave}, Lobby},
		{"late status after leaving", Lobby, status(protocol.StateRunning), Lobby},
		{"late drop after leaving", Lobby, Event{Kind: Lost}, Lobby},
		{"unknown room state keeps the screen", Playing, status(protocol.State(99)), Playing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Next(tt.from, tt.e); got != tt.want {
				t.Errorf("Next(%v, %+v) = %v, want %v", tt.from, tt.e, got, tt.want)
			}
		})
	}
}

func TestNamesMatchTheWebClient(t *testing.T) {
	want := map[State]string{
		Lobby: "lobby", Connecting: "connecting", Countdown: "countdown", Playing: "playing",
		Paused: "paused", Reconnecting: "reconnecting", Ended: "ended", Failed: "error",
	}
	for s, name := range want {
		if s.String() != name {
			t.Errorf("State(%d).String() = %q, want %q", s, s.String(), name)
		}
	}
}
