package game

import (
	"testing"
)

// The file testdata/shot_vectors.json pins what a client needs to predict its own shots,
// for the JavaScript port: Trigger, NewShot and Map.Flight. Its shape is that of
// move_vectors.json, with a ship's cooldown added and the shot each step fires:
//
//	{"cases": [{"name", "map", "tickRate", "start": SHIP, "steps": [
//	  {"input": INPUT, "ship": SHIP, "shot": SHOT or null}, ...]}, ...]}
//
// SHIP is move_vectors.json's ship plus "cooldown" (ticks); SHOT is {"x", "y", "vx", "vy",
// "ttl"} as NewShot returns it (world units, velocity per tick) plus "flight", Map.Flight of
// that shot. Each step applies MoveShip then Trigger to the ship; "shot" is set when Trigger
// fired. Regenerate it with `go test ./game -run ShotVectors -update` after a deliberate change
// to the rules of firing.

type shotShip struct {
	vectorShip
	Cooldown uint16 `json:"cooldown"`
}

type vectorShot struct {
	X      int32  `json:"x"`
	Y      int32  `json:"y"`
	VX     int32  `json:"vx"`
	VY     int32  `json:"vy"`
	TTL    uint16 `json:"ttl"`
	Flight int    `json:"flight"`
}

type shotStep struct {
	Input vectorInput `json:"input"`
	Ship  shotShip    `json:"ship"`
	Shot  *vectorShot `json:"shot"`
}

// shotVectors plays seeded random walks with the trigger held often on every map at several
// tick rates, so that shots leave in every direction from everywhere and end at many walls.
// The ship dies for a while in the middle of each walk: a dead ship neither moves nor fires.
func shotVectors(t *testing.T) []vectorCase[shotShip, shotStep] {
	var cases []vectorCase[shotShip, shotStep]
	walks(t, 1913, func(name string, m *Map, cfg Config, s Ship, rand func(int) int) {
		rate := cfg.TickRate
		c := vectorCase[shotShip, shotStep]{Name: name, Map: m.Name, TickRate: rate, Start: shotShip{toVector(s), s.Cooldown}}
		var in Input
		steps := max(150, 2*rate)
		for i := range steps {
			if i%(rate/3+1) == 0 {
				in.Buttons = Buttons(rand(16))
				if rand(4) > 0 {
					in.Buttons |= ButtonFire
				}
			}
			in.AimX, in.AimY = int16(rand(1601)-800), int16(rand(1601)-800)
			if i%5 == 0 {
				in.AimX, in.AimY = 0, 0
			}
			s.Alive = i < steps/2 || i >= steps/2+rate/2
			MoveShip(m, cfg, &s, in)
			st := shotStep{Input: vectorInput{in.Buttons, in.AimX, in.AimY}}
			if Trigger(cfg, &s, in) {
				p := NewShot(cfg, &s)
				st.Shot = &vectorShot{p.Pos.X, p.Pos.Y, p.Vel.X, p.Vel.Y, p.TTL, m.Flight(p)}
			}
			st.Ship = shotShip{toVector(s), s.Cooldown}
			c.Steps = append(c.Steps, st)
		}
		cases = append(cases, c)
	})
	return cases
}

func TestShotVectors(t *testing.T) {
	cases := shotVectors(t)
	shots, walls := 0, 0
	for _, c := range cases {
		for _, st := range c.Steps {
			if st.Shot != nil {
				shots++
				if int(st.Shot.TTL) > st.Shot.Flight+1 {
					walls++
				}
			}
		}
	}
	// The vectors are only worth having if they cover both ends of a shot's flight.
	if shots < 100 || walls < shots/4 || walls == shots {
		t.Fatalf("%d shots, %d of them end at a wall: the walks do not cover firing", shots, walls)
	}
	golden(t, "shot_vectors.json", vectorFile(t, cases))
}
