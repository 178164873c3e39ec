package uploads

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/oxdrop/oxdrop/server/store"
)

// Sweep ends every expired upload (its partial blobs, states and hold),
// reading at most limit records (0: all), and returns how many it ended.
// `oxdrop serve` runs it at start-up and then hourly; on Workers, SweepSoon
// runs it on plans.
func (m *Manager) Sweep(ctx context.Context, limit int) (int, error) {
	now := m.cfg.Now()
	ended := 0
	for cursor := ""; ; {
		page, next, err := m.st.List(ctx, "uploads/", cursor, 100)
		if err != nil {
			return ended, err
		}
		for _, info := range page {
			id := strings.TrimPrefix(info.Key, "uploads/")
			var rec record
			if _, err := readJSON(ctx, m.st, info.Key, maxRecordBytes, &rec); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				return ended, err
			}
			if now.Before(rec.Expires) {
				continue
			}
			if err := m.end(ctx, id); err != nil {
				return ended, err
			}
			m.releaseHold(ctx, rec.Namespace, rec.Name, id)
			ended++
			if limit--; limit == 0 {
				return ended, nil
			}
		}
		if next == "" {
			return ended, nil
		}
		cursor = next
	}
}

// SweepSoon sweeps a few expired uploads if the last sweep of this process
// is more than a minute old (the handler calls it on plans: a deployment
// without a start-up, Workers, is cleaned too). Errors are logged.
func (m *Manager) SweepSoon(ctx context.Context) {
	m.mu.Lock()
	due := m.cfg.Now().Sub(m.lastSweep) > time.Minute
	if due {
		m.lastSweep = m.cfg.Now()
	}
	m.mu.Unlock()
	if !due {
		return
	}
	if n, err := m.Sweep(ctx, 10); err != nil {
		m.log.Warn("upload sweep", "err", err)
	} else if n > 0 {
		m.log.Info("upload sweep", "ended", n)
	}
}
