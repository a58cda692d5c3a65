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
		Events:           make([]Event, 0, 2*cfg.Seats+1),
	}
}

// SetActive makes a seat held (its ship, with a clean score, appears at once at a spawn
// point) or free (its ship leaves the arena). Setting a seat to the state it has does nothing.
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
}

// Clone returns a deep copy of w that shares only the immutable Map.
func (w *World) Clone() *World {
	c := *w
	c.Ships = append([]Ship(nil), w.Ships...)
	c.Projectiles = append(make([]Projectile, 0, cap(w.Projectiles)), w.Projectiles...)
	c.Events = append(make([]Event, 0, cap(w.Events)), w.Events...)
	return &c
}

// Hash fingerprints the state of w with 64-bit FNV-1a over every field in a fixed order.
// Equal hashes after every tick are how tests and replays check determinism.
func (w *World) Hash() uint64 {
	h := hasher(14695981039346656037)
	c := w.Config
	h.add(uint64(c.Seats), uint64(c.FragLimit), uint64(c.TimeLimit), uint64(c.TickRate), c.Seed)
	h.add(uint64(w.Tick), uint64(w.NextProjectileID), w.RNG, bit(w.Over), uint64(int64(w.Winner)))
	h.add(uint64(len(w.Ships)))
	for i := range w.Ships {
		s := &w.Ships[i]
		h.add(bit(s.Active), bit(s.Alive), pair(s.Pos), pair(s.Vel), uint64(uint8(s.AimX))<<8|uint64(uint8(s.AimY)),
			uint64(uint16(s.Health)), uint64(s.Cooldown), uint64(s.RespawnIn), uint64(s.Frags), uint64(s.Deaths), uint64(s.LastSeq))
	}
	h.add(uint64(len(w.Projectiles)))
	for i := range w.Projectiles {
		p := &w.Projectiles[i]
		h.add(uint64(p.ID), uint64(p.Owner), pair(p.Pos), pair(p.Vel), uint64(p.TTL))
	}
	return uint64(h)
}

// hasher is a running FNV-1a hash.
type hasher uint64

// add hashes each value as 8 little-endian bytes.
func (h *hasher) add(values ...uint64) {
	for _, v := range values {
		for range 8 {
			*h = (*h ^ hasher(v&0xff)) * 1099511628211
			v >>= 8
		}
	}
}

func bit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func pair(v Vec) uint64 { return uint64(uint32(v.X))<<32 | uint64(uint32(v.Y)) }

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
