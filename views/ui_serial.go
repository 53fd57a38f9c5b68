package views

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// serialUI runs the functions given to uiDo one at a time, as the real
// driver's single UI goroutine does; a call made from inside one (a
// listener that updates another widget) runs at once, as it would there.
type serialUI struct {
	mu    sync.Mutex // held while a function runs
	owner sync.Map   // goroutine id → true while it holds mu
}

func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return id
}

func (s *serialUI) do(f func()) {
	id := goroutineID()
	if _, mine := s.owner.Load(id); mine {
		f()
		return
	}
	s.mu.Lock()
	s.owner.Store(id, true)
	defer func() {
		s.owner.Delete(id)
		s.mu.Unlock()
	}()
	f()
}

// hold makes the calling goroutine (a test) the UI goroutine: everything
// it does to widgets is serialised with the panels' background updates,
// which wait until it sleeps (see sleep) or calls the returned release.
func (s *serialUI) hold() (release func()) {
	id := goroutineID()
	if _, mine := s.owner.Load(id); mine {
		return func() {}
	}
	s.mu.Lock()
	s.owner.Store(id, true)
	var once sync.Once
	return func() {
		once.Do(func() {
			s.owner.Delete(id)
			s.mu.Unlock()
		})
	}
}

// sleep waits d; a goroutine that holds the UI lets the queued UI work run
// meanwhile, as an idle UI goroutine would.
func (s *serialUI) sleep(d time.Duration) {
	id := goroutineID()
	if _, mine := s.owner.Load(id); !mine {
		time.Sleep(d)
		return
	}
	s.owner.Delete(id)
	s.mu.Unlock()
	time.Sleep(d)
	s.mu.Lock()
	s.owner.Store(id, true)
}

// testUI serialises the UI work of every test.
var testUI = &serialUI{}

// SerialiseForTests makes every panel's UI work run one function at a
// time, as the real driver's single UI goroutine does, and returns that
// dispatcher (for a job runner's Dispatch and a test's own widget work).
// Fyne's headless test driver runs fyne.Do on the calling goroutine, which
// would let two background jobs update one widget at once. For tests only.
func SerialiseForTests() func(func()) {
	serialOnce.Do(func() { uiDo, uiDoAndWait = testUI.do, testUI.do })
	return testUI.do
}

var serialOnce sync.Once
