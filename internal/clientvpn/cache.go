package clientvpn

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// cache keeps the complete result of recent identical fetches, so that a
// join rescanning the table once per outer row calls the API once per
// distinct (region, endpoint, filters). Only complete results are kept,
// and all of them together, stored or still being collected, stay within
// cacheBudget rows: expired entries make room for new ones, and a fetch
// that cannot get room streams through without being held. Live entries
// are never pushed out, since a scan larger than the budget would push out
// each entry just before its next use; instead the first 20,000 rows stay
// useful and only the rest is fetched again. (Without the
// global budget, streaming 1,000,000 rows over 100 endpoints kept them all:
// 1.5 GB peak RSS in bench/, against 37 MB with the cache off.)
type cache struct {
	mu      sync.Mutex
	entries map[string]cacheEntry
	stored  int // rows in entries
	pending int // rows reserved by fetches still collecting
	// epoch counts invalidations. A fetch that began before one may have
	// read what the invalidation made stale (a bulk terminate invalidates
	// while the scan that feeds it is still fetching), so its result is
	// kept only if the epoch has not moved meanwhile.
	epoch uint64
}

type cacheEntry struct {
	pages   any // [][]T
	rows    int
	expires time.Time
}

// cacheBudget bounds the rows the cache holds (about 700 bytes each as SDK
// structs, so some 14 MB).
const cacheBudget = 20_000

// cached serves page from the cache when key is fresh, else runs fetch and
// keeps what it saw if it completed.
//
// A fetch is complete when its last page arrives, and it is stored then,
// before that page goes to the consumer: whatever the consumer does next
// (database/sql's QueryRow closes the cursor after the first row, which
// cancels the scan) cannot make a complete result be thrown away.
func cached[T any](s *Service, ctx context.Context, key string, page func([]T) error, fetch func(page func(p []T, last bool) error) error) error {
	ttl := s.Settings().CacheTTL
	s.cache.mu.Lock()
	epoch := s.cache.epoch
	e, ok := s.cache.entries[key]
	s.cache.mu.Unlock()
	if ttl > 0 && ok && time.Now().Before(e.expires) {
		for _, p := range e.pages.([][]T) {
			if err := page(p); err != nil {
				return err
			}
		}
		return nil
	}
	var kept [][]T
	keeping, reserved := ttl > 0, 0
	err := fetch(func(p []T, last bool) error {
		if keeping && s.cache.reserve(len(p)) {
			kept = append(kept, p)
			reserved += len(p)
		} else if keeping {
			keeping, kept = false, nil // too big to keep: let it stream through
		}
		if keeping && last {
			s.cache.mu.Lock()
			s.cache.pending -= reserved
			if s.cache.epoch == epoch {
				s.cache.put(key, cacheEntry{pages: kept, rows: reserved, expires: time.Now().Add(ttl)})
			}
			s.cache.mu.Unlock()
			keeping, kept, reserved = false, nil, 0
		}
		return page(p)
	})
	if reserved > 0 { // an incomplete fetch gives its room back
		s.cache.mu.Lock()
		s.cache.pending -= reserved
		s.cache.mu.Unlock()
	}
	return err
}

// reserve makes room for n more rows of a fetch still collecting,
// dropping expired entries if it must; false if they cannot fit.
func (c *cache) reserve(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stored+c.pending+n > cacheBudget {
		c.dropExpired()
	}
	if c.stored+c.pending+n > cacheBudget {
		return false
	}
	c.pending += n
	return true
}

// put stores an entry whose rows were reserved. c.mu must be held.
func (c *cache) put(key string, e cacheEntry) {
	if c.entries == nil {
		c.entries = map[string]cacheEntry{}
	}
	c.drop(key)
	c.entries[key] = e
	c.stored += e.rows
}

func (c *cache) drop(key string) {
	if old, ok := c.entries[key]; ok {
		c.stored -= old.rows
		delete(c.entries, key)
	}
}

func (c *cache) dropExpired() {
	now := time.Now()
	for k, e := range c.entries {
		if now.After(e.expires) {
			c.drop(k)
		}
	}
}

// ClearCache forgets every cached result.
func (s *Service) ClearCache() {
	s.cache.mu.Lock()
	s.cache.entries, s.cache.stored = nil, 0
	s.cache.epoch++
	s.cache.mu.Unlock()
}

// InvalidateEndpoint forgets the cached connections of one endpoint, after
// its connections changed (a terminate).
func (s *Service) InvalidateEndpoint(accountID, region, endpointID string) {
	prefix := connectionsKeyPrefix(accountID, region, endpointID)
	s.cache.mu.Lock()
	s.cache.epoch++
	for k := range s.cache.entries {
		if strings.HasPrefix(k, prefix) {
			s.cache.drop(k)
		}
	}
	s.cache.mu.Unlock()
}

func connectionsKeyPrefix(accountID, region, endpointID string) string {
	return fmt.Sprintf("connections\x00%s\x00%s\x00%s\x00", accountID, region, endpointID)
}

func (q ConnectionQuery) cacheKey() string {
	return connectionsKeyPrefix(q.AccountID, q.Region, q.EndpointID) + fmt.Sprintf("%q\x00%q", q.ConnectionIDs, q.Usernames)
}

func (q EndpointQuery) cacheKey() string {
	return fmt.Sprintf("endpoints\x00%s\x00%s\x00%q\x00%q\x00%s", q.AccountID, q.Region, q.EndpointIDs, q.EndpointIDFilter, q.TransportProtocol)
}
