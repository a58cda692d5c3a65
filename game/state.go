package game

// World is the whole state of one match. Step advances it by one tick; nothing else changes
// it during play, so equal Worlds stepped with equal inputs stay equal.
type World struct {
	Config Config
	Map    *Map // shared and never modified
	Tick   uint32
	Ships  []Ship // one per seat
	// Projectiles holds the shots in flight in ID order.
	Projectiles      []Projectile
	NextProjectileID uint32
	RNG              uint64 // state of the splitmix64 generator all randomness comes from
	Over             bool   // the match has ended; Step does nothing more
	Winner           int    // the winning seat once Over, -1 before or if no seat is active
	// Past holds where the ships were at the end of the last Config.Rewind ticks, for the
	// hit tests of lag-compensated shots: the ghost of seat s at tick t is
	// Past[(t%Rewind)*Seats+s].
	Past []Ghost
	// Events lists what happened during the last Step. Step reuses the slice: copy what must
	// outlive the next Step. Events are output, not state: Hash leaves them out.
	Events []Event
}

// NewWorld starts a match of cfg on m at tick 0 with every seat free. cfg must be valid.
func NewWorld(cfg Config, m *Map) *World {
	return &World{
		Config: cfg,
		Map:    m,
		Ships:  make([]Ship, cfg.Seats),
		// Room for every shot the ships can have in flight at once, so Step never grows it.
		Projectiles:      make([]Projectile, 0, cfg.Seats*(cfg.Ticks(ProjectileLifeMS)/cfg.Ticks(FireCooldownMS)+1)),
		NextProjectileID: 1,
		RNG:              cfg.Seed,
		Winner:           -1,
		Past:             make([]Ghost, cfg.Rewind*cfg.Seats),
		Events:           make([]Event, 0, 2*cfg.Seats+1),
	}
}

// SetActive makes a seat held (its ship, with a clean score, appears at once at a spawn
// point) or free (its ship leaves the arena). Setting a seat to the state it has does nothing.
// The spawn point comes from the World's PRNG, so a replay must repeat these calls between
// the same Steps.
func (w *World) SetActive(seat int, active bool) {
	s := &w.Ships[seat]
	if s.Active == active {
		return
	}
	*s = Ship{}
	if active {
		s.Active = true
		s.AimX = 127
		w.spawn(seat)
	}
	// As far as rewound hit tests can see, the ship has always been where it is now.
	for i := seat; i < len(w.Past); i += len(w.Ships) {
		w.Past[i] = Ghost{Pos: s.Pos, Alive: s.Alive}
	}
}

// Clone returns a deep copy of w that shares only the immutable Map.
func (w *World) Clone() *World {
	c := *w
	c.Ships = append([]Ship(nil), w.Ships...)
	c.Projectiles = append(make([]Projectile, 0, cap(w.Projectiles)), w.Projectiles...)
	c.Past = append([]Ghost(nil), w.Past...)
	c.Events = append(make([]Event, 0, cap(w.Events)), w.Events...)
	return &c
}

// Hash fingerprints the state of w with 64-bit FNV-1a over every field in a fixed order,
// each at its own width. Equal hashes after every tick are how tests and replays check
// determinism.
func (w *World) Hash() uint64 {
	h := hasher(14695981039346656037)
	c := w.Config
	h.u32(uint32(c.Seats))
	h.u32(uint32(c.FragLimit))
	h.u32(uint32(c.TimeLimit))
	h.u32(uint32(c.TickRate))
	h.u64(c.Seed)
	h.u32(uint32(c.Rewind))
	h.u32(uint32(len(w.Map.Name)))
	for i := range len(w.Map.Name) {
		h.byte(w.Map.Name[i])
	}
	h.u32(w.Tick)
	h.u32(w.NextProjectileID)
	h.u64(w.RNG)
	h.flag(w.Over)
	h.u32(uint32(w.Winner))
	h.u32(uint32(len(w.Ships)))
	for i := range w.Ships {
		s := &w.Ships[i]
		h.flag(s.Active)
		h.flag(s.Alive)
		h.vec(s.Pos)
		h.vec(s.Vel)
		h.u16(uint16(uint8(s.AimX))<<8 | uint16(uint8(s.AimY)))
		h.u16(uint16(s.Health))
		h.u16(s.Cooldown)
		h.u16(s.RespawnIn)
		h.u16(s.Frags)
		h.u16(s.Deaths)
		h.u32(s.LastSeq)
	}
	h.u32(uint32(len(w.Projectiles)))
	for i := range w.Projectiles {
		p := &w.Projectiles[i]
		h.u32(p.ID)
		h.byte(p.Owner)
		h.u16(p.TTL)
		h.vec(p.Pos)
		h.vec(p.Vel)
		h.u32(p.Seq)
		h.byte(p.Lag)
	}
	for i := range w.Past {
		h.flag(w.Past[i].Alive)
		h.vec(w.Past[i].Pos)
	}
	return uint64(h)
}

// hasher is a running FNV-1a hash fed little-endian integers.
type hasher uint64

func (h *hasher) byte(b uint8) { *h = (*h ^ hasher(b)) * 1099511628211 }

func (h *hasher) u16(v uint16) {
	h.byte(uint8(v))
	h.byte(uint8(v >> 8))
}

func (h *hasher) u32(v uint32) {
	h.u16(uint16(v))
	h.u16(uint16(v >> 16))
}

func (h *hasher) u64(v uint64) {
	h.u32(uint32(v))
	h.u32(uint32(v >> 32))
}

func (h *hasher) vec(v Vec) {
	h.u32(uint32(v.X))
	h.u32(uint32(v.Y))
}

func (h *hasher) flag(b bool) {
	if b {
		h.byte(1)
	} else {
		h.byte(0)
	}
}

// next returns the next number of the World's splitmix64 generator.
func (w *World) next() uint64 {
	w.RNG += 0x9e3779b97f4a7c15
	return mix64(w.RNG)
}

// mix64 is splitmix64's output function.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
