package repobuild

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/server/store"
)

// sweepMargin is added to the staging TTL before a creation is garbage, so
// a creation that checked its age just before the TTL can still publish.
const sweepMargin = 10 * time.Minute

// Sweep deletes the data of creations that started before now-olderThan and
// never published (crashes, kill -9), reading at most limit markers
// (0: all). It returns how many creations it removed. `oxdrop serve` calls
// it at start-up with olderThan 0 (no creation is running then); the
// handler calls SweepStale on POSTs (the TTL plus a margin).
func Sweep(ctx context.Context, s store.Store, now time.Time, olderThan time.Duration, limit int) (int, error) {
	removed := 0
	cursor := ""
	for {
		page, next, err := s.List(ctx, stagingPrefix, cursor, 100)
		if err != nil {
			return removed, err
		}
		for _, info := range page {
			id := strings.TrimPrefix(info.Key, stagingPrefix)
			started, ok := idTime(id)
			if !ok || now.Sub(started) < olderThan {
				if ok {
					return removed, nil // ids sort by start time: the rest are younger
				}
				continue
			}
			done, err := sweepOne(ctx, s, id)
			if err != nil {
				return removed, err
			}
			if done {
				removed++
			}
			if limit--; limit == 0 {
				return removed, nil
			}
		}
		if next == "" {
			return removed, nil
		}
		cursor = next
	}
}

// idTime reads the start time in a creation id.
func idTime(id string) (time.Time, bool) {
	if len(id) < 16 {
		return time.Time{}, false
	}
	ns, err := strconv.ParseUint(id[:16], 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(ns)), true
}

// sweepOne removes one unpublished creation; a published one (crash after
// publishing) only loses its marker. It reports whether data was removed.
func sweepOne(ctx context.Context, s store.Store, id string) (bool, error) {
	data := dataPrefix + id
	var m marker
	if b, err := s.Open(ctx, markerKey(id)); err == nil {
		raw, _ := io.ReadAll(io.LimitReader(b, maxRecordBytes))
		b.Close()
		_ = json.Unmarshal(raw, &m)
	}
	if m.Namespace != "" && m.Name != "" {
		var rec record
		if b, err := s.Open(ctx, recordKey(m.Namespace, m.Name)); err == nil {
			raw, _ := io.ReadAll(io.LimitReader(b, maxRecordBytes))
			b.Close()
			if json.Unmarshal(raw, &rec) == nil && rec.Data == data {
				return false, s.Delete(ctx, markerKey(id))
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
	}
	// Walk with the cursor (not from the start each time), so a key that
	// somehow survives Delete cannot make this loop forever.
	for cursor := ""; ; {
		page, next, err := s.List(ctx, data+"/", cursor, 1000)
		if err != nil {
			return false, err
		}
		keys := make([]string, len(page))
		for i, info := range page {
			keys[i] = info.Key
		}
		if err := s.Delete(ctx, keys...); err != nil {
			return false, fmt.Errorf("sweep %s: %w", id, err)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return true, s.Delete(ctx, markerKey(id))
}

// SweepStale removes a few creations older than the staging TTL plus a
// margin, so a deployment without a start-up (Workers) is cleaned too: the
// handler calls it on each POST. Errors only get logged.
func (b *Builder) SweepStale(ctx context.Context) {
	n, err := Sweep(ctx, b.st, b.cfg.Now(), b.cfg.StagingTTL+sweepMargin, 10)
	if err != nil {
		b.log.Warn("staging sweep", "err", err)
	} else if n > 0 {
		b.log.Info("staging sweep", "removed", n)
	}
}
