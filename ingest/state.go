package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vigie-oss/vigie/ingest/feed"
)

// stateVersion is the format version of the state file.
const stateVersion = 1

// touchEvery bounds how often a still-listed item's time is refreshed, so an unchanged feed does not rewrite
// the state file on every poll.
const touchEvery = 24 * time.Hour

// state remembers the mentions Kafka acknowledged, so a restart does not send them again. Each id keeps the
// last time its item was seen in a feed (refreshed at most daily); ids not seen for the retention are
// pruned, so an item that stays in a feed for months is still remembered. It also keeps each feed's
// conditional-GET validators, saved with the mentions of the response they came with, so a restart asks
// feeds for changes only.
//
// The file is JSON, {"version":1,"seen":{"<mention id>":<unix seconds>},"feeds":{"<url>":{"etag":…}}},
// written to a temporary file, synced, then renamed over the old one: a crash leaves either the old or the
// new file, never half of one.
type state struct {
	path      string
	retention time.Duration

	mu    sync.Mutex
	seen  map[string]int64
	feeds map[string]feed.Validators
	dirty bool
}

type stateFile struct {
	Version int                        `json:"version"`
	Seen    map[string]int64           `json:"seen"`
	Feeds   map[string]feed.Validators `json:"feeds,omitempty"`
}

// loadState reads the state file at path; a missing file is an empty state.
func loadState(path string, retention time.Duration) (*state, error) {
	s := &state{path: path, retention: retention, seen: map[string]int64{}, feeds: map[string]feed.Validators{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ingest state: %w", err)
	}
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil || f.Version != stateVersion {
		if err == nil {
			err = fmt.Errorf("version %d, this build reads %d", f.Version, stateVersion)
		}
		return nil, fmt.Errorf("ingest state %s is unreadable (%v); move it away to start afresh (mentions already sent are then sent again, and the store deduplicates them)", path, err)
	}
	if f.Seen != nil {
		s.seen = f.Seen
	}
	if f.Feeds != nil {
		s.feeds = f.Feeds
	}
	return s, nil
}

// validators returns what the last stored response of the feed at url said to send next time.
func (s *state) validators(url string) feed.Validators {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.feeds[url]
}

// setValidators records the feed's validators, to be written by the next save.
func (s *state) setValidators(url string, v feed.Validators) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.feeds[url] != v {
		s.feeds[url] = v
		s.dirty = true
	}
}

// keepFeeds forgets the validators of feeds no longer configured.
func (s *state) keepFeeds(urls map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for u := range s.feeds {
		if !urls[u] {
			delete(s.feeds, u)
			s.dirty = true
		}
	}
}

// unseen returns the ids not sent yet, and refreshes the time of those already sent.
func (s *state) unseen(ids []string, now time.Time) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range ids {
		t, ok := s.seen[id]
		switch {
		case !ok:
			out = append(out, id)
		case now.Unix()-t >= int64(touchEvery/time.Second):
			s.seen[id] = now.Unix()
			s.dirty = true
		}
	}
	return out
}

// mark records ids as sent (acknowledged by Kafka).
func (s *state) mark(ids []string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.seen[id] = now.Unix()
	}
	s.dirty = s.dirty || len(ids) > 0
}

func (s *state) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

// save prunes ids older than the retention and writes the file when anything changed.
func (s *state) save(now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := now.Add(-s.retention).Unix()
	for id, t := range s.seen {
		if t < cutoff {
			delete(s.seen, id)
			s.dirty = true
		}
	}
	if !s.dirty {
		return nil
	}
	b, err := json.Marshal(stateFile{Version: stateVersion, Seen: s.seen, Feeds: s.feeds})
	if err != nil {
		return fmt.Errorf("ingest state: %w", err)
	}
	if err := writeAtomic(s.path, b); err != nil {
		return fmt.Errorf("ingest state: %w (check that its folder is writable; until then a restart resends recent mentions)", err)
	}
	s.dirty = false
	return nil
}

// writeAtomic replaces path with data: temporary file in the same folder, fsync, rename, fsync of the folder.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}
