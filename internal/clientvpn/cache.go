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
// distinct (region, endpoint, filters). Only complete results are kept, and
// only up to maxCachedItems items each: a huge listing streams through
// without being held.
type cache struct {
	mu      sync.Mutex
	entries map[string]cacheEntry
	// epoch counts invalidations. A fetch that began before one may have
	// read what the invalidation made stale (a bulk terminate invalidates
	// while the scan that feeds it is still fetching), so its result is
	// kept only if the epoch has not moved meanwhile.
	epoch uint64
}

type cacheEntry struct {
	pages   any // [][]T
	expires time.Time
}

const maxCachedItems = 50_000

// cached serves page from the cache when key is fresh, else runs fetch and
// keeps what it saw if it completed.
func cached[T any](s *Service, ctx context.Context, key string, page func([]T) error, fetch func(page func([]T) error) error) error {
	ttl := s.Settings().CacheTTL
	s.cache.mu.Lock()
	epoch := s.cache.epoch
	e, ok := s.cache.entries[key]
	s.cache.mu.Unlock()
	if ttl > 0 {
		if ok && time.Now().Before(e.expires) {
			for _, p := range e.pages.([][]T) {
				if err := page(p); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var kept [][]T
	items := 0
	err := fetch(func(p []T) error {
		if ttl > 0 && items <= maxCachedItems {
			kept = append(kept, p)
			items += len(p)
		}
		return page(p)
	})
	if err == nil && ttl > 0 && items <= maxCachedItems && ctx.Err() == nil {
		s.cache.mu.Lock()
		if s.cache.epoch == epoch {
			if s.cache.entries == nil {
				s.cache.entries = map[string]cacheEntry{}
			}
			s.cache.entries[key] = cacheEntry{pages: kept, expires: time.Now().Add(ttl)}
		}
		s.cache.mu.Unlock()
	}
	return err
}

// ClearCache forgets every cached result.
func (s *Service) ClearCache() {
	s.cache.mu.Lock()
	s.cache.entries = nil
	s.cache.epoch++
	s.cache.mu.Unlock()
}

// InvalidateEndpoint forgets the cached connections of one endpoint, after
// its connections changed (a terminate).
func (s *Service) InvalidateEndpoint(region, endpointID string) {
	prefix := connectionsKeyPrefix(region, endpointID)
	s.cache.mu.Lock()
	s.cache.epoch++
	for k := range s.cache.entries {
		if strings.HasPrefix(k, prefix) {
			delete(s.cache.entries, k)
		}
	}
	s.cache.mu.Unlock()
}

func connectionsKeyPrefix(region, endpointID string) string {
	return fmt.Sprintf("connections\x00%s\x00%s\x00", region, endpointID)
}

func (q ConnectionQuery) cacheKey() string {
	return connectionsKeyPrefix(q.Region, q.EndpointID) + fmt.Sprintf("%q\x00%q", q.ConnectionIDs, q.Usernames)
}

func (q EndpointQuery) cacheKey() string {
	return fmt.Sprintf("endpoints\x00%s\x00%q\x00%q\x00%s", q.Region, q.EndpointIDs, q.EndpointIDFilter, q.TransportProtocol)
}
