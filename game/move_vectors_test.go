package game

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The file testdata/move_vectors.json pins MoveShip for its JavaScript port. Its shape:
//
//	{
//	  "cases": [
//	    {
//	      "name": "arena-30Hz",            // what the case exercises
//	      "map": "arena",                  // a map from assets/maps
//	      "tickRate": 30,                  // Config.TickRate
//	      "start": SHIP,                   // the ship before the first step
//	      "steps": [ {"input": INPUT, "ship": SHIP}, ... ]
//	    }, ...
//	  ]
//	}
//
// where SHIP is {"alive": bool, "x", "y", "vx", "vy", "aimX", "aimY"} (world units, aim of
// length 127) and INPUT is {"buttons", "aimX", "aimY"} (Buttons bits: 1 up, 2 down, 4 left,
// 8 right, 16 fire; aim in pixels). Each step applies MoveShip(map, config, ship, input) and
// "ship" is the result, which becomes the ship for the next step. Regenerate it with
// `go test ./game -run MoveVectors -update` after a deliberate change to the movement rules.

type vectorShip struct {
	Alive bool  `json:"alive"`
	X     int32 `json:"x"`
	Y     int32 `json:"y"`
	VX    int32 `json:"vx"`
	VY    int32 `json:"vy"`
	AimX  int8  `json:"aimX"`
	AimY  int8  `json:"aimY"`
}

type vectorInput struct {
	Buttons Buttons `json:"buttons"`
	AimX    int16   `json:"aimX"`
	AimY    int16   `json:"aimY"`
}

type vectorStep struct {
	Input vectorInput `json:"input"`
	Ship  vectorShip  `json:"ship"`
}

// vectorCase is one case of a vector file: a ship of type S stepped through steps of type T.
type vectorCase[S, T any] struct {
	Name     string `json:"name"`
	Map      string `json:"map"`
	TickRate int    `json:"tickRate"`
	Start    S      `json:"start"`
	Steps    []T    `json:"steps"`
}

func toVector(s Ship) vectorShip {
	return vectorShip{s.Alive, s.Pos.X, s.Pos.Y, s.Vel.X, s.Vel.Y, s.AimX, s.AimY}
}

// walks calls walk for every map at several tick rates with a ship at a spawn point, the
// case's name and a generator seeded with seed, which the walks go on drawing from in turn.
func walks(t *testing.T, seed uint64, walk func(name string, m *Map, cfg Config, s Ship, rand func(int) int)) {
	rng := seed
	rand := func(n int) int {
		rng += 0x9e3779b97f4a7c15
		return int(mix64(rng) % uint64(n))
	}
	for _, name := range MapNames() {
		m, err := LoadMap(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, rate := range []int{MinTickRate, 30, 60, MaxTickRate} {
			s := Ship{Active: true, Alive: true, Pos: m.Spawns[rand(len(m.Spawns))], AimX: 127}
			walk(fmt.Sprintf("%s-%dHz", name, rate), m, DefaultConfig(2, rate), s, rand)
		}
	}
}

// moveVectors plays seeded random walks on every map at several tick rates: buttons held for
// a while so that ships reach walls and slide along them, aims of every size including the
// extremes and (0, 0), and a dead ship that must not move.
func moveVectors(t *testing.T) []vectorCase[vectorShip, vectorStep] {
	var cases []vectorCase[vectorShip, vectorStep]
	aims := []int16{0, 1, -1, 127, -300, 32767, -32768}
	walks(t, 2026, func(name string, m *Map, cfg Config, s Ship, rand func(int) int) {
		rate := cfg.TickRate
		c := vectorCase[vectorShip, vectorStep]{Name: name, Map: m.Name, TickRate: rate, Start: toVector(s)}
		var in Input
		steps := max(150, 3*rate)
		for i := range steps {
			if i%(rate/2+1) == 0 {
				in.Buttons = Buttons(rand(32))
			}
			in.AimX, in.AimY = int16(rand(801)-400), int16(rand(801)-400)
			if i%7 == 0 {
				in.AimX, in.AimY = aims[rand(len(aims))], aims[rand(len(aims))]
			}
			if i == steps-1 {
				s.Alive = false // the last step shows that a dead ship stays put
			}
			MoveShip(m, cfg, &s, in)
			c.Steps = append(c.Steps, vectorStep{vectorInput{in.Buttons, in.AimX, in.AimY}, toVector(s)})
		}
		cases = append(cases, c)
	})
	return cases
}

func TestMoveVectors(t *testing.T) {
	golden(t, "move_vectors.json", vectorFile(t, moveVectors(t)))
}

// vectorFile lays cases out as JSON with one step a line, which keeps the file readable and
// its diffs small, and checks that it reads back.
func vectorFile[S, T any](t *testing.T, cases []vectorCase[S, T]) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("{\"cases\": [\n")
	for i, c := range cases {
		head, err := json.Marshal(struct {
			Name     string `json:"name"`
			Map      string `json:"map"`
			TickRate int    `json:"tickRate"`
			Start    S      `json:"start"`
		}{c.Name, c.Map, c.TickRate, c.Start})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s, \"steps\": [\n", head[:len(head)-1])
		for j, st := range c.Steps {
			line, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			if j < len(c.Steps)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("]}")
		if i < len(cases)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")

	var check struct{ Cases []vectorCase[S, T] }
	if err := json.Unmarshal([]byte(b.String()), &check); err != nil || len(check.Cases) != len(cases) {
		t.Fatalf("the vectors do not read back: %v", err)
	}
	return b.String()
}
