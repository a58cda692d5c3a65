package protocol

import (
	"math"

	"skirmish/game"
)

// ShipRecord is a ship on the wire: an array of integers indexed by the Ship* constants.
// Keeping records as plain arrays lets keyframes, deltas and their validation treat every
// field alike, and lets a later version append fields without touching the code that walks
// them.
type ShipRecord [ShipFields]int64

// The fields of a ShipRecord, in wire order.
const (
	ShipSeat      = iota // the seat, which is also the index in Snapshot.Ships
	ShipFlags            // FlagActive | FlagAlive
	ShipX                // position, world units
	ShipY                //
	ShipVX               // velocity, world units per tick
	ShipVY               //
	ShipAimX             // aim direction, normalised to length 127
	ShipAimY             //
	ShipHealth           //
	ShipFrags            //
	ShipDeaths           //
	ShipRespawnIn        // ticks until a dead ship respawns
	ShipLastSeq          // the last input seq the server applied for the seat
	ShipCooldown         // ticks until the ship may fire again
	ShipFields           // the number of fields
)

// The bits of ShipRecord[ShipFlags]. Receivers ignore bits they do not know.
const (
	FlagActive = 1 // the seat is in play
	FlagAlive  = 2 // the ship is alive
)

// ProjectileRecord is a shot in flight on the wire, indexed by the Proj* constants.
type ProjectileRecord [ProjFields]int64

// The fields of a ProjectileRecord, in wire order.
const (
	ProjID     = iota // unique while the shot flies
	ProjOwner         // the seat that fired it
	ProjX             // position at the snapshot's tick, world units
	ProjY             //
	ProjVX            // velocity, world units per tick
	ProjVY            //
	ProjTTL           // ticks left to live
	ProjSeq           // the input seq that fired it, 0 for none
	ProjFields        // the number of fields
)

// span is the range of values a record field may hold.
type span struct{ lo, hi int64 }

var (
	spanU8  = span{0, math.MaxUint8}
	spanU16 = span{0, math.MaxUint16}
	spanU32 = span{0, math.MaxUint32}
	spanI8  = span{math.MinInt8, math.MaxInt8}
	spanI16 = span{math.MinInt16, math.MaxInt16}
	spanI32 = span{math.MinInt32, math.MaxInt32}
)

// shipSpans bounds each ShipRecord field by the game.Ship field it carries.
var shipSpans = [ShipFields]span{
	ShipSeat: spanU8, ShipFlags: spanU8,
	ShipX: spanI32, ShipY: spanI32, ShipVX: spanI32, ShipVY: spanI32,
	ShipAimX: spanI8, ShipAimY: spanI8, ShipHealth: spanI16,
	ShipFrags: spanU16, ShipDeaths: spanU16, ShipRespawnIn: spanU16,
	ShipLastSeq: spanU32, ShipCooldown: spanU16,
}

// shipDiffSpans bounds the change of each field in a delta's ship entry: any difference of
// two values in the field's span. The seat is not a change and has no bound here.
var shipDiffSpans = func() (d [ShipFields]span) {
	for i := ShipSeat + 1; i < ShipFields; i++ {
		d[i] = span{shipSpans[i].lo - shipSpans[i].hi, shipSpans[i].hi - shipSpans[i].lo}
	}
	return d
}()

// projSpans bounds each ProjectileRecord field by the game.Projectile field it carries.
var projSpans = [ProjFields]span{
	ProjID: spanU32, ProjOwner: spanU8,
	ProjX: spanI32, ProjY: spanI32, ProjVX: spanI32, ProjVY: spanI32,
	ProjTTL: spanU16, ProjSeq: spanU32,
}

// ShipRecordOf returns the record of the ship in the given seat.
func ShipRecordOf(seat int, s *game.Ship) ShipRecord {
	var flags int64
	if s.Active {
		flags |= FlagActive
	}
	if s.Alive {
		flags |= FlagAlive
	}
	return ShipRecord{
		ShipSeat: int64(seat), ShipFlags: flags,
		ShipX: int64(s.Pos.X), ShipY: int64(s.Pos.Y), ShipVX: int64(s.Vel.X), ShipVY: int64(s.Vel.Y),
		ShipAimX: int64(s.AimX), ShipAimY: int64(s.AimY), ShipHealth: int64(s.Health),
		ShipFrags: int64(s.Frags), ShipDeaths: int64(s.Deaths), ShipRespawnIn: int64(s.RespawnIn),
		ShipLastSeq: int64(s.LastSeq), ShipCooldown: int64(s.Cooldown),
	}
}

// Ship returns the game.Ship the record describes. Decoding has checked every field's range,
// so the conversions are exact.
func (r *ShipRecord) Ship() game.Ship {
	return game.Ship{
		Active: r[ShipFlags]&FlagActive != 0, Alive: r[ShipFlags]&FlagAlive != 0,
		Pos:  game.Vec{X: int32(r[ShipX]), Y: int32(r[ShipY])},
		Vel:  game.Vec{X: int32(r[ShipVX]), Y: int32(r[ShipVY])},
		AimX: int8(r[ShipAimX]), AimY: int8(r[ShipAimY]), Health: int16(r[ShipHealth]),
		Cooldown: uint16(r[ShipCooldown]), RespawnIn: uint16(r[ShipRespawnIn]),
		Frags: uint16(r[ShipFrags]), Deaths: uint16(r[ShipDeaths]), LastSeq: uint32(r[ShipLastSeq]),
	}
}

// ProjectileRecordOf returns the record of a projectile.
func ProjectileRecordOf(p *game.Projectile) ProjectileRecord {
	return ProjectileRecord{
		ProjID: int64(p.ID), ProjOwner: int64(p.Owner),
		ProjX: int64(p.Pos.X), ProjY: int64(p.Pos.Y), ProjVX: int64(p.Vel.X), ProjVY: int64(p.Vel.Y),
		ProjTTL: int64(p.TTL), ProjSeq: int64(p.Seq),
	}
}

// Projectile returns the game.Projectile the record describes.
func (r *ProjectileRecord) Projectile() game.Projectile {
	return game.Projectile{
		ID: uint32(r[ProjID]), Owner: uint8(r[ProjOwner]),
		Pos: game.Vec{X: int32(r[ProjX]), Y: int32(r[ProjY])},
		Vel: game.Vec{X: int32(r[ProjVX]), Y: int32(r[ProjVY])},
		TTL: uint16(r[ProjTTL]), Seq: uint32(r[ProjSeq]),
	}
}

// inSpans reports the first field of rec outside its span, or -1.
func inSpans(rec []int64, spans []span) int {
	for i, v := range rec {
		if v < spans[i].lo || v > spans[i].hi {
			return i
		}
	}
	return -1
}
