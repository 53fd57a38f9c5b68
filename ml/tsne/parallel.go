package tsne

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelChunks cuts [0, n) into chunks of size items (the last may be
// shorter), numbered from 0, and runs f(chunk, a, b) for each on up to
// GOMAXPROCS goroutines, taking chunks in turn. The chunks do not depend on
// the number of goroutines, so results combined per chunk in chunk order
// are reproducible. With a non-nil ctx, no chunk is started once ctx is
// cancelled, and ctx.Err() is returned.
func parallelChunks(ctx context.Context, n, size int, f func(c, a, b int)) error {
	chunks := (n + size - 1) / size
	w := min(runtime.GOMAXPROCS(0), chunks)
	var next atomic.Int64
	work := func() {
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks || (ctx != nil && ctx.Err() != nil) {
				return
			}
			f(c, c*size, min((c+1)*size, n))
		}
	}
	if w <= 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range w {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work()
			}()
		}
		wg.Wait()
	}
	if ctx != nil {
		return ctx.Err()
	}
	return nil
}
