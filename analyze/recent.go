package analyze

import "hash/maphash"

// recentWindow is how many mention ids an analyzer remembers to drop duplicates (about 4 MiB).
const recentWindow = 1 << 17

// recentIDs remembers the last n ids added, as 64-bit hashes (a false match needs 2^47 mentions).
type recentIDs struct {
	seed maphash.Seed
	ring []uint64
	pos  int
	set  map[uint64]struct{}
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{seed: maphash.MakeSeed(), ring: make([]uint64, 0, n), set: make(map[uint64]struct{}, n)}
}

// add records id and reports whether it was new; the oldest id is forgotten once n are held.
func (r *recentIDs) add(id string) bool {
	h := maphash.String(r.seed, id)
	if _, ok := r.set[h]; ok {
		return false
	}
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, h)
	} else {
		delete(r.set, r.ring[r.pos])
		r.ring[r.pos] = h
		r.pos = (r.pos + 1) % len(r.ring)
	}
	r.set[h] = struct{}{}
	return true
}
