package protocol

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"

	"skirmish/game"
)

const constantsPath = "testdata/constants.json"

// closeCodes names every Code for other languages: the web client's table uses these names,
// and its tests fail when a value or a reconnect rule differs from this side's.
var closeCodes = map[string]Code{
	"normal": CodeNormal, "goingAway": CodeGoingAway, "protocolError": CodeProtocol, "noStatus": CodeNoStatus,
	"abnormal": CodeAbnormal, "badData": CodeBadUTF8, "policy": CodePolicy, "tooBig": CodeTooBig,
	"internal": CodeInternal, "replaced": CodeReplaced, "stuck": CodeStuck, "keepalive": CodeKeepalive,
	"busy": CodeBusy, "moved": CodeMoved,
	"badMessage": CodeBadMessage, "unknownType": CodeUnknown, "textFrame": CodeTextFrame,
	"badVersion": CodeVersion, "unknownRoom": CodeNoRoom, "roomFull": CodeRoomFull,
	"badToken": CodeBadToken, "badName": CodeBadName, "seatLost": CodeSeatLost,
	"roomClosed": CodeRoomClosed, "removed": CodeRemoved,
}

type closeCode struct {
	Code      Code `json:"code"`
	Reconnect bool `json:"reconnect"`
}

// constants are the values that a client in another language must share with the Go side.
type constants struct {
	ProtocolVersion int                  `json:"protocolVersion"`
	MaxName         int                  `json:"maxName"`
	TokenLen        int                  `json:"tokenLen"`
	SubPixel        int                  `json:"subPixel"`
	TileSize        int                  `json:"tileSize"`
	Buttons         map[string]int       `json:"buttons"`
	ShipFlags       map[string]int       `json:"shipFlags"`
	States          map[string]int       `json:"states"`
	EventKinds      map[string]int       `json:"eventKinds"`
	CloseCodes      map[string]closeCode `json:"closeCodes"`
	Maps            []string             `json:"maps"`
	BotLevels       []string             `json:"botLevels"`
	Reactions       []string             `json:"reactions"`
	MaxCheerRunes   int                  `json:"maxCheerRunes"`
}

func currentConstants() constants {
	c := constants{
		ProtocolVersion: Version,
		MaxName:         MaxName,
		TokenLen:        TokenLen,
		SubPixel:        game.SubPixel,
		TileSize:        game.TileSize,
		Buttons: map[string]int{
			"up": int(game.ButtonUp), "down": int(game.ButtonDown), "left": int(game.ButtonLeft),
			"right": int(game.ButtonRight), "fire": int(game.ButtonFire),
		},
		ShipFlags: map[string]int{"active": FlagActive, "alive": FlagAlive},
		States:    map[string]int{},
		EventKinds: map[string]int{
			"frag": int(EventFrag), "respawn": int(EventRespawn), "matchOver": int(EventMatchOver),
			"cheer": int(EventCheer), "joined": int(EventJoined), "left": int(EventLeft),
		},
		CloseCodes:    map[string]closeCode{},
		Maps:          game.MapNames(),
		BotLevels:     []string{game.BotEasy.String(), game.BotNormal.String(), game.BotHard.String()},
		Reactions:     Reactions,
		MaxCheerRunes: MaxCheerRunes,
	}
	for s := StateWaiting; s <= StateEnded; s++ {
		c.States[s.String()] = int(s)
	}
	for name, code := range closeCodes {
		c.CloseCodes[name] = closeCode{Code: code, Reconnect: code.Reconnect()}
	}
	return c
}

// TestConstants pins testdata/constants.json, which the web client's tests compare with its
// own tables. Run with -update after a deliberate change.
func TestConstants(t *testing.T) {
	named := slices.Sorted(maps.Values(closeCodes))
	known := slices.Sorted(maps.Keys(codeNames))
	if !slices.Equal(named, known) {
		t.Fatalf("closeCodes names %v, the package defines %v: name every code", named, known)
	}
	want, err := json.MarshalIndent(currentConstants(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile(constantsPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(constantsPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date (go test -run TestConstants -update rewrites it)", constantsPath)
	}
}
