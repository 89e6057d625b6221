package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// hist is a log-linear latency histogram in microseconds, HDR-style: exact
// below 256 µs, then 128 buckets per power of two (under 0.8% error). Its
// size is fixed whatever the number of samples, and it is safe for
// concurrent use without a lock.
type hist struct {
	counts [histBuckets]atomic.Int64
	n      atomic.Int64
	sumUs  atomic.Int64
	maxUs  atomic.Int64
}

const (
	subBits     = 8
	sub         = 1 << subBits
	half        = sub / 2
	histBuckets = sub + (64-subBits)*half
)

func bucketOf(us uint64) int {
	if us < sub {
		return int(us)
	}
	e := bits.Len64(us) - subBits // >= 1
	m := us >> e                  // in [half, sub)
	return sub + (e-1)*half + int(m-half)
}

// bucketRange returns the smallest and largest value of bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < sub {
		return uint64(i), uint64(i)
	}
	e := (i-sub)/half + 1
	m := uint64((i-sub)%half + half)
	return m << e, (m+1)<<e - 1
}

func (h *hist) record(d time.Duration) {
	us := max(d.Microseconds(), 0)
	h.counts[bucketOf(uint64(us))].Add(1)
	h.n.Add(1)
	h.sumUs.Add(us)
	for {
		old := h.maxUs.Load()
		if us <= old || h.maxUs.CompareAndSwap(old, us) {
			return
		}
	}
}

// merge adds o's samples to h (for the total row).
func (h *hist) merge(o *hist) {
	for i := range o.counts {
		if c := o.counts[i].Load(); c != 0 {
			h.counts[i].Add(c)
		}
	}
	h.n.Add(o.n.Load())
	h.sumUs.Add(o.sumUs.Load())
	h.maxUs.Store(max(h.maxUs.Load(), o.maxUs.Load()))
}

// quantile returns the latency below which a share q of the samples lie:
// the middle of the bucket holding it, never above the largest sample.
func (h *hist) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n) + 0.5)
	rank = min(max(rank, 1), n)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			lo, hi := bucketRange(i)
			v := min((lo+hi)/2, uint64(h.maxUs.Load()))
			return time.Duration(v) * time.Microsecond
		}
	}
	return time.Duration(h.maxUs.Load()) * time.Microsecond
}

func (h *hist) mean() time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sumUs.Load()/n) * time.Microsecond
}

func (h *hist) max() time.Duration { return time.Duration(h.maxUs.Load()) * time.Microsecond }
